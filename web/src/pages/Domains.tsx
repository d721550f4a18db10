import { Badge, Button, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise20Regular, Checkmark16Regular } from '@fluentui/react-icons';
import { CopyCell } from '../components/CopyCell';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { graph, type Domain } from '../graph';
import { useLoad } from '../hooks';

const useStyles = makeStyles({
  name: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

/** The tenant's domain names (GET /v1.0/domains). */
export function DomainsPage() {
  const styles = useStyles();
  const domains = useLoad('domains', graph.domains);
  const items = [...(domains.data ?? [])].sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.id.localeCompare(b.id));
  return (
    <Page
      title="Custom domain names"
      subtitle={domains.data ? `${domains.data.length} domain name${domains.data.length === 1 ? '' : 's'}` : undefined}
      actions={<Button icon={<ArrowClockwise20Regular />} onClick={domains.reload}>Refresh</Button>}
    >
      {domains.error ? <GraphErrorBar error={domains.error} title="The domain names could not be read." /> : null}
      {domains.loading && !domains.data ? <Loading /> : null}
      {domains.data ? (
        <DataTable<Domain>
          label="Domain names"
          items={items}
          rowKey={(d) => d.id}
          columns={[
            {
              key: 'name', header: 'Name', cell: (d) => (
                <span className={styles.name}>
                  <CopyCell value={d.id} label={`domain name ${d.id}`} />
                  {d.isInitial ? <Badge appearance="outline" color="informative">Initial</Badge> : null}
                </span>
              ),
            },
            { key: 'status', header: 'Status', cell: (d) => (d.isVerified ? 'Available' : 'Unverified') },
            { key: 'federated', header: 'Federated', cell: (d) => (d.authenticationType === 'Federated' ? <Checkmark16Regular aria-label="Yes" /> : null) },
            { key: 'primary', header: 'Primary', cell: (d) => (d.isDefault ? <Checkmark16Regular aria-label="Yes" /> : null) },
          ]}
        />
      ) : null}
    </Page>
  );
}
