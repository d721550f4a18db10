import { Badge, Button, Field, Input, Link, MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise20Regular, PersonAdd20Regular, Search20Regular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { clearFlash, peekFlash } from '../context';
import { directory, usersPath, type DirectoryUser } from '../directory';
import { toGraphError, type GraphError } from '../graph';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';

const useStyles = makeStyles({
  search: { maxWidth: '480px' },
  more: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
});

/** How long the search box waits for typing to pause before it asks the directory. */
export const SEARCH_DEBOUNCE_MS = 300;

/** `value`, once it has stayed the same for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export function AccountEnabledBadge({ enabled }: { enabled: boolean | undefined }) {
  if (enabled === undefined) return <>—</>;
  return enabled
    ? <Badge appearance="tint" color="success">Yes</Badge>
    : <Badge appearance="tint" color="danger">No</Badge>;
}

/**
 * The tenant's users (GET /v1.0/users, 100 a page): searched in the directory by the start of the
 * display name or user principal name, further pages on "Load more".
 */
export function UsersPage() {
  const styles = useStyles();
  const [flash] = useState(() => peekFlash('users'));
  useEffect(() => clearFlash('users'), []);
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const [generation, setGeneration] = useState(0);
  const key = `users:${generation}:${term}`;
  const first = useLoad(key, () => directory.usersPage(usersPath(term)));
  // further pages, for this search only
  const [more, setMore] = useState<{ key: string; users: DirectoryUser[]; nextLink?: string } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<{ key: string; error: GraphError } | null>(null);

  const extra = more?.key === key ? more : null;
  const users = first.data ? [...first.data.users, ...(extra?.users ?? [])] : [];
  const nextLink = extra ? extra.nextLink : first.data?.nextLink;
  const searching = term !== '';

  const loadMore = async () => {
    if (!nextLink || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await directory.usersPage(nextLink);
      setMore((m) => ({ key, users: [...(m?.key === key ? m.users : []), ...page.users], nextLink: page.nextLink }));
    } catch (err) {
      setMoreError({ key, error: toGraphError(err) });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <Page
      title="Users"
      actions={
        <>
          <Button appearance="primary" icon={<PersonAdd20Regular />} onClick={() => navigate('/users/new')}>New user</Button>
          <Button icon={<ArrowClockwise20Regular />} onClick={() => setGeneration((g) => g + 1)}>Refresh</Button>
        </>
      }
    >
      {flash ? (
        <MessageBar intent={flash.intent} layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{flash.title}</MessageBarTitle>
            {flash.text}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <Field label="Search" hint="The start of a display name or user principal name." className={styles.search}>
        <Input type="search" value={search} onChange={(_e, d) => setSearch(d.value)} contentBefore={<Search20Regular />} />
      </Field>
      {first.error ? <GraphErrorBar error={first.error} title="The users could not be read." /> : null}
      {first.loading && !first.data ? <Loading label={searching ? 'Searching…' : 'Loading…'} /> : null}
      {first.data ? (
        <>
          <Text aria-live="polite">
            {users.length === 0
              ? (term ? `No users found starting with "${term}"` : 'No users found')
              : `${users.length}${nextLink ? '+' : ''} user${users.length === 1 ? '' : 's'} found`}
          </Text>
          {users.length > 0 ? (
            <DataTable<DirectoryUser>
              label="Users"
              items={users}
              rowKey={(u) => u.id}
              columns={[
                { key: 'name', header: 'Display name', cell: (u) => <Link href={href('users', u.id)}>{u.displayName || u.userPrincipalName}</Link> },
                { key: 'upn', header: 'User principal name', cell: (u) => <span style={{ overflowWrap: 'anywhere' }}>{u.userPrincipalName}</span> },
                { key: 'enabled', header: 'Account enabled', cell: (u) => <AccountEnabledBadge enabled={u.accountEnabled} />, width: '140px' },
              ]}
            />
          ) : null}
          {moreError?.key === key ? <GraphErrorBar error={moreError.error} title="The next page of users could not be read." /> : null}
          {nextLink ? (
            <div className={styles.more}>
              <Button onClick={() => { void loadMore(); }} disabled={loadingMore}>{loadingMore ? 'Loading…' : 'Load more'}</Button>
            </div>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
