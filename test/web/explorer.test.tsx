// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CLIENT_ID, EXPLORER_CLIENT_ID, getAuthState, getExplorerState, pkceChallenge, resetAuthForTests, signInExplorer, start,
} from '../../web/src/auth';
import { TenantContext, type TenantInfo } from '../../web/src/context';
import { ExplorerPage, formatBody, resolveRequestUrl, versionOf, withVersion } from '../../web/src/pages/Explorer';
import type { ApiServicePrincipal } from '../../web/src/permissions';
import {
  ORIGIN, PENDING_KEY, TENANT_ID, UPN, accessToken, captureNavigation, form, graphError, json, jwt, mockFetch, resetBrowser, signInWith, type Call, type Handler,
} from './helpers';

/**
 * The API explorer: Graph Explorer's sign-in (a second client, by the same PKCE redirect, tokens in
 * memory only), the request it sends (method, URL, headers, body, which token) and the response
 * as it came (status, time, headers, body), and "Modify permissions" (consent per scope).
 */

const GRAPH = '00000003-0000-0000-c000-000000000000';
const EXPLORER_RT = 'RT-explorer-0123456789';

const explorerToken = (scp: string) => jwt({ aud: 'https://graph.microsoft.com', tid: TENANT_ID, upn: UPN, oid: 'u1', azp: EXPLORER_CLIENT_ID, scp });

const graphSp: ApiServicePrincipal = {
  id: 'sp-graph', appId: GRAPH, displayName: 'Microsoft Graph', appRoles: [],
  oauth2PermissionScopes: [
    { id: 's1', value: 'User.Read', type: 'User', adminConsentDisplayName: 'Sign in and read user profile' },
    { id: 's2', value: 'AuditLog.Read.All', type: 'Admin', adminConsentDisplayName: 'Read all audit log data' },
    { id: 's3', value: 'Directory.Read.All', type: 'Admin', adminConsentDisplayName: 'Read directory data' },
    { id: 's4', value: 'openid', type: 'User', adminConsentDisplayName: 'Sign users in' },
  ],
};

function storageDump(): string {
  const all: string[] = [];
  for (const s of [sessionStorage, localStorage]) {
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i)!;
      all.push(`${k}=${s.getItem(k)}`);
    }
  }
  return all.join('\n');
}

/** The page load that follows a redirect: the module's memory is gone, the tab's sessionStorage stays. */
function reloadAt(path: string): void {
  resetAuthForTests();
  window.history.replaceState(null, '', path);
}

/** A request header by name, whatever its case (happy-dom's Headers keeps the case it was given; browsers lower it). */
const header = (call: Call, name: string) => Object.entries(call.headers).find(([k]) => k.toLowerCase() === name)?.[1];

const pending = () => JSON.parse(sessionStorage.getItem(PENDING_KEY)!) as Record<string, unknown>;

interface RoundTrip {
  calls: Call[];
  navigations: string[];
}

/**
 * The portal signed in, then Graph Explorer signed in the way the browser does it: the redirect to
 * /authorize for Graph Explorer, its answer (`answer`), the portal's silent sign-in that follows,
 * and the page load that redeems both codes. `graph` answers everything else.
 */
async function explorerRoundTrip(graph: Handler, opts: { scp?: string; answer?: (state: string) => string; permissions?: string[] } = {}): Promise<RoundTrip> {
  await signInWith(graph, { route: '#/explorer' });
  const navigations = captureNavigation();
  await signInExplorer(opts.permissions);
  const first = pending();
  // back from Graph Explorer's authorize request
  reloadAt(opts.answer ? opts.answer(String(first.state)) : `/?code=explorer-code-xyz&state=${String(first.state)}&iss=${encodeURIComponent(`${ORIGIN}/${TENANT_ID}/v2.0`)}`);
  await start();
  const second = pending();
  // back from the portal's silent sign-in
  reloadAt(`/?code=portal-code-2&state=${String(second.state)}`);
  const calls = mockFetch((call) => {
    if (call.method === 'POST' && call.url.pathname === '/organizations/oauth2/v2.0/token') {
      const f = form(call);
      if (f.client_id === CLIENT_ID) {
        return json({
          token_type: 'Bearer', access_token: accessToken(2), refresh_token: 'RT-portal-2', expires_in: 3600,
          id_token: jwt({ aud: CLIENT_ID, nonce: second.nonce, tid: TENANT_ID, preferred_username: UPN, name: 'Admin', oid: 'u1' }),
        });
      }
      if (f.client_id === EXPLORER_CLIENT_ID) {
        const scp = opts.scp ?? 'User.Read';
        return json({
          token_type: 'Bearer', access_token: explorerToken(scp), refresh_token: EXPLORER_RT, expires_in: 3600,
          scope: `${scp.split(' ').map((s) => `https://graph.microsoft.com/${s}`).join(' ')} openid profile offline_access`,
          id_token: jwt({ aud: EXPLORER_CLIENT_ID, nonce: first.nonce, tid: TENANT_ID, preferred_username: UPN, name: 'Admin', oid: 'u1' }),
        });
      }
    }
    return graph(call);
  });
  await start();
  return { calls, navigations };
}

const tenant: TenantInfo = {
  account: { tenantId: TENANT_ID, username: UPN, name: 'Admin', objectId: 'u1' },
  organization: undefined,
  organizationError: undefined,
  tenantName: 'Demo Tenant',
  tenantId: TENANT_ID,
  reloadOrganization: () => {},
};

function renderExplorer() {
  return render(
    <FluentProvider theme={webLightTheme}>
      <TenantContext.Provider value={tenant}><ExplorerPage /></TenantContext.Provider>
    </FluentProvider>,
  );
}

/**
 * The open drawer, by its title. Under happy-dom, Fluent's focus manager (tabster) marks the open
 * drawer itself aria-hidden, which Chromium does not (see findDialog in portal.test.tsx), and may do
 * so again when its content changes: `inside` drops the attribute before each query.
 */
async function findDrawer(title: string): Promise<{ drawer: HTMLElement; inside: (el?: HTMLElement) => ReturnType<typeof within> }> {
  const heading = await screen.findByText(title, { selector: 'h2' });
  const drawer = heading.closest<HTMLElement>('[role="dialog"]')!;
  const inside = (el: HTMLElement = drawer) => {
    drawer.removeAttribute('aria-hidden');
    return within(el);
  };
  inside();
  return { drawer, inside };
}

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

describe('request helpers', () => {
  it('take a relative or absolute URL of this origin only', () => {
    expect(resolveRequestUrl('/v1.0/me', ORIGIN)).toEqual({ url: new URL(`${ORIGIN}/v1.0/me`) });
    expect(resolveRequestUrl('v1.0/me?$select=id', ORIGIN)).toEqual({ url: new URL(`${ORIGIN}/v1.0/me?$select=id`) });
    expect(resolveRequestUrl(`${ORIGIN}/beta/auditLogs/signIns?$top=5`, ORIGIN)).toEqual({ url: new URL(`${ORIGIN}/beta/auditLogs/signIns?$top=5`) });
    for (const other of ['https://graph.microsoft.com/v1.0/me', '//evil.test/v1.0/me', 'http://portal.test/v1.0/me', 'javascript:alert(1)']) {
      expect(resolveRequestUrl(other, ORIGIN)).toHaveProperty('problem');
    }
    expect(resolveRequestUrl('  ', ORIGIN)).toEqual({ problem: 'Enter a request URL.' });
  });

  it('read and switch the Graph version of a URL', () => {
    expect(versionOf(`${ORIGIN}/v1.0/me`)).toBe('v1.0');
    expect(versionOf('/beta/me')).toBe('beta');
    expect(versionOf('/organizations/oauth2/v2.0/token')).toBeNull();
    expect(withVersion(`${ORIGIN}/v1.0/auditLogs/signIns?$top=5`, 'beta')).toBe(`${ORIGIN}/beta/auditLogs/signIns?$top=5`);
    expect(withVersion('beta/me', 'v1.0')).toBe('v1.0/me');
    expect(withVersion(`${ORIGIN}/me`, 'beta')).toBe(`${ORIGIN}/beta/me`);
  });

  it('pretty-print JSON and leave anything else as it came', () => {
    expect(formatBody('{"a":[1,2]}', 'application/json; charset=utf-8')).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true });
    expect(formatBody('{not json', 'application/json')).toEqual({ text: '{not json', json: false });
    expect(formatBody('<html>x</html>', 'text/html')).toEqual({ text: '<html>x</html>', json: false });
  });
});

describe('Graph Explorer sign-in', () => {
  it('redirects to /authorize as Graph Explorer with PKCE, remembering the flow and #/explorer, tokens untouched', async () => {
    await signInWith(() => undefined, { route: '#/explorer' });
    const navigations = captureNavigation();
    const user = userEvent.setup();
    renderExplorer();
    await user.click(screen.getByRole('button', { name: 'Sign in to Graph Explorer' }));
    await waitFor(() => expect(navigations).toHaveLength(1));
    const url = new URL(navigations[0]!, ORIGIN);
    expect(url.origin).toBe(ORIGIN);
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    const q = Object.fromEntries(url.searchParams);
    const p = pending();
    expect(q).toEqual({
      client_id: EXPLORER_CLIENT_ID, response_type: 'code', redirect_uri: `${ORIGIN}/`, response_mode: 'query',
      scope: 'openid profile offline_access User.Read', state: p.state, nonce: p.nonce,
      code_challenge: await pkceChallenge(String(p.verifier)), code_challenge_method: 'S256',
    });
    expect(p).toMatchObject({ flow: 'explorer', route: '#/explorer', scope: 'openid profile offline_access User.Read' });
    expect(String(p.verifier).length).toBeGreaterThanOrEqual(43);
    expect(storageDump()).not.toMatch(/eyJ|RT-portal/);
  });

  it('comes back through the portal\'s silent sign-in, redeems both codes, and keeps every token in memory only', async () => {
    const { calls, navigations } = await explorerRoundTrip(() => undefined);
    // 1: Graph Explorer's authorize request; 2: the portal's silent one, carrying Graph Explorer's code
    expect(navigations).toHaveLength(2);
    const silent = new URL(navigations[1]!, ORIGIN).searchParams;
    expect(silent.get('client_id')).toBe(CLIENT_ID);
    expect(silent.get('prompt')).toBe('none');

    const tokenCalls = calls.filter((c) => c.url.pathname === '/organizations/oauth2/v2.0/token').map(form);
    expect(tokenCalls).toHaveLength(2);
    expect(tokenCalls[0]).toMatchObject({ client_id: CLIENT_ID, code: 'portal-code-2', grant_type: 'authorization_code' });
    const first = new URL(navigations[0]!, ORIGIN).searchParams;
    expect(tokenCalls[1]).toMatchObject({
      grant_type: 'authorization_code', client_id: EXPLORER_CLIENT_ID, code: 'explorer-code-xyz', redirect_uri: `${ORIGIN}/`,
      scope: 'openid profile offline_access User.Read',
    });
    // the verifier redeemed is the one whose challenge went to /authorize
    expect(await pkceChallenge(tokenCalls[1]!.code_verifier!)).toBe(first.get('code_challenge'));

    expect(getAuthState()).toMatchObject({ status: 'signedIn', account: { username: UPN } });
    expect(getExplorerState()).toEqual({ status: 'signedIn', account: { tenantId: TENANT_ID, username: UPN, name: 'Admin', objectId: 'u1' }, scopes: ['User.Read'] });
    expect(window.location.hash).toBe('#/explorer');
    expect(window.location.search).toBe('');
    // nothing left in storage: no token, no refresh token, no code
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
    expect(storageDump()).not.toMatch(/eyJ|RT-explorer|RT-portal|explorer-code|portal-code/);
    expect(localStorage.length).toBe(0);
  });

  it('while the portal signs in again, only the code (with its verifier) waits in the pending entry', async () => {
    await signInWith(() => undefined, { route: '#/explorer' });
    captureNavigation();
    await signInExplorer();
    const first = pending();
    reloadAt(`/?code=explorer-code-xyz&state=${String(first.state)}`);
    await start();
    const second = pending();
    expect(Object.keys(second).sort()).toEqual(['carry', 'nonce', 'route', 'state', 'verifier']);
    expect(second.carry).toEqual({ kind: 'code', code: 'explorer-code-xyz', verifier: first.verifier, nonce: first.nonce, scope: 'openid profile offline_access User.Read' });
    expect(second.route).toBe('#/explorer');
    expect(window.location.search).toBe('');
    expect(storageDump()).not.toMatch(/eyJ/);
  });

  it('a declined consent (error=access_denied) is shown on the explorer', async () => {
    await explorerRoundTrip(() => undefined, {
      answer: (state) => `/?error=access_denied&error_description=${encodeURIComponent('AADSTS65004: User declined to consent to access the app.')}&state=${state}`,
    });
    expect(getAuthState().status).toBe('signedIn');
    expect(getExplorerState()).toEqual({ status: 'signedOut', error: { error: 'access_denied', description: 'AADSTS65004: User declined to consent to access the app.' } });
    renderExplorer();
    expect(screen.getByText('Graph Explorer could not sign in.')).toBeTruthy();
    expect(screen.getByText('access_denied')).toBeTruthy();
    expect(screen.getByText(/AADSTS65004: User declined to consent to access the app\./)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in to Graph Explorer' })).toBeTruthy();
  });
});

describe('requests', () => {
  it('sends the method, URL, headers and body with Graph Explorer\'s token, and shows the response as it came', async () => {
    const graph = (call: Call) => (call.url.pathname === '/v1.0/applications' && call.method === 'POST'
      ? new Response('{"id":"a1","displayName":"Made here"}', { status: 201, headers: { 'content-type': 'application/json', 'request-id': 'req-42', location: `${ORIGIN}/v1.0/applications/a1` } })
      : undefined);
    const { calls } = await explorerRoundTrip(graph);
    const user = userEvent.setup();
    renderExplorer();
    expect(screen.getByText(/Signed in to Graph Explorer as/)).toBeTruthy();
    const urlInput = screen.getByLabelText('Request URL');
    expect(urlInput).toHaveProperty('value', `${ORIGIN}/v1.0/me`);
    expect(screen.queryByLabelText('Request body')).toBeNull();

    await user.selectOptions(screen.getByLabelText('HTTP method'), 'POST');
    await user.clear(urlInput);
    await user.type(urlInput, '/v1.0/applications');
    await user.type(screen.getByLabelText('Header 1 name'), 'x-custom');
    await user.type(screen.getByLabelText('Header 1 value'), 'yes');
    await user.click(screen.getByLabelText('Request body'));
    await user.paste('{"displayName": "Made here"}');
    await user.click(screen.getByRole('button', { name: 'Run query' }));

    const response = await screen.findByRole('region', { name: 'Response' });
    const sent = calls.filter((c) => c.url.pathname === '/v1.0/applications');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.url.href).toBe(`${ORIGIN}/v1.0/applications`);
    expect(sent[0]!.headers).toEqual({ authorization: `Bearer ${explorerToken('User.Read')}`, 'x-custom': 'yes', 'content-type': 'application/json' });
    expect(sent[0]!.body).toBe('{"displayName": "Made here"}');

    expect(within(response).getByText('201 Created')).toBeTruthy();
    expect(within(response).getByText(/^Elapsed \d+ ms$/)).toBeTruthy();
    expect(within(response).getByLabelText('Response body').textContent).toBe('{\n  "id": "a1",\n  "displayName": "Made here"\n}');
    const headers = within(response).getByRole('table', { name: 'Response headers' });
    expect(within(headers).getByText('request-id')).toBeTruthy();
    expect(within(headers).getByText('req-42')).toBeTruthy();
    expect(within(headers).getByText(`${ORIGIN}/v1.0/applications/a1`)).toBeTruthy();
    expect(storageDump()).not.toMatch(/eyJ|RT-explorer/);
    expect(errors).toEqual([]);
  });

  it("shows Graph's 403 as-is, and a body that is not JSON as it came", async () => {
    const denied = {
      error: {
        code: 'Authentication_RequestFromUnsupportedUserRole',
        message: 'User is not in the allowed roles',
        innerError: { date: '2025-06-10T12:00:00', 'request-id': 'r-9', 'client-request-id': 'c-9' },
      },
    };
    await explorerRoundTrip((call) => {
      if (call.url.pathname === '/v1.0/auditLogs/signIns') return json(denied, 403);
      if (call.url.pathname === '/beta/plain') return new Response('  plain text, not JSON\n', { status: 500, headers: { 'content-type': 'text/plain' } });
      return undefined;
    });
    const user = userEvent.setup();
    renderExplorer();
    await user.selectOptions(screen.getByLabelText('Sample queries'), 'GET v1.0/auditLogs/signIns?$top=5');
    expect(screen.getByLabelText('Request URL')).toHaveProperty('value', `${ORIGIN}/v1.0/auditLogs/signIns?$top=5`);
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    let response = await screen.findByRole('region', { name: 'Response' });
    expect(within(response).getByText('403 Forbidden')).toBeTruthy();
    expect(within(response).getByLabelText('Response body').textContent).toBe(JSON.stringify(denied, null, 2));

    await user.clear(screen.getByLabelText('Request URL'));
    await user.type(screen.getByLabelText('Request URL'), 'beta/plain');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    await waitFor(() => expect(screen.getByText('500 Internal Server Error')).toBeTruthy());
    response = screen.getByRole('region', { name: 'Response' });
    expect(within(response).getByLabelText('Response body').textContent).toBe('  plain text, not JSON\n');
  });

  it('refuses another origin with a visible error, and sends nothing', async () => {
    const { calls } = await explorerRoundTrip(() => undefined);
    const before = calls.length;
    const user = userEvent.setup();
    renderExplorer();
    await user.clear(screen.getByLabelText('Request URL'));
    await user.type(screen.getByLabelText('Request URL'), 'https://graph.microsoft.com/v1.0/me');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    expect(await screen.findByText(/Requests can only be sent to this server \(https:\/\/portal\.test\), not to https:\/\/graph\.microsoft\.com/)).toBeTruthy();
    expect(calls.length).toBe(before);
    expect(screen.queryByRole('region', { name: 'Response' })).toBeNull();
  });

  it("keeps an Authorization header typed by the user, and 'Use portal token' sends the portal's token", async () => {
    const { calls } = await explorerRoundTrip((call) => (call.url.pathname === '/v1.0/me' ? json({ id: 'u1' }) : undefined));
    const user = userEvent.setup();
    renderExplorer();
    const me = () => calls.filter((c) => c.url.pathname === '/v1.0/me');

    await user.click(screen.getByRole('switch', { name: 'Use portal token' }));
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    await waitFor(() => expect(me()).toHaveLength(1));
    expect(me()[0]!.headers.authorization).toBe(`Bearer ${accessToken(2)}`);

    await user.type(screen.getByLabelText('Header 1 name'), 'Authorization');
    await user.type(screen.getByLabelText('Header 1 value'), 'Bearer typed-by-me');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    await waitFor(() => expect(me()).toHaveLength(2));
    expect(header(me()[1]!, 'authorization')).toBe('Bearer typed-by-me');
    expect(Object.keys(me()[1]!.headers).filter((k) => k.toLowerCase() === 'authorization')).toHaveLength(1);
    expect(me()[1]!.method).toBe('GET');
    expect(me()[1]!.body).toBeNull();
  });

  it('without Graph Explorer signed in, a request goes without a token (the 401 is shown as-is)', async () => {
    const calls = await signInWith((call) => (call.url.pathname === '/v1.0/me'
      ? graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.')
      : undefined), { route: '#/explorer' });
    const user = userEvent.setup();
    renderExplorer();
    expect(screen.getByText('Graph Explorer is not signed in: requests are sent without an access token.')).toBeTruthy();
    await user.selectOptions(screen.getByLabelText('Version'), 'beta');
    expect(screen.getByLabelText('Request URL')).toHaveProperty('value', `${ORIGIN}/beta/me`);
    await user.selectOptions(screen.getByLabelText('Version'), 'v1.0');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    expect(await screen.findByText('401 Unauthorized')).toBeTruthy();
    const me = calls.filter((c) => c.url.pathname === '/v1.0/me');
    expect(me).toHaveLength(1);
    expect(me[0]!.headers.authorization).toBeUndefined();
    expect(screen.getByLabelText('Response body').textContent).toContain('"code": "InvalidAuthenticationToken"');
  });
});

describe('Modify permissions', () => {
  it("lists Microsoft Graph's delegated permissions with their consent in Graph Explorer's token; Consent signs in again asking for it too", async () => {
    const { calls } = await explorerRoundTrip((call) => (call.url.pathname === '/v1.0/servicePrincipals' ? json({ value: [graphSp] }) : undefined));
    const navigations = captureNavigation();
    const user = userEvent.setup();
    renderExplorer();
    await user.click(screen.getByRole('button', { name: 'Modify permissions' }));
    const { inside } = await findDrawer('Modify permissions');
    const table = await inside().findByRole('table', { name: 'Microsoft Graph permissions' });
    // found with the portal's token, by appId
    const lookup = calls.find((c) => c.url.pathname === '/v1.0/servicePrincipals')!;
    expect(lookup.url.searchParams.get('$filter')).toBe(`appId eq '${GRAPH}'`);
    expect(lookup.headers.authorization).toBe(`Bearer ${accessToken(2)}`);

    const row = (v: string) => inside(table).getByRole('row', { name: v });
    expect(within(row('User.Read')).getByText('Consented')).toBeTruthy();
    expect(within(row('User.Read')).getByRole('button', { name: 'Consent to User.Read' })).toHaveProperty('disabled', true);
    expect(within(row('AuditLog.Read.All')).getByText('Not consented')).toBeTruthy();
    expect(within(row('AuditLog.Read.All')).getByText('Yes')).toBeTruthy();
    // OpenID Connect scopes are not Graph permissions to consent to here
    expect(inside(table).queryByRole('row', { name: 'openid' })).toBeNull();

    await user.type(inside().getByRole('searchbox', { name: 'Search permissions' }), 'audit');
    expect(inside(table).getAllByRole('row')).toHaveLength(2);
    await user.click(within(row('AuditLog.Read.All')).getByRole('button', { name: 'Consent to AuditLog.Read.All' }));
    await waitFor(() => expect(navigations).toHaveLength(1));
    const q = new URL(navigations[0]!, ORIGIN).searchParams;
    expect(q.get('client_id')).toBe(EXPLORER_CLIENT_ID);
    // the permissions the token has are asked again, so the new token keeps them
    expect(q.get('scope')).toBe('openid profile offline_access User.Read AuditLog.Read.All');
    expect(pending()).toMatchObject({ flow: 'explorer', route: '#/explorer', scope: 'openid profile offline_access User.Read AuditLog.Read.All' });
  });

  it('before any sign-in, Consent asks for just that permission', async () => {
    await signInWith((call) => (call.url.pathname === '/v1.0/servicePrincipals' ? json({ value: [graphSp] }) : undefined), { route: '#/explorer' });
    const navigations = captureNavigation();
    const user = userEvent.setup();
    renderExplorer();
    await user.click(screen.getByRole('button', { name: 'Modify permissions' }));
    const { inside } = await findDrawer('Modify permissions');
    const table = await inside().findByRole('table', { name: 'Microsoft Graph permissions' });
    expect(inside(table).getAllByText('Not consented')).toHaveLength(3);
    await user.click(inside(table).getByRole('button', { name: 'Consent to Directory.Read.All' }));
    await waitFor(() => expect(navigations).toHaveLength(1));
    expect(new URL(navigations[0]!, ORIGIN).searchParams.get('scope')).toBe('openid profile offline_access Directory.Read.All');
  });
});

describe('sign-out', () => {
  it("Sign out of Graph Explorer forgets its tokens only", async () => {
    await explorerRoundTrip(() => undefined);
    const user = userEvent.setup();
    renderExplorer();
    await user.click(screen.getByRole('button', { name: 'Sign out of Graph Explorer' }));
    expect(getExplorerState()).toEqual({ status: 'signedOut' });
    expect(getAuthState().status).toBe('signedIn');
    await act(async () => {});
    expect(screen.getByRole('button', { name: 'Sign in to Graph Explorer' })).toBeTruthy();
  });
});
