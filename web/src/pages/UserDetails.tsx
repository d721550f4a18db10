import {
  Button,
  Card,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, ArrowClockwise20Regular, Delete20Regular, Key20Regular, PersonProhibited20Regular, PersonAvailable20Regular } from '@fluentui/react-icons';
import { useId, useState, type FormEvent } from 'react';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { OneTimePassword } from '../components/OneTimePassword';
import { Loading, Page } from '../components/Page';
import { PropertyList } from '../components/PropertyList';
import { setFlash } from '../context';
import { directory, generatePassword, type DirectoryUser, type RoleAssignment, type RoleDefinition } from '../directory';
import { formatDateTime } from '../format';
import { toGraphError, type GraphError } from '../graph';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';
import { AccountEnabledBadge } from './Users';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  toolbar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  hint: { color: tokens.colorNeutralForeground3 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

interface AssignedRole {
  assignment: RoleAssignment;
  role: RoleDefinition | undefined;
}

/** The user's role assignments with the names of their roles. */
async function loadAssignedRoles(userId: string): Promise<{ assigned: AssignedRole[]; definitions: RoleDefinition[] }> {
  const [assignments, definitions] = await Promise.all([directory.roleAssignments({ principalId: userId }), directory.roleDefinitions()]);
  const byId = new Map(definitions.map((d) => [d.id.toLowerCase(), d]));
  const assigned = assignments
    .map((a) => ({ assignment: a, role: byId.get(a.roleDefinitionId.toLowerCase()) }))
    .sort((a, b) => (a.role?.displayName ?? a.assignment.roleDefinitionId).localeCompare(b.role?.displayName ?? b.assignment.roleDefinitionId));
  return { assigned, definitions };
}

/** One user (`#/users/<id>`): properties, assigned roles, password reset, enable/disable, delete. */
export function UserDetailsPage({ id }: { id: string }) {
  const styles = useStyles();
  const user = useLoad(`user:${id}`, () => directory.user(id));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; error: GraphError } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'reset' | 'delete' | null>(null);

  const u = user.data;
  const notFound = user.error && (user.error.status === 404 || user.error.code === 'Request_ResourceNotFound');
  const name = u?.displayName || u?.userPrincipalName || id;

  const run = async (title: string, action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (err) {
      setError({ title, error: toGraphError(err) });
    } finally {
      setBusy(false);
    }
  };

  const toggleEnabled = (target: DirectoryUser) => run(
    target.accountEnabled === false ? 'The account could not be enabled.' : 'The account could not be disabled.',
    async () => {
      const enable = target.accountEnabled === false;
      await directory.updateUser(target.id, { accountEnabled: enable });
      setNotice(enable ? `${name} can sign in again.` : `${name} can no longer sign in.`);
      user.reload();
    },
  );

  const resetPassword = (target: DirectoryUser) => run('The password could not be reset.', async () => {
    const pw = generatePassword();
    setDialog(null);
    await directory.updateUser(target.id, { passwordProfile: { password: pw, forceChangePasswordNextSignIn: true } });
    setNewPassword(pw);
  });

  const deleteUser = (target: DirectoryUser) => run('The user could not be deleted.', async () => {
    setDialog(null);
    await directory.deleteUser(target.id);
    setFlash('users', { intent: 'success', title: `Deleted user ${target.displayName || target.userPrincipalName}.` });
    navigate('/users');
  });

  return (
    <Page
      title={u ? name : notFound ? 'User not found' : 'User'}
      subtitle={u && u.displayName ? u.userPrincipalName : undefined}
      breadcrumb={<Text><Link href={href('users')}>Users</Link> &rsaquo; {u ? name : id}</Text>}
      actions={u ? (
        <>
          <Button icon={<Key20Regular />} onClick={() => { setError(null); setDialog('reset'); }} disabled={busy}>Reset password</Button>
          <Button
            icon={u.accountEnabled === false ? <PersonAvailable20Regular /> : <PersonProhibited20Regular />}
            onClick={() => { void toggleEnabled(u); }}
            disabled={busy || u.accountEnabled === undefined}
          >
            {u.accountEnabled === false ? 'Enable account' : 'Disable account'}
          </Button>
          <Button icon={<Delete20Regular />} onClick={() => { setError(null); setDialog('delete'); }} disabled={busy}>Delete</Button>
          <Button icon={<ArrowClockwise20Regular />} onClick={user.reload}>Refresh</Button>
        </>
      ) : <Button icon={<ArrowClockwise20Regular />} onClick={user.reload}>Refresh</Button>}
    >
      {newPassword ? (
        <OneTimePassword title={`The password of ${name} was reset.`} password={newPassword} onDismiss={() => setNewPassword(null)} />
      ) : null}
      {notice ? (
        <MessageBar intent="success"><MessageBarBody>{notice}</MessageBarBody></MessageBar>
      ) : null}
      {error ? <GraphErrorBar error={error.error} title={error.title} /> : null}
      {notFound ? (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This user does not exist in the directory.</MessageBarTitle>
            It may have been deleted. Go back to the <Link href={href('users')}>users</Link>.
          </MessageBarBody>
        </MessageBar>
      ) : user.error ? <GraphErrorBar error={user.error} title="The user could not be read." /> : null}
      {user.loading && !u ? <Loading /> : null}
      {u ? (
        <>
          <Card className={styles.card}>
            <Subtitle1 as="h2">Properties</Subtitle1>
            <PropertyList
              items={[
                { label: 'Display name', value: u.displayName || '—', copy: u.displayName || undefined },
                { label: 'User principal name', value: u.userPrincipalName, copy: u.userPrincipalName },
                { label: 'Object ID', value: u.id, copy: u.id, mono: true },
                { label: 'Account enabled', value: <AccountEnabledBadge enabled={u.accountEnabled} /> },
                { label: 'Created', value: formatDateTime(u.createdDateTime) },
              ]}
            />
          </Card>
          <AssignedRoles user={u} />
          <Dialog open={dialog === 'reset'} onOpenChange={(_e, d) => { if (!d.open) setDialog(null); }}>
            <DialogSurface>
              <DialogBody>
                <DialogTitle>Reset password</DialogTitle>
                <DialogContent>
                  A new temporary password will be generated for {u.userPrincipalName} and shown once. The user is signed out of
                  the sessions they have, and signs in with the new password.
                </DialogContent>
                <DialogActions>
                  <Button appearance="primary" onClick={() => { void resetPassword(u); }} disabled={busy}>Reset password</Button>
                  <DialogTrigger disableButtonEnhancement>
                    <Button>Cancel</Button>
                  </DialogTrigger>
                </DialogActions>
              </DialogBody>
            </DialogSurface>
          </Dialog>
          <Dialog open={dialog === 'delete'} onOpenChange={(_e, d) => { if (!d.open) setDialog(null); }}>
            <DialogSurface>
              <DialogBody>
                <DialogTitle>Delete user</DialogTitle>
                <DialogContent>
                  Do you want to delete {name} ({u.userPrincipalName})? The user and their role assignments are removed from the
                  directory at once; this cannot be undone.
                </DialogContent>
                <DialogActions>
                  <Button appearance="primary" onClick={() => { void deleteUser(u); }} disabled={busy}>Delete</Button>
                  <DialogTrigger disableButtonEnhancement>
                    <Button>Cancel</Button>
                  </DialogTrigger>
                </DialogActions>
              </DialogBody>
            </DialogSurface>
          </Dialog>
        </>
      ) : null}
    </Page>
  );
}

/** The user's directory role assignments: add (a role definition) and remove. */
function AssignedRoles({ user }: { user: DirectoryUser }) {
  const styles = useStyles();
  const roles = useLoad(`assignedRoles:${user.id}`, () => loadAssignedRoles(user.id));
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<AssignedRole | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const baseId = useId();

  const remove = async (r: AssignedRole) => {
    if (busy) return;
    setBusy(true);
    try {
      await directory.removeRoleAssignment(r.assignment.id);
      setRemoving(null);
      roles.reload();
    } catch (err) {
      setRemoving(null);
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  const assigned = roles.data?.assigned ?? [];
  const roleName = (r: AssignedRole) => r.role?.displayName ?? r.assignment.roleDefinitionId;
  return (
    <Card className={styles.card}>
      <Subtitle1 as="h2">Assigned roles</Subtitle1>
      <Text className={styles.hint}>Directory roles held by this user, at the scope of the whole directory.</Text>
      {error ? <GraphErrorBar error={error} /> : null}
      {roles.error ? <GraphErrorBar error={roles.error} title="The user's role assignments could not be read." /> : null}
      <div className={styles.toolbar}>
        <Button icon={<Add20Regular />} onClick={() => { setError(null); setAdding(true); }} disabled={!roles.data}>Add assignments</Button>
      </div>
      {roles.loading && !roles.data ? <Loading /> : null}
      {roles.data ? (
        assigned.length === 0 ? <Text>No roles are assigned to this user.</Text> : (
          <DataTable<AssignedRole>
            label="Assigned roles"
            items={assigned}
            rowKey={(r) => r.assignment.id}
            columns={[
              { key: 'role', header: 'Role', cell: (r) => <Link id={`${baseId}-${r.assignment.id}`} href={href('roles', r.assignment.roleDefinitionId)}>{roleName(r)}</Link> },
              { key: 'description', header: 'Description', cell: (r) => r.role?.description ?? '—' },
              {
                key: 'actions', header: 'Actions', width: '120px', cell: (r) => (
                  <Button
                    appearance="subtle"
                    icon={<Delete20Regular />}
                    aria-describedby={`${baseId}-${r.assignment.id}`}
                    onClick={() => { setError(null); setRemoving(r); }}
                  >
                    Remove
                  </Button>
                ),
              },
            ]}
          />
        )
      ) : null}
      <AddRoleDialog
        open={adding}
        user={user}
        definitions={roles.data?.definitions ?? []}
        assigned={new Set(assigned.map((r) => r.assignment.roleDefinitionId.toLowerCase()))}
        onClose={() => setAdding(false)}
        onAdded={() => { setAdding(false); roles.reload(); }}
      />
      <Dialog open={removing !== null} onOpenChange={(_e, d) => { if (!d.open && !busy) setRemoving(null); }}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Remove assignment</DialogTitle>
            <DialogContent>
              Do you want to remove the role {removing ? roleName(removing) : ''} from {user.displayName || user.userPrincipalName}?
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={() => { if (removing) void remove(removing); }} disabled={busy}>{busy ? 'Removing…' : 'Remove'}</Button>
              <DialogTrigger disableButtonEnhancement>
                <Button disabled={busy}>Cancel</Button>
              </DialogTrigger>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </Card>
  );
}

function AddRoleDialog({ open, user, definitions, assigned, onClose, onAdded }: {
  open: boolean;
  user: DirectoryUser;
  definitions: RoleDefinition[];
  assigned: Set<string>;
  onClose: () => void;
  onAdded: () => void;
}) {
  const styles = useStyles();
  const [roleId, setRoleId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const available = definitions.filter((d) => !assigned.has(d.id.toLowerCase()));
  const chosen = available.find((d) => d.id === roleId);

  const close = () => {
    setRoleId('');
    setError(null);
    setSubmitted(false);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (busy || !chosen) return;
    setBusy(true);
    setError(null);
    try {
      await directory.assignRole(user.id, chosen.id);
      setRoleId('');
      setSubmitted(false);
      onAdded();
    } catch (err) {
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_e, d) => { if (!d.open && !busy) close(); }}>
      <DialogSurface>
        <form onSubmit={(e) => { void submit(e); }} noValidate>
          <DialogBody>
            <DialogTitle>Add assignments</DialogTitle>
            <DialogContent className={styles.form}>
              <Text>Assign a directory role to {user.displayName || user.userPrincipalName}.</Text>
              <Field label="Role" validationMessage={submitted && !chosen ? 'Choose a role.' : undefined} hint={chosen?.description}>
                <Select value={roleId} onChange={(_e, d) => setRoleId(d.value)}>
                  <option value="">Select a role</option>
                  {available.map((d) => <option key={d.id} value={d.id}>{d.displayName}</option>)}
                </Select>
              </Field>
              {error ? <GraphErrorBar error={error} title="The role could not be assigned." /> : null}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy}>{busy ? 'Adding…' : 'Add'}</Button>
              <DialogTrigger disableButtonEnhancement>
                <Button disabled={busy}>Cancel</Button>
              </DialogTrigger>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
