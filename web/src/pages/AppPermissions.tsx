import { Badge, Card, MessageBar, MessageBarBody, Subtitle1, Text, makeStyles, tokens } from '@fluentui/react-components';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading } from '../components/Page';
import { useTenant } from '../context';
import { graph, GraphError, type AppRoleAssignment, type Application, type PermissionGrant, type ServicePrincipal } from '../graph';
import { useLoad } from '../hooks';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  hint: { color: tokens.colorNeutralForeground3 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

interface PermissionRow {
  key: string;
  api: string;
  name: string;
  type: 'Application' | 'Delegated';
  description: string;
  granted: boolean | null;
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GraphError && (err.status === 404 || err.code === 'Request_ResourceNotFound')) return null;
    throw err;
  }
}

/** The configured permissions of an app with their names and whether an administrator consented to them. */
async function loadPermissions(app: Application): Promise<{ rows: PermissionRow[]; hasServicePrincipal: boolean }> {
  const clientSp = await orNull(graph.servicePrincipalByAppId(app.appId));
  const grants: PermissionGrant[] = clientSp ? await graph.permissionGrantsOf(clientSp.id) : [];
  const rows: PermissionRow[] = [];
  for (const rra of app.requiredResourceAccess) {
    const resource: ServicePrincipal | null = await orNull(graph.servicePrincipalByAppId(rra.resourceAppId));
    const needsAssignments = clientSp && resource && rra.resourceAccess.some((a) => a.type === 'Role');
    const assignments: AppRoleAssignment[] = needsAssignments ? await graph.appRoleAssignedTo(resource.id) : [];
    for (const access of rra.resourceAccess) {
      if (access.type === 'Role') {
        const role = resource?.appRoles?.find((r) => r.id === access.id);
        rows.push({
          key: `${rra.resourceAppId}:${access.type}:${access.id}`,
          api: resource?.displayName ?? rra.resourceAppId,
          name: role?.value ?? access.id,
          type: 'Application',
          description: role?.displayName ?? '',
          granted: clientSp ? assignments.some((a) => a.principalId === clientSp.id && a.appRoleId === access.id) : null,
        });
      } else {
        const scope = resource?.oauth2PermissionScopes?.find((s) => s.id === access.id);
        const value = scope?.value ?? access.id;
        rows.push({
          key: `${rra.resourceAppId}:${access.type}:${access.id}`,
          api: resource?.displayName ?? rra.resourceAppId,
          name: value,
          type: 'Delegated',
          description: scope?.adminConsentDisplayName ?? scope?.userConsentDisplayName ?? '',
          granted: clientSp && resource
            ? grants.some((g) => g.resourceId === resource.id && g.consentType === 'AllPrincipals' && g.scope.split(' ').includes(value))
            : null,
        });
      }
    }
  }
  return { rows, hasServicePrincipal: clientSp !== null };
}

/** API permissions, read-only in this increment. */
export function AppPermissions({ app }: { app: Application }) {
  const styles = useStyles();
  const t = useTenant();
  const perms = useLoad(`permissions:${app.id}:${JSON.stringify(app.requiredResourceAccess)}`, () => loadPermissions(app));
  return (
    <Card className={styles.card}>
      <Subtitle1 as="h2">Configured permissions</Subtitle1>
      <Text className={styles.hint}>
        Applications are authorized to call APIs when they are granted permissions by users or admins as part of the consent process.
      </Text>
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          Adding permissions and granting admin consent from the portal come in the next increment. Until then, use Microsoft Graph:
          {' '}<code>PATCH /v1.0/applications/{app.id}</code> with <code>requiredResourceAccess</code>, then
          {' '}<code>POST /v1.0/servicePrincipals/&#123;resource&#125;/appRoleAssignedTo</code> or <code>POST /v1.0/oauth2PermissionGrants</code>.
        </MessageBarBody>
      </MessageBar>
      {perms.error ? <GraphErrorBar error={perms.error} title="The permissions could not be read." /> : null}
      {perms.loading && !perms.data ? <Loading /> : null}
      {perms.data && perms.data.rows.length === 0 ? <Text>No permissions are configured for this application.</Text> : null}
      {perms.data && !perms.data.hasServicePrincipal && perms.data.rows.length > 0 ? (
        <MessageBar intent="warning"><MessageBarBody>This application has no enterprise application (service principal) in the tenant, so nothing can be granted to it.</MessageBarBody></MessageBar>
      ) : null}
      {perms.data && perms.data.rows.length > 0 ? (
        <DataTable<PermissionRow>
          label="Configured permissions"
          items={perms.data.rows}
          rowKey={(r) => r.key}
          columns={[
            { key: 'api', header: 'API / Permissions name', cell: (r) => <><div>{r.api}</div><div className={styles.mono}>{r.name}</div></> },
            { key: 'type', header: 'Type', cell: (r) => r.type },
            { key: 'description', header: 'Description', cell: (r) => r.description || '—' },
            {
              key: 'status', header: 'Status', cell: (r) => r.granted === null ? '—' : r.granted
                ? <Badge appearance="tint" color="success">Granted for {t.tenantName}</Badge>
                : <Badge appearance="tint" color="warning">Not granted for {t.tenantName}</Badge>,
            },
          ]}
        />
      ) : null}
    </Card>
  );
}
