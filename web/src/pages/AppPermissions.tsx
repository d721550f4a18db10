import {
  Button,
  Card,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Subtitle1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, Checkmark20Regular, CheckmarkCircle16Filled, Dismiss20Regular, MoreHorizontal20Regular, Warning16Filled } from '@fluentui/react-icons';
import { useId, useState } from 'react';
import { canGrantAdminConsent } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading } from '../components/Page';
import { RequestApiPermissions } from '../components/RequestApiPermissions';
import { VisuallyHidden } from '../components/VisuallyHidden';
import { useTenant } from '../context';
import { toGraphError, type Application, type GraphError, type RequiredResourceAccess } from '../graph';
import { useLoad } from '../hooks';
import {
  grantAdminConsent,
  loadPermissionsView,
  permissionsApi,
  removeRequiredAccess,
  revokeAdminConsent,
  type ConfiguredPermission,
  type PermissionGroup,
} from '../permissions';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  hint: { color: tokens.colorNeutralForeground3 },
  toolbar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  why: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200, flex: '1 1 260px', minWidth: '0' },
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  table: { minWidth: '760px' },
  group: { fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground2 },
  name: { paddingLeft: tokens.spacingHorizontalL, fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  status: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  granted: { color: tokens.colorPaletteGreenForeground1, flexShrink: 0 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1, flexShrink: 0 },
});

export const CONSENT_ROLE_EXPLANATION = "You don't have a role that can grant admin consent (Global Administrator or Privileged Role Administrator).";

interface Notice {
  intent: 'success' | 'warning';
  title: string;
  text?: string;
}

/**
 * API permissions: the permissions the app asks for (`requiredResourceAccess`) per API, whether
 * admin consent was granted for the tenant, and the Entra portal's actions on them: add, remove,
 * grant admin consent for all of them, revoke it for one.
 */
export function AppPermissions({ app: loaded, reload }: { app: Application; reload: () => void }) {
  const styles = useStyles();
  const t = useTenant();
  const canConsent = canGrantAdminConsent();
  const whyId = useId();
  // what this page wrote last (PATCH answers 204), until the application is read again
  const [written, setWritten] = useState<{ base: Application; rra: RequiredResourceAccess[] } | null>(null);
  const app: Application = written && written.base === loaded ? { ...loaded, requiredResourceAccess: written.rra } : loaded;
  const perms = useLoad(`permissions:${app.id}:${JSON.stringify(app.requiredResourceAccess)}`, () => loadPermissionsView(app));

  const [adding, setAdding] = useState(false);
  const [granting, setGranting] = useState(false);
  const [removing, setRemoving] = useState<{ p: ConfiguredPermission; g: PermissionGroup } | null>(null);
  const [revoking, setRevoking] = useState<{ p: ConfiguredPermission; g: PermissionGroup } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [failure, setFailure] = useState<{ title: string; error: GraphError } | null>(null);

  const groups = perms.data?.groups ?? [];
  const total = groups.reduce((n, g) => n + g.permissions.length, 0);
  const write = (rra: RequiredResourceAccess[]) => {
    setWritten({ base: loaded, rra });
    reload();
  };

  const grant = async () => {
    setFailure(null);
    setNotice(null);
    try {
      const out = await grantAdminConsent(app);
      setNotice(out.skipped.length > 0
        ? { intent: 'warning', title: 'Admin consent was granted, except for some permissions.', text: `These are not known in this tenant and were not granted: ${out.skipped.join(', ')}.` }
        : { intent: 'success', title: 'Successfully granted admin consent for the requested permissions.' });
    } catch (err) {
      setFailure({ title: 'Admin consent could not be granted for all the requested permissions.', error: toGraphError(err) });
    } finally {
      setGranting(false);
      perms.reload();
    }
  };

  const remove = async () => {
    if (!removing) return;
    const { p } = removing;
    setFailure(null);
    setNotice(null);
    try {
      const rra = removeRequiredAccess(app.requiredResourceAccess, p.resourceAppId, { id: p.id, type: p.type });
      await permissionsApi.setRequiredResourceAccess(app.id, rra);
      write(rra);
      setNotice({ intent: 'success', title: `Removed the permission ${p.value}.`, text: p.granted ? 'The admin consent granted for it remains until it is revoked.' : undefined });
    } catch (err) {
      setFailure({ title: 'The permission could not be removed.', error: toGraphError(err) });
    } finally {
      setRemoving(null);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    const { p, g } = revoking;
    setFailure(null);
    setNotice(null);
    try {
      if (!g.resource) throw new Error(`${g.apiName} has no service principal in this tenant.`);
      await revokeAdminConsent(p, g.resource);
      setNotice({ intent: 'success', title: `Revoked admin consent for ${p.value}.` });
    } catch (err) {
      setFailure({ title: 'Admin consent could not be revoked.', error: toGraphError(err) });
    } finally {
      setRevoking(null);
      perms.reload();
    }
  };

  return (
    <Card className={styles.card}>
      <Subtitle1 as="h2">Configured permissions</Subtitle1>
      <Text className={styles.hint}>
        Applications are authorized to call APIs when they are granted permissions by users or admins as part of the consent process.
        The list of configured permissions should include all the permissions the application needs.
      </Text>
      {notice ? (
        <MessageBar intent={notice.intent} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{notice.title}</MessageBarTitle>
            {notice.text}
          </MessageBarBody>
          <MessageBarActions containerAction={<Button appearance="transparent" aria-label="Dismiss" icon={<Dismiss20Regular />} onClick={() => setNotice(null)} />} />
        </MessageBar>
      ) : null}
      {failure ? <GraphErrorBar error={failure.error} title={failure.title} /> : null}
      <div className={styles.toolbar}>
        <Button icon={<Add20Regular />} onClick={() => { setFailure(null); setAdding(true); }}>Add a permission</Button>
        <Button
          icon={<Checkmark20Regular />}
          disabled={!canConsent || !perms.data || total === 0}
          aria-describedby={canConsent ? undefined : whyId}
          onClick={() => { setFailure(null); setGranting(true); }}
        >
          Grant admin consent for {t.tenantName}
        </Button>
        {!canConsent ? <Text id={whyId} className={styles.why}>{CONSENT_ROLE_EXPLANATION}</Text> : null}
      </div>
      {perms.error ? <GraphErrorBar error={perms.error} title="The permissions could not be read." /> : null}
      {perms.loading && !perms.data ? <Loading /> : null}
      {perms.data && total === 0 ? <Text>No permissions are configured for this application. Select Add a permission to add one.</Text> : null}
      {perms.data && total > 0 ? (
        <div className={styles.scroll}>
          <Table aria-label="Configured permissions" className={styles.table} size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>API / Permissions name</TableHeaderCell>
                <TableHeaderCell>Type</TableHeaderCell>
                <TableHeaderCell>Description</TableHeaderCell>
                <TableHeaderCell>Admin consent required</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell style={{ width: '48px' }}><VisuallyHidden>Actions</VisuallyHidden></TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {groups.map((g) => (
                <GroupRows
                  key={g.resourceAppId}
                  group={g}
                  tenantName={t.tenantName}
                  canConsent={canConsent}
                  onRemove={(p) => { setFailure(null); setRemoving({ p, g }); }}
                  onRevoke={(p) => { setFailure(null); setRevoking({ p, g }); }}
                />
              ))}
            </TableBody>
          </Table>
        </div>
      ) : null}

      <RequestApiPermissions
        open={adding}
        app={app}
        onClose={() => setAdding(false)}
        onAdded={(rra, n) => {
          setAdding(false);
          write(rra);
          setNotice({ intent: 'success', title: `Added ${n} permission${n === 1 ? '' : 's'}.`, text: canConsent ? `Grant admin consent for ${t.tenantName} when the application should have them.` : undefined });
        }}
      />
      <ConfirmDialog
        open={granting}
        title="Grant admin consent confirmation."
        confirmLabel="Yes"
        busyLabel="Granting…"
        onConfirm={grant}
        onClose={() => setGranting(false)}
      >
        Do you want to grant consent for the requested permissions for all accounts in {t.tenantName}? This will update any existing
        admin consent records this application already has to match what is listed below.
      </ConfirmDialog>
      <ConfirmDialog
        open={removing !== null}
        title="Remove permission"
        confirmLabel="Yes, remove"
        busyLabel="Removing…"
        cancelLabel="No, keep"
        onConfirm={remove}
        onClose={() => setRemoving(null)}
      >
        <span>Are you sure you want to remove the permission {removing ? `${removing.g.apiName} / ${removing.p.value}` : ''} from this application?</span>
        {removing?.p.granted ? <span>Admin consent granted for it is not revoked by this: revoke it first if the application should lose it.</span> : null}
      </ConfirmDialog>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke admin consent"
        confirmLabel="Yes, revoke"
        busyLabel="Revoking…"
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      >
        Are you sure you want to revoke admin consent for {revoking ? `${revoking.g.apiName} / ${revoking.p.value}` : ''}? Tokens already
        issued keep it until they expire.
      </ConfirmDialog>
    </Card>
  );
}

function GroupRows({ group, tenantName, canConsent, onRemove, onRevoke }: {
  group: PermissionGroup;
  tenantName: string;
  canConsent: boolean;
  onRemove: (p: ConfiguredPermission) => void;
  onRevoke: (p: ConfiguredPermission) => void;
}) {
  const styles = useStyles();
  return (
    <>
      <TableRow className={styles.group}>
        <TableCell colSpan={6}>{group.apiName} ({group.permissions.length})</TableCell>
      </TableRow>
      {group.permissions.map((p) => (
        <TableRow key={p.key} aria-label={`${group.apiName} ${p.value}`}>
          <TableCell><span className={styles.name}>{p.value}</span></TableCell>
          <TableCell>{p.type === 'Role' ? 'Application' : 'Delegated'}</TableCell>
          <TableCell>{p.description || (p.known ? '—' : `Unknown permission of ${group.apiName}`)}</TableCell>
          <TableCell>{p.adminConsentRequired ? 'Yes' : 'No'}</TableCell>
          <TableCell>
            {p.granted ? (
              <span className={styles.status}><CheckmarkCircle16Filled className={styles.granted} aria-hidden />Granted for {tenantName}</span>
            ) : (
              <span className={styles.status}>
                {p.adminConsentRequired ? <Warning16Filled className={styles.warning} aria-hidden /> : null}
                Not granted for {tenantName}
              </span>
            )}
          </TableCell>
          <TableCell>
            <Menu>
              <MenuTrigger disableButtonEnhancement>
                <Button appearance="subtle" icon={<MoreHorizontal20Regular />} aria-label={`More actions for ${p.value}`} />
              </MenuTrigger>
              <MenuPopover>
                <MenuList>
                  <MenuItem disabled={!p.granted || !canConsent || !group.resource} onClick={() => onRevoke(p)}>Revoke admin consent</MenuItem>
                  <MenuItem onClick={() => onRemove(p)}>Remove permission</MenuItem>
                </MenuList>
              </MenuPopover>
            </Menu>
          </TableCell>
        </TableRow>
      ))}
    </>
  );
}
