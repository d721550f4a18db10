// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generatePassword, odataString, passwordProblem, userSearchFilter, usersPath } from '../../web/src/directory';
import { NewUserPage } from '../../web/src/pages/NewUser';
import { NotFoundPage } from '../../web/src/pages/NotFound';
import { RoleDetailsPage } from '../../web/src/pages/RoleDetails';
import { RolesPage } from '../../web/src/pages/Roles';
import { UserDetailsPage } from '../../web/src/pages/UserDetails';
import { UsersPage } from '../../web/src/pages/Users';
import { useRoute } from '../../web/src/router';
import { ORIGIN, captureNavigation, graphError, json, resetBrowser, signInWith, type Call } from './helpers';
import { findDialog } from './ui';

/**
 * The Users and "Roles and administrators" pages against a fake Graph: the requests they send
 * (search filters, bodies, endpoints), what they show, and how they read to assistive technology.
 * The pages are mounted behind the same route switch App.tsx is to get (#/users, #/users/new,
 * #/users/<id>, #/roles, #/roles/<id>).
 */

const DOMAIN = 'demo.tenantry.test';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const REPORTS_READER = '4a5d8f65-41da-4de4-8968-e035b65339cf';
const DENIED = 'Insufficient privileges to complete the operation.';

interface FakeUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled: boolean;
  createdDateTime: string;
}

const guidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function fakeGraph(opts: { deny?: RegExp; pageSize?: number } = {}) {
  let seq = 100;
  const guid = () => guidOf(++seq);
  const users: FakeUser[] = [
    { id: guidOf(1), displayName: 'Admin', userPrincipalName: `admin@${DOMAIN}`, accountEnabled: true, createdDateTime: '2025-01-01T00:00:00Z' },
    { id: guidOf(2), displayName: "Siobhán O'Brien", userPrincipalName: `obrien@${DOMAIN}`, accountEnabled: true, createdDateTime: '2025-01-02T00:00:00Z' },
    { id: guidOf(3), displayName: 'Grace Hopper', userPrincipalName: `grace@${DOMAIN}`, accountEnabled: false, createdDateTime: '2025-01-03T00:00:00Z' },
  ];
  const sps = [{ id: guidOf(50), appId: guidOf(51), displayName: 'Reporting daemon' }];
  const definitions = [
    { id: GLOBAL_ADMIN, templateId: GLOBAL_ADMIN, displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID.', isBuiltIn: true },
    { id: USER_ADMIN, templateId: USER_ADMIN, displayName: 'User Administrator', description: 'Can manage all aspects of users and groups.', isBuiltIn: true },
    { id: REPORTS_READER, templateId: REPORTS_READER, displayName: 'Reports Reader', description: 'Can read sign-in and audit reports.', isBuiltIn: true },
  ];
  const assignments = [
    { id: 'ra-1', principalId: guidOf(1), roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/' },
    { id: 'ra-2', principalId: guidOf(50), roleDefinitionId: REPORTS_READER, directoryScopeId: '/' },
    { id: 'ra-3', principalId: guidOf(2), roleDefinitionId: REPORTS_READER, directoryScopeId: '/' },
  ];
  const requests: Call[] = [];
  const select = (u: FakeUser, sel: string | null) => {
    if (!sel) return { id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName };
    return Object.fromEntries(sel.split(',').map((k) => [k, u[k as keyof FakeUser]]));
  };
  /** The two shapes of $filter the pages send on users, read back from OData. */
  const matches = (filter: string | null) => {
    if (!filter) return () => true;
    const unquote = (s: string) => s.replace(/''/g, "'");
    const ids = [...filter.matchAll(/id eq '([^']*)'/g)].map((m) => m[1]!);
    if (ids.length > 0) return (u: FakeUser) => ids.includes(u.id);
    const m = /^startswith\(displayName,'((?:[^']|'')*)'\) or startswith\(userPrincipalName,'((?:[^']|'')*)'\)$/.exec(filter);
    if (!m) throw new Error(`unexpected filter ${filter}`);
    const [a, b] = [unquote(m[1]!).toLowerCase(), unquote(m[2]!).toLowerCase()];
    return (u: FakeUser) => u.displayName.toLowerCase().startsWith(a) || u.userPrincipalName.startsWith(b);
  };

  const handler = (call: Call): Response | undefined => {
    const p = decodeURIComponent(call.url.pathname);
    if (!p.startsWith('/v1.0/')) return undefined;
    requests.push(call);
    if (opts.deny?.test(`${call.method} ${p}`)) return graphError(403, 'Authorization_RequestDenied', DENIED);
    const q = call.url.searchParams;
    const body = call.body ? (JSON.parse(call.body) as Record<string, unknown>) : {};
    if (call.method === 'GET' && p === '/v1.0/domains') {
      return json({ value: [
        { id: DOMAIN, authenticationType: 'Managed', isDefault: true, isInitial: true, isVerified: true },
        { id: 'contoso.example', authenticationType: 'Managed', isDefault: false, isInitial: false, isVerified: true },
        { id: 'pending.example', authenticationType: 'Managed', isDefault: false, isInitial: false, isVerified: false },
      ] });
    }
    if (call.method === 'GET' && p === '/v1.0/users') {
      const all = users.filter(matches(q.get('$filter'))).sort((x, y) => x.userPrincipalName.localeCompare(y.userPrincipalName));
      const size = Number(q.get('$top') ?? opts.pageSize ?? 100);
      const start = Number(q.get('$skiptoken') ?? 0);
      const page = all.slice(start, start + size);
      const out: Record<string, unknown> = { value: page.map((u) => select(u, q.get('$select'))) };
      if (start + size < all.length) {
        const next = new URLSearchParams(q);
        next.set('$skiptoken', String(start + size));
        out['@odata.nextLink'] = `${ORIGIN}/v1.0/users?${next.toString()}`;
      }
      return json(out);
    }
    if (call.method === 'POST' && p === '/v1.0/users') {
      const u: FakeUser = { id: guid(), displayName: String(body.displayName), userPrincipalName: String(body.userPrincipalName), accountEnabled: Boolean(body.accountEnabled), createdDateTime: new Date().toISOString() };
      users.push(u);
      return json(select(u, null), 201);
    }
    const userMatch = /^\/v1\.0\/users\/([^/]+)$/.exec(p);
    if (userMatch) {
      const u = users.find((x) => x.id === userMatch[1]);
      if (!u) return graphError(404, 'Request_ResourceNotFound', `Resource '${userMatch[1]}' does not exist or one of its queried reference-property objects are not present.`);
      if (call.method === 'GET') return json(select(u, q.get('$select')));
      if (call.method === 'PATCH') {
        if (typeof body.accountEnabled === 'boolean') u.accountEnabled = body.accountEnabled;
        return new Response(null, { status: 204 });
      }
      if (call.method === 'DELETE') {
        users.splice(users.indexOf(u), 1);
        return new Response(null, { status: 204 });
      }
    }
    const spMatch = /^\/v1\.0\/servicePrincipals\/([^/]+)$/.exec(p);
    if (call.method === 'GET' && spMatch) {
      const sp = sps.find((x) => x.id === spMatch[1]);
      return sp ? json(sp) : graphError(404, 'Request_ResourceNotFound', `Resource '${spMatch[1]}' does not exist.`);
    }
    if (call.method === 'GET' && p === '/v1.0/roleManagement/directory/roleDefinitions') return json({ value: definitions });
    const defMatch = /^\/v1\.0\/roleManagement\/directory\/roleDefinitions\/([^/]+)$/.exec(p);
    if (call.method === 'GET' && defMatch) {
      const d = definitions.find((x) => x.id === defMatch[1]);
      return d ? json(d) : graphError(404, 'Request_ResourceNotFound', `Resource '${defMatch[1]}' does not exist.`);
    }
    if (call.method === 'GET' && p === '/v1.0/roleManagement/directory/roleAssignments') {
      const f = q.get('$filter') ?? '';
      const m = /^(principalId|roleDefinitionId) eq '([^']*)'$/.exec(f);
      if (f && !m) throw new Error(`unexpected filter ${f}`);
      const list = m ? assignments.filter((a) => a[m[1] as 'principalId' | 'roleDefinitionId'] === m[2]) : assignments;
      // two a page, as a server that pages would
      const start = Number(q.get('$skiptoken') ?? 0);
      const out: Record<string, unknown> = { value: list.slice(start, start + 2) };
      if (start + 2 < list.length) out['@odata.nextLink'] = `${ORIGIN}${p}?${f ? `$filter=${encodeURIComponent(f)}&` : ''}$skiptoken=${start + 2}`;
      return json(out);
    }
    if (call.method === 'POST' && p === '/v1.0/roleManagement/directory/roleAssignments') {
      const a = { id: `ra-${guid()}`, principalId: String(body.principalId), roleDefinitionId: String(body.roleDefinitionId), directoryScopeId: '/' };
      assignments.push(a);
      return json(a, 201);
    }
    const raMatch = /^\/v1\.0\/roleManagement\/directory\/roleAssignments\/([^/]+)$/.exec(p);
    if (call.method === 'DELETE' && raMatch) {
      const i = assignments.findIndex((a) => a.id === raMatch[1]);
      if (i < 0) return graphError(404, 'Request_ResourceNotFound', 'not found');
      assignments.splice(i, 1);
      return new Response(null, { status: 204 });
    }
    return undefined;
  };
  return { handler, users, assignments, requests };
}

/** The route switch App.tsx is to get for these pages. */
function Routes() {
  const route = useRoute();
  const [first, second, third] = route;
  switch (first) {
    case 'users':
      if (second === undefined) return <UsersPage />;
      if (second === 'new' && third === undefined) return <NewUserPage />;
      if (third === undefined) return <UserDetailsPage key={second} id={second} />;
      return <NotFoundPage />;
    case 'roles':
      if (second === undefined) return <RolesPage />;
      if (third === undefined) return <RoleDetailsPage key={second} id={second} />;
      return <NotFoundPage />;
    default:
      return <NotFoundPage />;
  }
}

function renderPages() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <Routes />
    </FluentProvider>,
  );
}


/** Queries inside an open dialog; tabster under happy-dom may mark it aria-hidden again at any moment, so that is dropped first. */
function inDialog(dialog: HTMLElement) {
  dialog.removeAttribute('aria-hidden');
  return within(dialog);
}

async function dialogClosed(name: string): Promise<void> {
  await waitFor(() => expect(screen.queryByText(name, { selector: 'h2' })).toBeNull());
  for (const el of document.querySelectorAll('body > [aria-hidden="true"]')) el.removeAttribute('aria-hidden');
}

const sent = (requests: Call[], method: string, path: string) => requests.filter((c) => c.method === method && decodeURIComponent(c.url.pathname) === path);

Object.defineProperty(Element.prototype, 'animate', { value: undefined, configurable: true, writable: true });

let errors: unknown[][];
beforeEach(() => {
  resetBrowser('/');
  captureNavigation();
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { errors.push(args); });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  resetBrowser('/');
});

describe('helpers', () => {
  it('OData string literals double a quote; the search filter uses startswith on both names', () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    expect(userSearchFilter("  o'b ")).toBe("startswith(displayName,'o''b') or startswith(userPrincipalName,'o''b')");
    expect(userSearchFilter('   ')).toBeUndefined();
    expect(usersPath('')).toBe('/v1.0/users?$select=id%2CdisplayName%2CuserPrincipalName%2CaccountEnabled%2CcreatedDateTime');
  });

  it('generated passwords have 16 characters of every class and pass the directory rule', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword();
      expect(pw).toHaveLength(16);
      for (const r of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(pw).toMatch(r);
      expect(passwordProblem(pw)).toBeNull();
      seen.add(pw);
    }
    expect(seen.size).toBe(200);
  });

  it('uses crypto.getRandomValues', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    generatePassword();
    expect(spy).toHaveBeenCalled();
  });
});

describe('Users', () => {
  it('lists users in a table and searches the directory with an escaped startswith filter, debounced', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/users' });
    const user = userEvent.setup();
    renderPages();
    expect(await screen.findByRole('heading', { level: 1, name: 'Users' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Users' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Display name', 'User principal name', 'Account enabled']);
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(within(table).getByRole('link', { name: 'Grace Hopper' }).getAttribute('href')).toBe(`#/users/${guidOf(3)}`);
    const [list] = sent(g.requests, 'GET', '/v1.0/users');
    expect(list!.url.searchParams.get('$select')).toBe('id,displayName,userPrincipalName,accountEnabled,createdDateTime');
    expect(list!.url.searchParams.has('$filter')).toBe(false);

    await user.type(screen.getByLabelText('Search'), "Siobhán O'B");
    await waitFor(() => expect(screen.getByText('1 user found')).toBeTruthy());
    const searches = sent(g.requests, 'GET', '/v1.0/users').filter((c) => c.url.searchParams.has('$filter'));
    expect(searches.map((c) => c.url.searchParams.get('$filter'))).toEqual([
      "startswith(displayName,'Siobhán O''B') or startswith(userPrincipalName,'Siobhán O''B')",
    ]);
    // the quote is percent-encoded in the URL (and doubled inside the literal)
    expect(searches[0]!.url.search).toContain('%27Siobh%C3%A1n%20O%27%27B%27');
    expect(within(screen.getByRole('table', { name: 'Users' })).getByText(`obrien@${DOMAIN}`)).toBeTruthy();

    await user.clear(screen.getByLabelText('Search'));
    await user.type(screen.getByLabelText('Search'), 'nobody');
    expect(await screen.findByText('No users found starting with "nobody"')).toBeTruthy();
    expect(errors).toEqual([]);
  });

  it('"Load more" follows @odata.nextLink', async () => {
    const g = fakeGraph({ pageSize: 2 });
    await signInWith(g.handler, { route: '#/users' });
    const user = userEvent.setup();
    renderPages();
    expect(await screen.findByText('2+ users found')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('3 users found')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    const calls = sent(g.requests, 'GET', '/v1.0/users');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.url.searchParams.get('$skiptoken')).toBe('2');
    expect(within(screen.getByRole('table', { name: 'Users' })).getAllByRole('row')).toHaveLength(4);
  });

  it('New user posts the user with a generated password and shows that password once', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/users' });
    const user = userEvent.setup();
    renderPages();
    await screen.findByRole('table', { name: 'Users' });
    await user.click(screen.getByRole('button', { name: 'New user' }));
    expect(window.location.hash).toBe('#/users/new');
    expect(await screen.findByRole('heading', { level: 1, name: 'Create new user' })).toBeTruthy();

    // nothing is sent while the form is incomplete
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByText('Enter a user name.')).toBeTruthy();
    expect(screen.getByText('Enter a display name.')).toBeTruthy();
    expect(sent(g.requests, 'POST', '/v1.0/users')).toHaveLength(0);

    // only verified domains, the default first
    const domain = screen.getByRole('combobox', { name: 'Domain' });
    await waitFor(() => expect(within(domain).getAllByRole('option').map((o) => o.textContent)).toEqual([DOMAIN, 'contoso.example']));
    await user.type(screen.getByLabelText('User principal name'), 'ada.lovelace');
    await user.selectOptions(domain, 'contoso.example');
    await user.type(screen.getByLabelText('Display name'), 'Ada Lovelace');
    expect(screen.getByRole('radio', { name: 'Auto-generate password' })).toHaveProperty('checked', true);
    const enabled = screen.getByRole('switch', { name: 'Account enabled' });
    expect(enabled).toHaveProperty('checked', true);
    await user.click(enabled);
    await user.click(screen.getByRole('button', { name: 'Create' }));

    expect(await screen.findByText("Copy the password now. You won't be able to see it again.")).toBeTruthy();
    const [post] = sent(g.requests, 'POST', '/v1.0/users');
    const body = JSON.parse(post!.body!) as { passwordProfile: { password: string } };
    expect(body).toEqual({
      accountEnabled: false,
      displayName: 'Ada Lovelace',
      mailNickname: 'ada.lovelace',
      userPrincipalName: 'ada.lovelace@contoso.example',
      passwordProfile: { password: expect.any(String), forceChangePasswordNextSignIn: true },
    });
    const pw = body.passwordProfile.password;
    expect(pw).toHaveLength(16);
    expect(passwordProblem(pw)).toBeNull();
    expect(screen.getByText('Created user Ada Lovelace.')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toHaveProperty('value', pw);
    expect(screen.getByLabelText('Password')).toHaveProperty('readOnly', true);
    await user.click(screen.getByRole('button', { name: 'Copy password' }));
    expect(await navigator.clipboard.readText()).toBe(pw);

    // once: another user, and the password is gone from the page
    await user.click(screen.getByRole('button', { name: 'Create another user' }));
    expect(screen.queryByDisplayValue(pw)).toBeNull();
    expect(document.body.textContent).not.toContain(pw);
    expect(errors).toEqual([]);
  });

  it('"Let me create the password" checks the directory rule before sending, then sends that password', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/users/new' });
    const user = userEvent.setup();
    renderPages();
    await waitFor(() => expect(within(screen.getByRole('combobox', { name: 'Domain' })).getAllByRole('option')).toHaveLength(2));
    await user.type(screen.getByLabelText('User principal name'), 'kit');
    await user.type(screen.getByLabelText('Display name'), 'Kit');
    await user.click(screen.getByRole('radio', { name: 'Let me create the password' }));
    await user.type(screen.getByLabelText('Password'), 'password');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByText(/must contain three of/)).toBeTruthy();
    expect(sent(g.requests, 'POST', '/v1.0/users')).toHaveLength(0);
    await user.type(screen.getByLabelText('Password'), '-Ok9');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('Created user Kit.')).toBeTruthy();
    const body = JSON.parse(sent(g.requests, 'POST', '/v1.0/users')[0]!.body!) as Record<string, unknown>;
    expect(body).toMatchObject({ userPrincipalName: `kit@${DOMAIN}`, accountEnabled: true, passwordProfile: { password: 'password-Ok9' } });
  });

  it("a 403 on create shows the permission message with Graph's code and message", async () => {
    const g = fakeGraph({ deny: /^POST \/v1\.0\/users$/ });
    await signInWith(g.handler, { route: '#/users/new' });
    const user = userEvent.setup();
    renderPages();
    await waitFor(() => expect(within(screen.getByRole('combobox', { name: 'Domain' })).getAllByRole('option')).toHaveLength(2));
    await user.type(screen.getByLabelText('User principal name'), 'eve');
    await user.type(screen.getByLabelText('Display name'), 'Eve');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText("You don't have permission to do this.")).toBeTruthy();
    expect(screen.getByText('Authorization_RequestDenied')).toBeTruthy();
    expect(screen.getByText(new RegExp(DENIED.replace('.', '\\.')))).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();
  });

  it('a 403 on the list shows the permission message', async () => {
    const g = fakeGraph({ deny: /^GET \/v1\.0\/users$/ });
    await signInWith(g.handler, { route: '#/users' });
    renderPages();
    expect(await screen.findByText("You don't have permission to do this.")).toBeTruthy();
    expect(screen.getByText('Authorization_RequestDenied')).toBeTruthy();
  });
});

describe('User details', () => {
  it('shows the properties and assigned roles; Add assignments and Remove call roleAssignments', async () => {
    const g = fakeGraph();
    const id = guidOf(2);
    await signInWith(g.handler, { route: `#/users/${id}` });
    const user = userEvent.setup();
    renderPages();
    expect(await screen.findByRole('heading', { level: 1, name: "Siobhán O'Brien" })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy Object ID' })).toBeTruthy();
    expect(screen.getAllByText(id).length).toBeGreaterThan(0);
    const table = await screen.findByRole('table', { name: 'Assigned roles' });
    expect(within(table).getByText('Reports Reader')).toBeTruthy();
    const [byPrincipal] = sent(g.requests, 'GET', '/v1.0/roleManagement/directory/roleAssignments');
    expect(byPrincipal!.url.searchParams.get('$filter')).toBe(`principalId eq '${id}'`);

    await user.click(screen.getByRole('button', { name: 'Add assignments' }));
    const dialog = await findDialog('Add assignments');
    const role = inDialog(dialog).getByLabelText('Role');
    // roles the user already holds are not offered
    expect(within(role).queryByRole('option', { name: 'Reports Reader' })).toBeNull();
    await user.selectOptions(role, 'User Administrator');
    await user.click(inDialog(dialog).getByRole('button', { name: 'Add' }));
    await dialogClosed('Add assignments');
    expect(sent(g.requests, 'POST', '/v1.0/roleManagement/directory/roleAssignments').map((c) => JSON.parse(c.body!))).toEqual([
      { principalId: id, roleDefinitionId: USER_ADMIN, directoryScopeId: '/' },
    ]);
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Assigned roles' })).getAllByRole('row')).toHaveLength(3));

    const row = within(screen.getByRole('table', { name: 'Assigned roles' })).getByText('Reports Reader').closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'Remove' }));
    const confirm = await findDialog('Remove assignment');
    await user.click(inDialog(confirm).getByRole('button', { name: 'Remove' }));
    await dialogClosed('Remove assignment');
    expect(sent(g.requests, 'DELETE', '/v1.0/roleManagement/directory/roleAssignments/ra-3')).toHaveLength(1);
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Assigned roles' })).queryByText('Reports Reader')).toBeNull());
    expect(errors).toEqual([]);
  });

  it('Reset password patches a generated password and shows it once; Disable account patches accountEnabled', async () => {
    const g = fakeGraph();
    const id = guidOf(2);
    await signInWith(g.handler, { route: `#/users/${id}` });
    const user = userEvent.setup();
    renderPages();
    await screen.findByRole('heading', { level: 1, name: "Siobhán O'Brien" });

    await user.click(screen.getByRole('button', { name: 'Reset password' }));
    const dialog = await findDialog('Reset password');
    await user.click(inDialog(dialog).getByRole('button', { name: 'Reset password' }));
    await dialogClosed('Reset password');
    expect(await screen.findByText("Copy the password now. You won't be able to see it again.")).toBeTruthy();
    const [patch] = sent(g.requests, 'PATCH', `/v1.0/users/${id}`);
    const body = JSON.parse(patch!.body!) as { passwordProfile: { password: string; forceChangePasswordNextSignIn: boolean } };
    expect(Object.keys(body)).toEqual(['passwordProfile']);
    expect(body.passwordProfile.forceChangePasswordNextSignIn).toBe(true);
    expect(passwordProblem(body.passwordProfile.password)).toBeNull();
    expect(screen.getByLabelText('Password')).toHaveProperty('value', body.passwordProfile.password);
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByLabelText('Password')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Disable account' }));
    expect(await screen.findByRole('button', { name: 'Enable account' })).toBeTruthy();
    expect(JSON.parse(sent(g.requests, 'PATCH', `/v1.0/users/${id}`)[1]!.body!)).toEqual({ accountEnabled: false });
    await user.click(screen.getByRole('button', { name: 'Enable account' }));
    expect(await screen.findByRole('button', { name: 'Disable account' })).toBeTruthy();
    expect(JSON.parse(sent(g.requests, 'PATCH', `/v1.0/users/${id}`)[2]!.body!)).toEqual({ accountEnabled: true });
    expect(errors).toEqual([]);
  });

  it('Delete asks first, then deletes and goes back to the list', async () => {
    const g = fakeGraph();
    const id = guidOf(3);
    await signInWith(g.handler, { route: `#/users/${id}` });
    const user = userEvent.setup();
    renderPages();
    await screen.findByRole('heading', { level: 1, name: 'Grace Hopper' });
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await findDialog('Delete user');
    expect(sent(g.requests, 'DELETE', `/v1.0/users/${id}`)).toHaveLength(0);
    await user.click(inDialog(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(window.location.hash).toBe('#/users'));
    await dialogClosed('Delete user');
    expect(sent(g.requests, 'DELETE', `/v1.0/users/${id}`)).toHaveLength(1);
    expect(await screen.findByText('Deleted user Grace Hopper.')).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Users' });
    expect(within(table).queryByText('Grace Hopper')).toBeNull();
  });

  it('a 403 on a role assignment shows the permission message in the dialog', async () => {
    const g = fakeGraph({ deny: /^POST \/v1\.0\/roleManagement\/directory\/roleAssignments$/ });
    await signInWith(g.handler, { route: `#/users/${guidOf(3)}` });
    const user = userEvent.setup();
    renderPages();
    await screen.findByText('No roles are assigned to this user.');
    await user.click(screen.getByRole('button', { name: 'Add assignments' }));
    const dialog = await findDialog('Add assignments');
    await user.selectOptions(inDialog(dialog).getByLabelText('Role'), 'Global Administrator');
    await user.click(inDialog(dialog).getByRole('button', { name: 'Add' }));
    expect(await inDialog(dialog).findByText("You don't have permission to do this.")).toBeTruthy();
    expect(inDialog(dialog).getByText('Authorization_RequestDenied')).toBeTruthy();
  });

  it('an unknown user says so', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: `#/users/${guidOf(99)}` });
    renderPages();
    expect(await screen.findByText('This user does not exist in the directory.')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'User not found' })).toBeTruthy();
  });
});

describe('Roles and administrators', () => {
  it('lists role definitions with assignment counts from every page of roleAssignments', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/roles' });
    renderPages();
    expect(await screen.findByRole('heading', { level: 1, name: 'Roles and administrators' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Roles' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Role', 'Description', 'Assignments']);
    const count = (name: string) => within(within(table).getByRole('link', { name }).closest('tr')!).getAllByRole('cell')[2]!.textContent;
    await waitFor(() => expect(count('Reports Reader')).toBe('2'));
    expect(count('Global Administrator')).toBe('1');
    expect(count('User Administrator')).toBe('0');
    // three assignments, two a page: the nextLink was followed
    expect(sent(g.requests, 'GET', '/v1.0/roleManagement/directory/roleAssignments')).toHaveLength(2);
    expect(within(table).getByRole('link', { name: 'Reports Reader' }).getAttribute('href')).toBe(`#/roles/${REPORTS_READER}`);
  });

  it('a role shows its users and service principals; Add assignments searches users and posts; Remove assignment deletes', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: `#/roles/${REPORTS_READER}` });
    const user = userEvent.setup();
    renderPages();
    expect(await screen.findByRole('heading', { level: 1, name: 'Reports Reader' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Assignments' });
    expect(within(table).getByRole('link', { name: "Siobhán O'Brien" })).toBeTruthy();
    expect(within(table).getByText(`obrien@${DOMAIN}`)).toBeTruthy();
    expect(within(table).getByText('Reporting daemon')).toBeTruthy();
    expect(within(table).getByText('Service principal')).toBeTruthy();
    const [byRole] = sent(g.requests, 'GET', '/v1.0/roleManagement/directory/roleAssignments');
    expect(byRole!.url.searchParams.get('$filter')).toBe(`roleDefinitionId eq '${REPORTS_READER}'`);

    await user.click(screen.getByRole('button', { name: 'Add assignments' }));
    const dialog = await findDialog('Add assignments');
    await user.type(inDialog(dialog).getByLabelText('Search users'), 'gra');
    await waitFor(() => expect(inDialog(dialog).getAllByRole('radio')).toHaveLength(1));
    const grace = inDialog(dialog).getByRole('radio', { name: `Grace Hopper (grace@${DOMAIN})` });
    const searches = sent(g.requests, 'GET', '/v1.0/users').filter((c) => c.url.searchParams.has('$top'));
    expect(searches.map((c) => c.url.searchParams.get('$filter'))).toEqual([null, "startswith(displayName,'gra') or startswith(userPrincipalName,'gra')"]);
    await user.click(grace);
    await user.click(inDialog(dialog).getByRole('button', { name: 'Add' }));
    await dialogClosed('Add assignments');
    expect(sent(g.requests, 'POST', '/v1.0/roleManagement/directory/roleAssignments').map((c) => JSON.parse(c.body!))).toEqual([
      { principalId: guidOf(3), roleDefinitionId: REPORTS_READER, directoryScopeId: '/' },
    ]);
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Assignments' })).getByText('Grace Hopper')).toBeTruthy());

    const row = within(screen.getByRole('table', { name: 'Assignments' })).getByText('Reporting daemon').closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'Remove assignment' }));
    const confirm = await findDialog('Remove assignment');
    await user.click(inDialog(confirm).getByRole('button', { name: 'Remove' }));
    await dialogClosed('Remove assignment');
    expect(sent(g.requests, 'DELETE', '/v1.0/roleManagement/directory/roleAssignments/ra-2')).toHaveLength(1);
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Assignments' })).queryByText('Reporting daemon')).toBeNull());
    expect(errors).toEqual([]);
  });

  it('a 403 on removal shows the permission message', async () => {
    const g = fakeGraph({ deny: /^DELETE / });
    await signInWith(g.handler, { route: `#/roles/${GLOBAL_ADMIN}` });
    const user = userEvent.setup();
    renderPages();
    const table = await screen.findByRole('table', { name: 'Assignments' });
    await user.click(within(table).getByRole('button', { name: 'Remove assignment' }));
    const confirm = await findDialog('Remove assignment');
    await user.click(inDialog(confirm).getByRole('button', { name: 'Remove' }));
    await dialogClosed('Remove assignment');
    expect(await screen.findByText("You don't have permission to do this.")).toBeTruthy();
    expect(screen.getByText('Authorization_RequestDenied')).toBeTruthy();
  });

  it('at 390 px the tables scroll sideways inside the page', async () => {
    const viewport = (window as unknown as { happyDOM: { setViewport(v: { width: number; height: number }): void } }).happyDOM;
    viewport.setViewport({ width: 390, height: 844 });
    try {
      const g = fakeGraph();
      await signInWith(g.handler, { route: '#/roles' });
      renderPages();
      const table = await screen.findByRole('table', { name: 'Roles' });
      expect(getComputedStyle(table.parentElement!).overflowX).toBe('auto');
      act(() => { window.location.hash = '#/users'; });
      expect(await screen.findByRole('button', { name: 'New user' })).toBeTruthy();
    } finally {
      viewport.setViewport({ width: 1024, height: 768 });
    }
  });
});
