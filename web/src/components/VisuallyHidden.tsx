import { makeStyles } from '@fluentui/react-components';
import type { HTMLAttributes } from 'react';

const useStyles = makeStyles({
  root: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    padding: '0',
    overflow: 'hidden',
    clipPath: 'inset(50%)',
    whiteSpace: 'nowrap',
    border: '0',
  },
});

/** Text for screen readers only (live announcements). */
export function VisuallyHidden(props: HTMLAttributes<HTMLSpanElement>) {
  const styles = useStyles();
  return <span {...props} className={styles.root} />;
}
