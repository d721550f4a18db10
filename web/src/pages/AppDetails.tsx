import { Button, Card, Link, MessageBar, MessageBarBody, MessageBarTitle, Subtitle1, Tab, TabList, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise20Regular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { PropertyList } from '../components/PropertyList';
import { clearFlash, peekFlash, useTenant } from '../context';
import { AUDIENCES, formatDateTime, isExpired } from '../format';
import { graph, type Application } from '../graph';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';
import { AppPermissions } from './AppPermissions';
import { AppSecrets } from './AppSecrets';
import { NotFoundPage } from './NotFound';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  tabs: { overflowX: 'auto' },
});

const SECTIONS = [
  { value: 'overview', label: 'Overview' },
  { value: 'credentials', label: 'Certificates & secrets' },
  { value: 'permissions', label: 'API permissions' },
] as const;

/** One app registration: its essentials, client secrets and API permissions (`#/apps/<objectId>[/<section>]`). */
export function AppDetailsPage({ id, section }: { id: string; section: string }) {
  const styles = useStyles();
  const flashKey = `apps/${id}`;
  const [flash] = useState(() => peekFlash(flashKey));
  useEffect(() => clearFlash(flashKey), [flashKey]);
  const app = useLoad(`application:${id}`, () => graph.application(id));

  if (!SECTIONS.some((s) => s.value === section)) return <NotFoundPage />;
  const a = app.data;
  const notFound = app.error && (app.error.status === 404 || app.error.code === 'Request_ResourceNotFound');

  return (
    <Page
      title={a?.displayName ?? (notFound ? 'Application not found' : 'Application')}
      breadcrumb={<Text><Link href={href('apps')}>App registrations</Link> &rsaquo; {a?.displayName ?? id}</Text>}
      actions={<Button icon={<ArrowClockwise20Regular />} onClick={app.reload}>Refresh</Button>}
    >
      {flash ? (
        <MessageBar intent={flash.intent} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{flash.title}</MessageBarTitle>
            {flash.text}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {notFound ? (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This application does not exist in the directory.</MessageBarTitle>
            It may have been deleted. Go back to the <Link href={href('apps')}>app registrations</Link>.
          </MessageBarBody>
        </MessageBar>
      ) : app.error ? <GraphErrorBar error={app.error} title="The application could not be read." /> : null}
      {app.loading && !a ? <Loading /> : null}
      {a ? (
        <>
          <TabList
            className={styles.tabs}
            selectedValue={section}
            onTabSelect={(_e, d) => navigate(d.value === 'overview' ? `/apps/${encodeURIComponent(id)}` : `/apps/${encodeURIComponent(id)}/${String(d.value)}`)}
            aria-label="Application sections"
          >
            {SECTIONS.map((s) => <Tab key={s.value} value={s.value}>{s.label}</Tab>)}
          </TabList>
          {section === 'overview' ? <AppOverview app={a} /> : null}
          {section === 'credentials' ? <AppSecrets app={a} reload={app.reload} /> : null}
          {section === 'permissions' ? <AppPermissions app={a} reload={app.reload} /> : null}
        </>
      ) : null}
    </Page>
  );
}

function redirectSummary(a: Application): string {
  const parts = [
    [a.web?.redirectUris.length ?? 0, 'web'],
    [a.spa?.redirectUris.length ?? 0, 'spa'],
    [a.publicClient?.redirectUris.length ?? 0, 'public client'],
  ] as const;
  const total = parts.reduce((n, [c]) => n + c, 0);
  return total === 0 ? 'None' : parts.map(([c, l]) => `${c} ${l}`).join(', ');
}

function AppOverview({ app: a }: { app: Application }) {
  const styles = useStyles();
  const t = useTenant();
  const secrets = a.passwordCredentials.length;
  const expired = a.passwordCredentials.filter((c) => isExpired(c.endDateTime)).length;
  return (
    <Card className={styles.card}>
      <Subtitle1 as="h2">Essentials</Subtitle1>
      <PropertyList
        items={[
          { label: 'Display name', value: a.displayName, copy: a.displayName },
          { label: 'Application (client) ID', value: a.appId, copy: a.appId, mono: true },
          { label: 'Object ID', value: a.id, copy: a.id, mono: true },
          { label: 'Directory (tenant) ID', value: t.tenantId, copy: t.tenantId, mono: true },
          { label: 'Supported account types', value: AUDIENCES[a.signInAudience] ?? a.signInAudience },
          { label: 'Redirect URIs', value: redirectSummary(a) },
          {
            label: 'Client credentials',
            value: (
              <Link href={href('apps', a.id, 'credentials')}>
                {secrets === 0 ? 'Add a certificate or secret' : `0 certificate, ${secrets} secret${secrets === 1 ? '' : 's'}${expired ? ` (${expired} expired)` : ''}`}
              </Link>
            ),
          },
          { label: 'Created', value: formatDateTime(a.createdDateTime) },
        ]}
      />
    </Card>
  );
}
