import { makeStyles, tokens } from '@fluentui/react-components';
import { useId } from 'react';
import { CopyButton } from './CopyButton';

const useStyles = makeStyles({
  root: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXXS, maxWidth: '100%' },
  text: { overflowWrap: 'anywhere' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

/** A value in a table cell with its copy button ("Copy <label>"). */
export function CopyCell({ value, label, mono }: { value: string; label: string; mono?: boolean }) {
  const styles = useStyles();
  const id = useId();
  return (
    <span className={styles.root}>
      <span id={id} className={mono ? `${styles.text} ${styles.mono}` : styles.text}>{value}</span>
      <CopyButton value={value} label={label} targetId={id} />
    </span>
  );
}
