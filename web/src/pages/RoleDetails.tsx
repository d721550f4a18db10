import {
  Badge,
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
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Spinner,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, ArrowClockwise20Regular, Delete20Regular, Search20Regular } from '@fluentui/react-icons';
import { useId, useState, type FormEvent } from 'react';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { directory, usersPath, type DirectoryUser, type Principal, type RoleAssignment, type RoleDefinition } from '../directory';
import { toGraphError, type GraphError } from '../graph';
import { useLoad } from '../hooks';
import { href } from '../router';
import { SEARCH_DEBOUNCE_MS, useDebounced } from './Users';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  toolbar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  hint: { color: tokens.colorNeutralForeground3 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  results: { maxHeight: '320px', overflowY: 'auto' },
  wrap: { overflowWrap: 'anywhere' },
});

/** How many users the "Add assignments" search lists. */
const PICKER_PAGE = 20;

export interface Member {
  assignment: RoleAssignment;
  principal: Principal;
}

async function loadMembers(roleDefinitionId: string): Promise<Member[]> {
  const assignments = await directory.roleAssignments({ roleDefinitionId });
  const principals = await directory.principals(assignments.map((a) => a.principalId));
  return assignments
    .map((a) => ({ assignment: a, principal: principals.get(a.principalId.toLowerCase()) ?? { id: a.principalId, kind: 'unknown' as const, displayName: null } }))
    .sort((a, b) => (a.principal.displayName ?? a.principal.id).localeCompare(b.principal.displayName ?? b.principal.id));
}

const principalName = (p: Principal): string => p.displayName || p.userPrincipalName || p.id;

function PrincipalType({ p }: { p: Principal }) {
  if (p.kind === 'user') return <>User</>;
  if (p.kind === 'servicePrincipal') return <Badge appearance="outline" color="informative">Service principal</Badge>;
  return <>Unknown</>;
}

/** One role (`#/roles/<roleDefinitionId>`): who holds it; add (a user) and remove assignments. */
export function RoleDetailsPage({ id }: { id: string }) {
  const styles = useStyles();
  const role = useLoad(`roleDefinition:${id}`, () => directory.roleDefinition(id));
  const members = useLoad(`roleMembers:${id}`, () => loadMembers(id));
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const baseId = useId();

  const r = role.data;
  const notFound = role.error && (role.error.status === 404 || role.error.code === 'Request_ResourceNotFound');

  const remove = async (m: Member) => {
    if (busy) return;
    setBusy(true);
    try {
      await directory.removeRoleAssignment(m.assignment.id);
      setRemoving(null);
      members.reload();
    } catch (err) {
      setRemoving(null);
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  const list = members.data ?? [];
  return (
    <Page
      title={r?.displayName ?? (notFound ? 'Role not found' : 'Role')}
      subtitle={r?.description}
      breadcrumb={<Text><Link href={href('roles')}>Roles and administrators</Link> &rsaquo; {r?.displayName ?? id}</Text>}
      actions={<Button icon={<ArrowClockwise20Regular />} onClick={() => { role.reload(); members.reload(); }}>Refresh</Button>}
    >
      {notFound ? (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This role does not exist in the directory.</MessageBarTitle>
            Go back to <Link href={href('roles')}>roles and administrators</Link>.
          </MessageBarBody>
        </MessageBar>
      ) : role.error ? <GraphErrorBar error={role.error} title="The role could not be read." /> : null}
      {role.loading && !r ? <Loading /> : null}
      {r ? (
        <Card className={styles.card}>
          <Subtitle1 as="h2">Assignments</Subtitle1>
          <Text className={styles.hint}>Users and service principals that hold this role for the whole directory.</Text>
          {error ? <GraphErrorBar error={error} /> : null}
          {members.error ? <GraphErrorBar error={members.error} title="The role's assignments could not be read." /> : null}
          <div className={styles.toolbar}>
            <Button icon={<Add20Regular />} onClick={() => { setError(null); setAdding(true); }}>Add assignments</Button>
          </div>
          {members.loading && !members.data ? <Loading /> : null}
          {members.data ? (
            list.length === 0 ? <Text>No one is assigned this role.</Text> : (
              <DataTable<Member>
                label="Assignments"
                items={list}
                rowKey={(m) => m.assignment.id}
                columns={[
                  {
                    key: 'name', header: 'Name', cell: (m) => (
                      <span id={`${baseId}-${m.assignment.id}`} className={styles.wrap}>
                        {m.principal.kind === 'user' ? <Link href={href('users', m.principal.id)}>{principalName(m.principal)}</Link> : principalName(m.principal)}
                      </span>
                    ),
                  },
                  {
                    key: 'upn', header: 'User principal name / app ID', cell: (m) => (
                      <span className={styles.wrap}>{m.principal.userPrincipalName ?? m.principal.appId ?? m.principal.id}</span>
                    ),
                  },
                  { key: 'type', header: 'Type', cell: (m) => <PrincipalType p={m.principal} />, width: '140px' },
                  {
                    key: 'actions', header: 'Actions', width: '190px', cell: (m) => (
                      <Button
                        appearance="subtle"
                        icon={<Delete20Regular />}
                        aria-describedby={`${baseId}-${m.assignment.id}`}
                        onClick={() => { setError(null); setRemoving(m); }}
                      >
                        Remove assignment
                      </Button>
                    ),
                  },
                ]}
              />
            )
          ) : null}
          <AddMemberDialog
            open={adding}
            role={r}
            assigned={new Set(list.map((m) => m.principal.id.toLowerCase()))}
            onClose={() => setAdding(false)}
            onAdded={() => { setAdding(false); members.reload(); }}
          />
          <Dialog open={removing !== null} onOpenChange={(_e, d) => { if (!d.open && !busy) setRemoving(null); }}>
            <DialogSurface>
              <DialogBody>
                <DialogTitle>Remove assignment</DialogTitle>
                <DialogContent>
                  Do you want to remove {removing ? principalName(removing.principal) : ''} from the role {r.displayName}?
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
      ) : null}
    </Page>
  );
}

function AddMemberDialog({ open, role, assigned, onClose, onAdded }: {
  open: boolean;
  role: RoleDefinition;
  assigned: Set<string>;
  onClose: () => void;
  onAdded: () => void;
}) {
  return (
    <Dialog open={open} onOpenChange={(_e, d) => { if (!d.open) onClose(); }}>
      <DialogSurface>
        {/* mounted only while open: the search starts afresh each time */}
        {open ? <AddMemberForm role={role} assigned={assigned} onAdded={onAdded} /> : null}
      </DialogSurface>
    </Dialog>
  );
}

function AddMemberForm({ role, assigned, onAdded }: { role: RoleDefinition; assigned: Set<string>; onAdded: () => void }) {
  const styles = useStyles();
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const found = useLoad(`pickUsers:${term}`, () => directory.usersPage(usersPath(term, PICKER_PAGE)));
  const [picked, setPicked] = useState<DirectoryUser | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const users = found.data?.users ?? [];
  // only a user the current search shows can be assigned
  const chosen = picked && users.some((u) => u.id === picked.id) ? picked : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (busy || !chosen) return;
    setBusy(true);
    setError(null);
    try {
      await directory.assignRole(chosen.id, role.id);
      onAdded();
    } catch (err) {
      setError(toGraphError(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => { void submit(e); }} noValidate>
      <DialogBody>
        <DialogTitle>Add assignments</DialogTitle>
        <DialogContent className={styles.form}>
          <Text>Assign the role {role.displayName} to a user.</Text>
          <Field label="Search users" hint="The start of a display name or user principal name.">
            <Input type="search" value={search} onChange={(_e, d) => setSearch(d.value)} contentBefore={<Search20Regular />} />
          </Field>
          {found.error ? <GraphErrorBar error={found.error} title="The users could not be read." /> : null}
          {found.loading && !found.data ? <Spinner size="tiny" label="Searching…" /> : null}
          {found.data ? (
            users.length === 0 ? <Text>No users found.</Text> : (
              <Field label="User" validationMessage={submitted && !chosen ? 'Choose a user.' : undefined}>
                <RadioGroup
                  className={styles.results}
                  value={chosen?.id ?? ''}
                  onChange={(_e, d) => setPicked(users.find((u) => u.id === d.value) ?? null)}
                >
                  {users.map((u) => {
                    const has = assigned.has(u.id.toLowerCase());
                    return (
                      <Radio
                        key={u.id}
                        value={u.id}
                        disabled={has}
                        label={`${u.displayName || u.userPrincipalName} (${u.userPrincipalName})${has ? ' – already assigned' : ''}`}
                      />
                    );
                  })}
                </RadioGroup>
              </Field>
            )
          ) : null}
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
  );
}
