import { Badge, Button, Field, Input, Link, Text, makeStyles } from '@fluentui/react-components';
import { Add20Regular, ArrowClockwise20Regular, Search20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { CopyCell } from '../components/CopyCell';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { formatDate, isExpired } from '../format';
import { graph, type Application } from '../graph';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';

const useStyles = makeStyles({
  filter: { maxWidth: '480px' },
});

function secretsStatus(a: Application): { text: string; expired: boolean } | null {
  if (a.passwordCredentials.length === 0) return null;
  const current = a.passwordCredentials.filter((c) => !isExpired(c.endDateTime)).length;
  return current > 0 ? { text: 'Current', expired: false } : { text: 'Expired', expired: true };
}

/** The tenant's app registrations (GET /v1.0/applications). */
export function AppsPage() {
  const styles = useStyles();
  const apps = useLoad('applications', graph.applications);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const items = (apps.data ?? [])
    .filter((a) => !needle || a.displayName.toLowerCase().includes(needle) || a.appId.toLowerCase().startsWith(needle))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  return (
    <Page
      title="App registrations"
      actions={
        <>
          <Button appearance="primary" icon={<Add20Regular />} onClick={() => navigate('/apps/new')}>New registration</Button>
          <Button icon={<ArrowClockwise20Regular />} onClick={apps.reload}>Refresh</Button>
        </>
      }
    >
      <Field label="Filter by display name or application (client) ID" className={styles.filter}>
        <Input value={filter} onChange={(_e, d) => setFilter(d.value)} contentBefore={<Search20Regular />} />
      </Field>
      {apps.error ? <GraphErrorBar error={apps.error} title="The app registrations could not be read." /> : null}
      {apps.loading && !apps.data ? <Loading /> : null}
      {apps.data ? (
        <>
          <Text>{items.length} application{items.length === 1 ? '' : 's'} found</Text>
          {items.length > 0 ? (
            <DataTable<Application>
              label="App registrations"
              items={items}
              rowKey={(a) => a.id}
              columns={[
                { key: 'name', header: 'Display name', cell: (a) => <Link href={href('apps', a.id)}>{a.displayName}</Link> },
                { key: 'appId', header: 'Application (client) ID', cell: (a) => <CopyCell value={a.appId} label={`application (client) ID of ${a.displayName}`} mono /> },
                { key: 'created', header: 'Created on', cell: (a) => formatDate(a.createdDateTime) },
                {
                  key: 'secrets', header: 'Certificates & secrets', cell: (a) => {
                    const s = secretsStatus(a);
                    return s ? <Badge appearance="tint" color={s.expired ? 'danger' : 'success'}>{s.text}</Badge> : '—';
                  },
                },
              ]}
            />
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
