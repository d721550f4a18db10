import { Button, Card, CardHeader, Link, Subtitle1, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise20Regular } from '@fluentui/react-icons';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { PropertyList } from '../components/PropertyList';
import { useTenant } from '../context';
import { licenseOf, primaryDomain, tenantTypeName } from '../format';
import { graph } from '../graph';
import { useLoad } from '../hooks';
import { href } from '../router';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  links: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL },
});

/** The tenant at a glance: name, id, primary domain, licence, type. */
export function OverviewPage() {
  const styles = useStyles();
  const t = useTenant();
  const skus = useLoad('subscribedSkus', graph.subscribedSkus);
  const org = t.organization;
  const license = licenseOf(skus.data, org);
  const domain = primaryDomain(org);

  return (
    <Page
      title="Overview"
      subtitle={t.tenantName}
      actions={
        <Button icon={<ArrowClockwise20Regular />} onClick={() => { t.reloadOrganization(); skus.reload(); }}>
          Refresh
        </Button>
      }
    >
      {t.organizationError ? <GraphErrorBar error={t.organizationError} title="The tenant's details could not be read." /> : null}
      <Card className={styles.card}>
        <CardHeader header={<Subtitle1 as="h2">Basic information</Subtitle1>} />
        {!org && !t.organizationError ? (
          <Loading />
        ) : (
          <PropertyList
            items={[
              { label: 'Name', value: org?.displayName ?? '—', copy: org?.displayName },
              { label: 'Tenant ID', value: t.tenantId, copy: t.tenantId, mono: true },
              { label: 'Primary domain', value: domain ?? '—', copy: domain },
              {
                label: 'Licence',
                value: license ?? (skus.loading ? 'Loading…' : '—'),
                copy: license,
              },
              { label: 'Tenant type', value: org ? tenantTypeName(org.tenantType) : '—', copy: org ? tenantTypeName(org.tenantType) : undefined },
            ]}
          />
        )}
        {skus.error && !license ? <GraphErrorBar error={skus.error} title="The tenant's licences could not be read." /> : null}
      </Card>
      <Card className={styles.card}>
        <CardHeader header={<Subtitle1 as="h2">Manage</Subtitle1>} />
        <div className={styles.links}>
          <Link href={href('domains')}>Custom domain names</Link>
          <Link href={href('licenses')}>Licences</Link>
          <Link href={href('apps')}>App registrations</Link>
        </div>
        <Text size={200}>
          Signed in as {t.account.username || t.account.name}.
        </Text>
      </Card>
    </Page>
  );
}
