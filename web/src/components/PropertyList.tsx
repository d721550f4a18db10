import { makeStyles, tokens } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';
import { CopyButton } from './CopyButton';

export interface Property {
  label: string;
  value: ReactNode;
  /** the text a copy button copies; no button without it */
  copy?: string;
  mono?: boolean;
}

const useStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'minmax(160px, max-content) 1fr',
    columnGap: tokens.spacingHorizontalXXL,
    rowGap: tokens.spacingVerticalS,
    margin: '0',
    alignItems: 'center',
    '@media (max-width: 767px)': { gridTemplateColumns: '1fr', rowGap: '0' },
  },
  term: {
    color: tokens.colorNeutralForeground2,
    '@media (max-width: 767px)': { marginTop: tokens.spacingVerticalS },
  },
  value: { margin: '0', display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, minWidth: '0' },
  text: { overflowWrap: 'anywhere', minWidth: '0' },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

/** Label / value pairs ("Essentials"), each value with a copy button where it is an identifier. */
export function PropertyList({ items }: { items: Property[] }) {
  const styles = useStyles();
  const base = useId();
  return (
    <dl className={styles.list}>
      {items.map((item, i) => {
        const id = `${base}-v${i}`;
        return (
          <div key={item.label} style={{ display: 'contents' }}>
            <dt className={styles.term}>{item.label}</dt>
            <dd className={styles.value}>
              <span id={id} className={item.mono ? `${styles.text} ${styles.mono}` : styles.text}>{item.value}</span>
              {item.copy ? <CopyButton value={item.copy} label={item.label} targetId={id} /> : null}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
