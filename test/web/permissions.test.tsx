// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppRoleAssignment, Application, PermissionGrant, RequiredResourceAccess } from '../../web/src/graph';
import { addRequiredAccess, mergeScope, removeRequiredAccess, type ApiServicePrincipal } from '../../web/src/permissions';
import { CONSENT_ROLE_EXPLANATION } from '../../web/src/pages/AppPermissions';
import { TENANT_ID, captureNavigation, graphError, json, resetBrowser, signInWith, type Call } from './helpers';
import { dialogClosed, findDialog, renderPortal } from './ui';

/**
 * API permissions of an app registration against a fake Graph: the configured permissions and
 * their consent status, "Add a permission" (the PATCH of the merged requiredResourceAccess),
 * "Grant admin consent" (app role assignments and the tenant-wide delegated grants), removing a
 * permission, revoking consent, and the button's state for users without a consent role.
 */

const GRAPH = '00000003-0000-0000-c000-000000000000';
const AAD = '00000002-0000-0000-c000-000000000000';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const PRIVILEGED_ROLE_ADMIN = 'e8611ab8-c189-46e8-94e1-60213ab1f814';
const APP_ADMIN = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3';

// permission ids as Microsoft Graph publishes them
const ROLE = {
  auditLog: 'b0afded3-3588-46d8-8b3d-9842eff778da',
  directoryRead: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  userReadAll: 'df021288-bdef-4463-88db-98f22de89214',
};
const SCOPE = {
  userRead: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
  applicationRead: 'c79f8feb-a9db-4090-85f9-90d820caa0eb',
  auditLog: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20',
  aadUserRead: '311a71cc-e848-46a1-bdf8-97ff7156d8e6',
};

const graphSp: ApiServicePrincipal = {
  id: 'sp-graph', appId: GRAPH, displayName: 'Microsoft Graph',
  appRoles: [
    { id: ROLE.auditLog, value: 'AuditLog.Read.All', displayName: 'Read all audit log data', description: 'Allows the app to read and query your audit log activities.', allowedMemberTypes: ['Application'], isEnabled: true },
    { id: ROLE.directoryRead, value: 'Directory.Read.All', displayName: 'Read directory data', description: "Allows the app to read data in your organization's directory.", allowedMemberTypes: ['Application'], isEnabled: true },
    { id: ROLE.userReadAll, value: 'User.Read.All', displayName: "Read all users' full profiles", description: 'Allows the app to read users.', allowedMemberTypes: ['Application'], isEnabled: true },
  ],
  oauth2PermissionScopes: [
    { id: SCOPE.userRead, value: 'User.Read', type: 'User', adminConsentDisplayName: 'Sign in and read user profile', adminConsentDescription: 'Allows users to sign in.', isEnabled: true },
    { id: SCOPE.applicationRead, value: 'Application.Read.All', type: 'Admin', adminConsentDisplayName: 'Read all applications', adminConsentDescription: 'Allows the app to read all applications.', isEnabled: true },
    { id: SCOPE.auditLog, value: 'AuditLog.Read.All', type: 'Admin', adminConsentDisplayName: 'Read all audit log data', adminConsentDescription: 'Allows the app to read audit logs.', isEnabled: true },
  ],
};
const aadSp: ApiServicePrincipal = {
  id: 'sp-aad', appId: AAD, displayName: 'Windows Azure Active Directory',
  appRoles: [],
  oauth2PermissionScopes: [
    { id: SCOPE.aadUserRead, value: 'User.Read', type: 'User', adminConsentDisplayName: 'Sign in and read user profile', isEnabled: true },
  ],
};

interface FakeOptions {
  requiredResourceAccess?: RequiredResourceAccess[];
  /** the app has a service principal (sp-app) */
  servicePrincipal?: boolean;
  assignments?: AppRoleAssignment[];
  grants?: PermissionGrant[];
}

function fakeGraph(opts: FakeOptions = {}) {
  const app: Application = {
    id: 'app-obj', appId: 'app-id', displayName: 'Reporting daemon', signInAudience: 'AzureADMyOrg', createdDateTime: '2025-01-01T00:00:00Z',
    passwordCredentials: [], requiredResourceAccess: opts.requiredResourceAccess ?? [],
  };
  const sps: ApiServicePrincipal[] = [graphSp, aadSp];
  if (opts.servicePrincipal !== false) sps.push({ id: 'sp-app', appId: 'app-id', displayName: 'Reporting daemon', appRoles: [], oauth2PermissionScopes: [] });
  const assignments: AppRoleAssignment[] = [...(opts.assignments ?? [])];
  const grants: PermissionGrant[] = (opts.grants ?? []).map((g) => ({ ...g }));
  let seq = 0;
  const requests: Call[] = [];
  const handler = (call: Call): Response | undefined => {
    const p = decodeURIComponent(call.url.pathname);
    if (!p.startsWith('/v1.0/')) return undefined;
    requests.push(call);
    const body = call.body ? (JSON.parse(call.body) as Record<string, unknown>) : {};
    const filter = call.url.searchParams.get('$filter') ?? '';
    if (call.method === 'GET' && p === '/v1.0/organization') {
      return json({ value: [{ id: TENANT_ID, displayName: 'Demo Tenant', verifiedDomains: [] }] });
    }
    if (p === '/v1.0/applications/app-obj') {
      if (call.method === 'GET') return json(app);
      if (call.method === 'PATCH') {
        app.requiredResourceAccess = body.requiredResourceAccess as RequiredResourceAccess[];
        return new Response(null, { status: 204 });
      }
    }
    if (p === '/v1.0/servicePrincipals' && call.method === 'GET') {
      const appId = /^appId eq '([^']*)'$/.exec(filter)?.[1];
      return json({ value: sps.filter((s) => appId === undefined || s.appId === appId) });
    }
    if (p === '/v1.0/servicePrincipals' && call.method === 'POST') {
      const sp = { id: 'sp-app', appId: String(body.appId), displayName: app.displayName, appRoles: [], oauth2PermissionScopes: [] };
      sps.push(sp);
      return json(sp, 201);
    }
    const assigned = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo(?:\/([^/]+))?$/.exec(p);
    if (assigned) {
      const [, resourceId, assignmentId] = assigned;
      if (call.method === 'GET') return json({ value: assignments.filter((a) => a.resourceId === resourceId) });
      if (call.method === 'POST') {
        const a: AppRoleAssignment = { id: `as-${++seq}`, appRoleId: String(body.appRoleId), principalId: String(body.principalId), resourceId: String(body.resourceId) };
        assignments.push(a);
        return json(a, 201);
      }
      if (call.method === 'DELETE') {
        assignments.splice(assignments.findIndex((a) => a.id === assignmentId), 1);
        return new Response(null, { status: 204 });
      }
    }
    if (p === '/v1.0/oauth2PermissionGrants' && call.method === 'GET') {
      const clientId = /^clientId eq '([^']*)'$/.exec(filter)?.[1];
      return json({ value: grants.filter((g) => g.clientId === clientId) });
    }
    if (p === '/v1.0/oauth2PermissionGrants' && call.method === 'POST') {
      const g: PermissionGrant = { id: `grant-${++seq}`, clientId: String(body.clientId), consentType: String(body.consentType), principalId: null, resourceId: String(body.resourceId), scope: String(body.scope) };
      grants.push(g);
      return json(g, 201);
    }
    const grant = /^\/v1\.0\/oauth2PermissionGrants\/([^/]+)$/.exec(p);
    if (grant) {
      const i = grants.findIndex((g) => g.id === grant[1]);
      if (i < 0) return graphError(404, 'Request_ResourceNotFound', `Resource '${grant[1]}' does not exist.`);
      if (call.method === 'PATCH') {
        grants[i]!.scope = String(body.scope);
        return new Response(null, { status: 204 });
      }
      if (call.method === 'DELETE') {
        grants.splice(i, 1);
        return new Response(null, { status: 204 });
      }
    }
    return undefined;
  };
  return { handler, app, sps, assignments, grants, requests };
}

const sent = (requests: Call[], method: string, path: string) =>
  requests.filter((c) => c.method === method && decodeURIComponent(c.url.pathname) === path).map((c) => (c.body ? JSON.parse(c.body) as unknown : null));




async function openPermissions(g: ReturnType<typeof fakeGraph>, wids: string[] = [GLOBAL_ADMIN]) {
  await signInWith(g.handler, { route: '#/apps/app-obj/permissions', claims: wids.length > 0 ? { wids } : {} });
  const user = userEvent.setup();
  renderPortal();
  await screen.findByRole('heading', { name: 'Configured permissions' });
  return user;
}

const rowOf = (api: string, value: string) => screen.getByRole('row', { name: `${api} ${value}` });
const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent);

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
  // React and Fluent had nothing to complain about (act warnings, keys, DOM nesting, …)
  expect(errors).toEqual([]);
});

describe('requiredResourceAccess and grant scopes', () => {
  const rra: RequiredResourceAccess[] = [
    { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
    { resourceAppId: GRAPH, resourceAccess: [{ id: SCOPE.userRead, type: 'Scope' }] },
  ];
  it('adds to the API entry (each once), or appends one; the others stay as they were', () => {
    expect(addRequiredAccess(rra, GRAPH, [{ id: ROLE.auditLog, type: 'Role' }, { id: SCOPE.userRead, type: 'Scope' }])).toEqual([
      rra[0],
      { resourceAppId: GRAPH, resourceAccess: [{ id: SCOPE.userRead, type: 'Scope' }, { id: ROLE.auditLog, type: 'Role' }] },
    ]);
    expect(addRequiredAccess([], GRAPH, [{ id: ROLE.auditLog, type: 'Role' }])).toEqual([{ resourceAppId: GRAPH, resourceAccess: [{ id: ROLE.auditLog, type: 'Role' }] }]);
    // the same id as a Role and as a Scope are two permissions
    expect(addRequiredAccess(rra, AAD, [{ id: SCOPE.aadUserRead, type: 'Role' }])[0]!.resourceAccess).toHaveLength(2);
    expect(rra[1]!.resourceAccess).toHaveLength(1);
  });
  it('removes one permission, and the API entry when it was its last', () => {
    expect(removeRequiredAccess(rra, AAD, { id: SCOPE.aadUserRead, type: 'Scope' })).toEqual([rra[1]]);
    expect(removeRequiredAccess(rra, GRAPH, { id: SCOPE.userRead, type: 'Role' })).toEqual(rra);
  });
  it('merges scopes space-separated, each once', () => {
    expect(mergeScope('User.Read', ['Application.Read.All', 'User.Read'])).toBe('User.Read Application.Read.All');
    expect(mergeScope('', ['a', 'b'])).toBe('a b');
  });
});

describe('configured permissions', () => {
  it('are grouped by API with type, description, admin consent required and status', async () => {
    const g = fakeGraph({
      requiredResourceAccess: [
        { resourceAppId: GRAPH, resourceAccess: [
          { id: ROLE.auditLog, type: 'Role' }, { id: ROLE.directoryRead, type: 'Role' },
          { id: SCOPE.userRead, type: 'Scope' }, { id: SCOPE.applicationRead, type: 'Scope' },
        ] },
        { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
      ],
      assignments: [
        { id: 'as-a', appRoleId: ROLE.auditLog, principalId: 'sp-app', resourceId: 'sp-graph' },
        // another app's assignment of the same API does not count for this one
        { id: 'as-b', appRoleId: ROLE.directoryRead, principalId: 'sp-other', resourceId: 'sp-graph' },
      ],
      grants: [
        { id: 'gr-1', clientId: 'sp-app', consentType: 'AllPrincipals', principalId: null, resourceId: 'sp-graph', scope: 'User.Read' },
        // a personal grant is not admin consent
        { id: 'gr-2', clientId: 'sp-app', consentType: 'Principal', principalId: 'u1', resourceId: 'sp-aad', scope: 'User.Read' },
      ],
    });
    await openPermissions(g);
    const table = await screen.findByRole('table', { name: 'Configured permissions' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(
      ['API / Permissions name', 'Type', 'Description', 'Admin consent required', 'Status', 'Actions'],
    );
    expect(within(table).getByText('Microsoft Graph (4)')).toBeTruthy();
    expect(within(table).getByText('Azure Active Directory Graph (1)')).toBeTruthy();
    expect(cells(rowOf('Microsoft Graph', 'AuditLog.Read.All')).slice(0, 5)).toEqual(
      ['AuditLog.Read.All', 'Application', 'Read all audit log data', 'Yes', 'Granted for Demo Tenant'],
    );
    expect(cells(rowOf('Microsoft Graph', 'Directory.Read.All')).slice(0, 5)).toEqual(
      ['Directory.Read.All', 'Application', 'Read directory data', 'Yes', 'Not granted for Demo Tenant'],
    );
    expect(cells(rowOf('Microsoft Graph', 'User.Read')).slice(0, 5)).toEqual(
      ['User.Read', 'Delegated', 'Sign in and read user profile', 'No', 'Granted for Demo Tenant'],
    );
    expect(cells(rowOf('Microsoft Graph', 'Application.Read.All')).slice(1, 5)).toEqual(['Delegated', 'Read all applications', 'Yes', 'Not granted for Demo Tenant']);
    expect(cells(rowOf('Azure Active Directory Graph', 'User.Read'))[4]).toBe('Not granted for Demo Tenant');
    // the resource service principals were found by appId, the grants by the app's service principal
    const filters = g.requests.filter((c) => c.url.pathname === '/v1.0/servicePrincipals').map((c) => c.url.searchParams.get('$filter'));
    expect(new Set(filters)).toEqual(new Set([`appId eq 'app-id'`, `appId eq '${GRAPH}'`, `appId eq '${AAD}'`]));
    expect(g.requests.filter((c) => c.url.pathname === '/v1.0/oauth2PermissionGrants').map((c) => c.url.searchParams.get('$filter'))).toEqual([`clientId eq 'sp-app'`]);
    expect(errors).toEqual([]);
  });

  it('an app without any says so', async () => {
    const g = fakeGraph();
    await openPermissions(g);
    expect(await screen.findByText(/No permissions are configured for this application/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Grant admin consent for Demo Tenant' })).toHaveProperty('disabled', true);
  });
});

describe('Add a permission', () => {
  it('PATCHes the whole requiredResourceAccess: what the app had, plus the chosen application and delegated permissions', async () => {
    const g = fakeGraph({
      requiredResourceAccess: [
        { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
        { resourceAppId: GRAPH, resourceAccess: [{ id: SCOPE.userRead, type: 'Scope' }] },
      ],
    });
    const user = await openPermissions(g);
    await screen.findByRole('table', { name: 'Configured permissions' });
    await user.click(screen.getByRole('button', { name: 'Add a permission' }));
    const drawer = await findDialog('Request API permissions');
    // tabster may mark the drawer aria-hidden again when its content changes (see findDialog)
    const inside = () => {
      drawer.removeAttribute('aria-hidden');
      return within(drawer);
    };
    await user.click(inside().getByRole('button', { name: /^Microsoft Graph/ }));
    await waitFor(() => expect(inside().getByRole('button', { name: /^Application permissions/ })).toBeTruthy());
    await user.click(inside().getByRole('button', { name: /^Application permissions/ }));
    const search = inside().getByRole('searchbox', { name: 'Search permissions' });
    await user.type(search, 'audit');
    expect(inside().getAllByRole('checkbox')).toHaveLength(1);
    await user.click(inside().getByRole('checkbox', { name: /^AuditLog\.Read\.All Read all audit log data/ }));
    await user.clear(search);
    await user.click(inside().getByRole('checkbox', { name: /^Directory\.Read\.All/ }));

    // delegated: the one the app has is ticked and cannot be added twice
    await user.click(inside().getByRole('button', { name: /^Delegated permissions/ }));
    const have = inside().getByRole('checkbox', { name: /^User\.Read Sign in/ });
    expect(have).toHaveProperty('checked', true);
    expect(have).toHaveProperty('disabled', true);
    await user.click(inside().getByRole('checkbox', { name: /^Application\.Read\.All/ }));
    expect(inside().getByText('3 selected')).toBeTruthy();
    await user.click(inside().getByRole('button', { name: 'Add permissions' }));
    await dialogClosed('Request API permissions');

    expect(sent(g.requests, 'PATCH', '/v1.0/applications/app-obj')).toEqual([{
      requiredResourceAccess: [
        { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
        { resourceAppId: GRAPH, resourceAccess: [
          { id: SCOPE.userRead, type: 'Scope' },
          { id: SCOPE.applicationRead, type: 'Scope' },
          { id: ROLE.auditLog, type: 'Role' },
          { id: ROLE.directoryRead, type: 'Role' },
        ] },
      ],
    }]);
    expect(await screen.findByText('Added 3 permissions.')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Microsoft Graph (4)')).toBeTruthy());
    expect(cells(rowOf('Microsoft Graph', 'AuditLog.Read.All'))[4]).toBe('Not granted for Demo Tenant');
    expect(errors).toEqual([]);
  });

  it('Remove permission asks first, then PATCHes the list without it', async () => {
    const g = fakeGraph({
      requiredResourceAccess: [{ resourceAppId: GRAPH, resourceAccess: [{ id: SCOPE.userRead, type: 'Scope' }, { id: ROLE.auditLog, type: 'Role' }] }],
    });
    const user = await openPermissions(g);
    await screen.findByRole('table', { name: 'Configured permissions' });
    await user.click(within(rowOf('Microsoft Graph', 'AuditLog.Read.All')).getByRole('button', { name: 'More actions for AuditLog.Read.All' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Remove permission' }));
    const confirm = await findDialog('Remove permission');
    expect(confirm.textContent).toContain('Microsoft Graph / AuditLog.Read.All');
    await user.click(within(confirm).getByRole('button', { name: 'Yes, remove' }));
    await dialogClosed('Remove permission');
    expect(sent(g.requests, 'PATCH', '/v1.0/applications/app-obj')).toEqual([
      { requiredResourceAccess: [{ resourceAppId: GRAPH, resourceAccess: [{ id: SCOPE.userRead, type: 'Scope' }] }] },
    ]);
    await waitFor(() => expect(screen.getByText('Microsoft Graph (1)')).toBeTruthy());
  });
});

describe('Grant admin consent', () => {
  it('creates the missing service principal, an app role assignment per application permission and one delegated grant per API', async () => {
    const g = fakeGraph({
      servicePrincipal: false,
      requiredResourceAccess: [
        { resourceAppId: GRAPH, resourceAccess: [
          { id: ROLE.auditLog, type: 'Role' }, { id: ROLE.directoryRead, type: 'Role' },
          { id: SCOPE.userRead, type: 'Scope' }, { id: SCOPE.auditLog, type: 'Scope' },
        ] },
        { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
      ],
    });
    const user = await openPermissions(g, [PRIVILEGED_ROLE_ADMIN]);
    await screen.findByRole('table', { name: 'Configured permissions' });
    const button = screen.getByRole('button', { name: 'Grant admin consent for Demo Tenant' });
    expect(button).toHaveProperty('disabled', false);
    expect(screen.queryByText(CONSENT_ROLE_EXPLANATION)).toBeNull();
    await user.click(button);
    const confirm = await findDialog('Grant admin consent confirmation.');
    expect(confirm.textContent).toContain('Do you want to grant consent for the requested permissions for all accounts in Demo Tenant?');
    await user.click(within(confirm).getByRole('button', { name: 'Yes' }));
    await dialogClosed('Grant admin consent confirmation.');
    expect(await screen.findByText('Successfully granted admin consent for the requested permissions.')).toBeTruthy();

    expect(sent(g.requests, 'POST', '/v1.0/servicePrincipals')).toEqual([{ appId: 'app-id' }]);
    expect(sent(g.requests, 'POST', '/v1.0/servicePrincipals/sp-graph/appRoleAssignedTo')).toEqual([
      { principalId: 'sp-app', resourceId: 'sp-graph', appRoleId: ROLE.auditLog },
      { principalId: 'sp-app', resourceId: 'sp-graph', appRoleId: ROLE.directoryRead },
    ]);
    expect(sent(g.requests, 'POST', '/v1.0/oauth2PermissionGrants')).toEqual([
      { clientId: 'sp-app', consentType: 'AllPrincipals', resourceId: 'sp-graph', scope: 'User.Read AuditLog.Read.All' },
      { clientId: 'sp-app', consentType: 'AllPrincipals', resourceId: 'sp-aad', scope: 'User.Read' },
    ]);
    expect(g.requests.some((c) => c.method === 'PATCH')).toBe(false);
    // the statuses are read again
    await waitFor(() => expect(screen.getAllByText('Granted for Demo Tenant')).toHaveLength(5));
    expect(screen.queryByText('Not granted for Demo Tenant')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('only sends what is missing: a POST per role not yet assigned, and a PATCH of the existing grant with the merged scope', async () => {
    const g = fakeGraph({
      requiredResourceAccess: [
        { resourceAppId: GRAPH, resourceAccess: [
          { id: ROLE.auditLog, type: 'Role' }, { id: ROLE.directoryRead, type: 'Role' }, { id: ROLE.userReadAll, type: 'Role' },
          { id: SCOPE.userRead, type: 'Scope' }, { id: SCOPE.applicationRead, type: 'Scope' },
        ] },
        { resourceAppId: AAD, resourceAccess: [{ id: SCOPE.aadUserRead, type: 'Scope' }] },
      ],
      assignments: [{ id: 'as-a', appRoleId: ROLE.directoryRead, principalId: 'sp-app', resourceId: 'sp-graph' }],
      grants: [
        { id: 'gr-graph', clientId: 'sp-app', consentType: 'AllPrincipals', principalId: null, resourceId: 'sp-graph', scope: 'User.Read Mail.Read' },
        { id: 'gr-aad', clientId: 'sp-app', consentType: 'AllPrincipals', principalId: null, resourceId: 'sp-aad', scope: 'User.Read' },
      ],
    });
    const user = await openPermissions(g);
    await screen.findByRole('table', { name: 'Configured permissions' });
    await user.click(screen.getByRole('button', { name: 'Grant admin consent for Demo Tenant' }));
    await user.click(within(await findDialog('Grant admin consent confirmation.')).getByRole('button', { name: 'Yes' }));
    expect(await screen.findByText('Successfully granted admin consent for the requested permissions.')).toBeTruthy();

    expect(sent(g.requests, 'POST', '/v1.0/servicePrincipals')).toEqual([]);
    expect(sent(g.requests, 'POST', '/v1.0/servicePrincipals/sp-graph/appRoleAssignedTo').map((b) => (b as { appRoleId: string }).appRoleId)).toEqual([ROLE.auditLog, ROLE.userReadAll]);
    expect(sent(g.requests, 'PATCH', '/v1.0/oauth2PermissionGrants/gr-graph')).toEqual([{ scope: 'User.Read Mail.Read Application.Read.All' }]);
    // the Azure AD Graph grant already has everything
    expect(sent(g.requests, 'PATCH', '/v1.0/oauth2PermissionGrants/gr-aad')).toEqual([]);
    expect(sent(g.requests, 'POST', '/v1.0/oauth2PermissionGrants')).toEqual([]);
    await waitFor(() => expect(screen.queryByText('Not granted for Demo Tenant')).toBeNull());
  });

  it('a failure is shown with Graph\'s code, and the statuses are read again', async () => {
    const g = fakeGraph({ requiredResourceAccess: [{ resourceAppId: GRAPH, resourceAccess: [{ id: ROLE.auditLog, type: 'Role' }] }] });
    const handler = g.handler;
    const user = await openPermissions({
      ...g,
      handler: (call) => (call.method === 'POST' && call.url.pathname.endsWith('/appRoleAssignedTo')
        ? graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
        : handler(call)),
    });
    await screen.findByRole('table', { name: 'Configured permissions' });
    await user.click(screen.getByRole('button', { name: 'Grant admin consent for Demo Tenant' }));
    await user.click(within(await findDialog('Grant admin consent confirmation.')).getByRole('button', { name: 'Yes' }));
    expect(await screen.findByText('Authorization_RequestDenied')).toBeTruthy();
    expect(screen.getByText('Not granted for Demo Tenant')).toBeTruthy();
  });

  it.each([
    ['no directory role', []],
    ['Application Administrator only', [APP_ADMIN]],
  ])('is disabled, with the reason next to it, for a user with %s', async (_what, wids) => {
    const g = fakeGraph({ requiredResourceAccess: [{ resourceAppId: GRAPH, resourceAccess: [{ id: ROLE.auditLog, type: 'Role' }] }] });
    await openPermissions(g, wids);
    await screen.findByRole('table', { name: 'Configured permissions' });
    const button = screen.getByRole('button', { name: 'Grant admin consent for Demo Tenant' });
    expect(button).toHaveProperty('disabled', true);
    const why = screen.getByText("You don't have a role that can grant admin consent (Global Administrator or Privileged Role Administrator).");
    expect(button.getAttribute('aria-describedby')).toBe(why.id);
    // adding permissions is still offered (the server decides who may)
    expect(screen.getByRole('button', { name: 'Add a permission' })).toHaveProperty('disabled', false);
  });
});

describe('Revoke admin consent', () => {
  it('narrows the delegated grant (PATCH) or deletes it with its last scope, and deletes an app role assignment', async () => {
    const g = fakeGraph({
      requiredResourceAccess: [
        { resourceAppId: GRAPH, resourceAccess: [{ id: ROLE.auditLog, type: 'Role' }, { id: SCOPE.userRead, type: 'Scope' }, { id: SCOPE.applicationRead, type: 'Scope' }] },
      ],
      assignments: [{ id: 'as-a', appRoleId: ROLE.auditLog, principalId: 'sp-app', resourceId: 'sp-graph' }],
      grants: [{ id: 'gr-graph', clientId: 'sp-app', consentType: 'AllPrincipals', principalId: null, resourceId: 'sp-graph', scope: 'User.Read Application.Read.All' }],
    });
    const user = await openPermissions(g);
    await screen.findByRole('table', { name: 'Configured permissions' });
    const revoke = async (value: string) => {
      await user.click(within(rowOf('Microsoft Graph', value)).getByRole('button', { name: `More actions for ${value}` }));
      await user.click(await screen.findByRole('menuitem', { name: 'Revoke admin consent' }));
      await user.click(within(await findDialog('Revoke admin consent')).getByRole('button', { name: 'Yes, revoke' }));
      await dialogClosed('Revoke admin consent');
      await screen.findByText(`Revoked admin consent for ${value}.`);
      await waitFor(() => expect(cells(rowOf('Microsoft Graph', value))[4]).toBe('Not granted for Demo Tenant'));
    };
    await revoke('Application.Read.All');
    expect(sent(g.requests, 'PATCH', '/v1.0/oauth2PermissionGrants/gr-graph')).toEqual([{ scope: 'User.Read' }]);
    await revoke('User.Read');
    expect(g.requests.filter((c) => c.method === 'DELETE').map((c) => c.url.pathname)).toEqual(['/v1.0/oauth2PermissionGrants/gr-graph']);
    await revoke('AuditLog.Read.All');
    expect(g.requests.filter((c) => c.method === 'DELETE').map((c) => c.url.pathname)).toEqual([
      '/v1.0/oauth2PermissionGrants/gr-graph', '/v1.0/servicePrincipals/sp-graph/appRoleAssignedTo/as-a',
    ]);
  });
});
