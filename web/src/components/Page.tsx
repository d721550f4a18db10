import { Spinner, Title2, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, type ReactNode } from 'react';

const useStyles = makeStyles({
  header: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM, marginBottom: tokens.spacingVerticalL },
  titles: { display: 'flex', flexDirection: 'column', minWidth: '0', flexGrow: 1 },
  title: { margin: '0', overflowWrap: 'anywhere' },
  subtitle: { color: tokens.colorNeutralForeground3 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  spinner: { padding: tokens.spacingVerticalXXL },
});

/** A page: its title (also the document's), an optional line under it, actions, then the content. */
export function Page({ title, subtitle, actions, breadcrumb, children }: { title: string; subtitle?: ReactNode; actions?: ReactNode; breadcrumb?: ReactNode; children?: ReactNode }) {
  const styles = useStyles();
  useEffect(() => {
    document.title = `${title} - Tenantry`;
  }, [title]);
  return (
    <div className={styles.section}>
      {breadcrumb}
      <div className={styles.header}>
        <div className={styles.titles}>
          <Title2 as="h1" className={styles.title}>{title}</Title2>
          {subtitle ? <span className={styles.subtitle}>{subtitle}</span> : null}
        </div>
        {actions ? <div className={styles.actions}>{actions}</div> : null}
      </div>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  const styles = useStyles();
  return <Spinner className={styles.spinner} label={label} labelPosition="below" />;
}
