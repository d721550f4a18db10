// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, SCOPE, getAccessToken, getAuthState, pkceChallenge, signIn, signOut, start } from '../../web/src/auth';
import { graphList, graphRequest, GraphError } from '../../web/src/graph';
import {
  ORIGIN, PENDING_KEY, SILENT_KEY, TENANT_ID, UPN, accessToken, captureNavigation, form, graphError, json, jwt, mockFetch, resetBrowser, signInWith,
} from './helpers';

/**
 * The portal's sign-in (authorization code + PKCE against Tenantry's own identity service), token
 * handling (memory only, refresh with rotation) and Graph calls (same origin, error envelope, paging).
 */

let navigations: string[];
beforeEach(() => {
  resetBrowser('/');
  navigations = captureNavigation();
});
afterEach(() => resetBrowser('/'));

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

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('page load without tokens', () => {
  it('tries one silent sign-in: authorize with prompt=none, PKCE S256, and only the pending sign-in in sessionStorage', async () => {
    window.history.replaceState(null, '', '/#/apps');
    const calls = mockFetch(() => undefined);
    await start();
    expect(calls).toHaveLength(0);
    expect(navigations).toHaveLength(1);
    const url = new URL(navigations[0]!, ORIGIN);
    expect(url.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      client_id: CLIENT_ID, response_type: 'code', redirect_uri: `${ORIGIN}/`, response_mode: 'query', scope: SCOPE,
      code_challenge_method: 'S256', prompt: 'none',
    });
    expect(SCOPE).toBe('https://graph.microsoft.com/.default openid profile offline_access');
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY)!) as Record<string, string>;
    expect(Object.keys(pending).sort()).toEqual(['nonce', 'route', 'state', 'verifier']);
    expect(pending.state).toBe(q.state);
    expect(pending.nonce).toBe(q.nonce);
    expect(pending.route).toBe('#/apps');
    expect(pending.verifier!.length).toBeGreaterThanOrEqual(43);
    expect(q.code_challenge).toBe(await pkceChallenge(pending.verifier!));
    expect(q.state).not.toBe(q.nonce);
    // the pending sign-in and the loop guard: nothing else
    expect(Object.keys({ ...sessionStorage }).sort()).toEqual([PENDING_KEY, SILENT_KEY].sort());
    expect(localStorage.length).toBe(0);
    expect(getAuthState().status).toBe('redirecting');
  });

  it('login_required after the silent attempt shows the sign-in page, and a reload does not try again', async () => {
    await start();
    expect(navigations).toHaveLength(1);
    const state = new URL(navigations[0]!, ORIGIN).searchParams.get('state');
    resetBrowser(`/?error=login_required&error_description=AADSTS50058&state=${state}`);
    // the sessionStorage of the tab survives the redirect: put back what the first load left
    sessionStorage.setItem(SILENT_KEY, '1');
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, nonce: 'n', verifier: 'v'.repeat(43), route: '#/apps' }));
    navigations = captureNavigation();
    await start();
    expect(getAuthState()).toEqual({ status: 'signedOut' });
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/apps');
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
    // reload: no second silent attempt
    window.history.replaceState(null, '', '/#/apps');
    await start();
    expect(navigations).toHaveLength(0);
    expect(getAuthState()).toEqual({ status: 'signedOut' });
  });

  it('the Sign in button redirects without prompt=none', async () => {
    sessionStorage.setItem(SILENT_KEY, '1');
    await start();
    await signIn({ route: '#/licenses' });
    expect(navigations).toHaveLength(1);
    const q = new URL(navigations[0]!, ORIGIN).searchParams;
    expect(q.get('prompt')).toBeNull();
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(JSON.parse(sessionStorage.getItem(PENDING_KEY)!).route).toBe('#/licenses');
  });

  it('other errors from the authorization endpoint are shown', async () => {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state: 's1', nonce: 'n', verifier: 'v'.repeat(43), route: '' }));
    window.history.replaceState(null, '', '/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.&state=s1');
    await start();
    expect(getAuthState()).toEqual({ status: 'signedOut', error: { error: 'access_denied', description: 'AADSTS65004: User declined to consent.' } });
  });
});

describe('the redirect back with a code', () => {
  it('redeems the code with the verifier, keeps the tokens in memory only and restores the route', async () => {
    const calls = await signInWith(() => undefined, { route: '#/apps' });
    expect(calls).toHaveLength(1);
    const c = calls[0]!;
    expect(c.method).toBe('POST');
    expect(c.url.pathname).toBe('/organizations/oauth2/v2.0/token');
    expect(c.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(c)).toEqual({
      grant_type: 'authorization_code', client_id: CLIENT_ID, code: 'the-code', redirect_uri: `${ORIGIN}/`, code_verifier: 'v'.repeat(43), scope: SCOPE,
    });
    expect(getAuthState()).toEqual({ status: 'signedIn', account: { tenantId: TENANT_ID, username: UPN, name: 'Admin', objectId: 'u1' } });
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/apps');
    expect(storageDump()).not.toMatch(/eyJ|RT-portal|the-code/);
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
    expect(sessionStorage.getItem(SILENT_KEY)).toBeNull();
    expect(await getAccessToken()).toBe(accessToken(1));
  });

  it('a state that does not match is refused without calling the token endpoint', async () => {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state: 'mine', nonce: 'n', verifier: 'v'.repeat(43), route: '' }));
    window.history.replaceState(null, '', '/?code=c&state=theirs');
    const calls = mockFetch(() => json({}));
    await start();
    expect(calls).toHaveLength(0);
    const s = getAuthState();
    expect(s.status).toBe('signedOut');
    expect(s.status === 'signedOut' && s.error?.error).toBe('state_mismatch');
    expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
  });

  it('a code without any pending sign-in is refused', async () => {
    window.history.replaceState(null, '', '/?code=c&state=s');
    const calls = mockFetch(() => json({}));
    await start();
    expect(calls).toHaveLength(0);
    const s = getAuthState();
    expect(s.status === 'signedOut' && s.error?.error).toBe('state_mismatch');
  });

  it.each([
    ['nonce', { aud: CLIENT_ID, nonce: 'other' }, 'nonce_mismatch'],
    ['audience', { aud: 'someone-else', nonce: 'no' }, 'audience_mismatch'],
  ])('an ID token with the wrong %s is refused', async (_what, claims, code) => {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state: 'st', nonce: 'no', verifier: 'v'.repeat(43), route: '' }));
    window.history.replaceState(null, '', '/?code=c&state=st');
    mockFetch(() => json({ access_token: accessToken(1), refresh_token: 'R', id_token: jwt(claims), expires_in: 3600 }));
    await start();
    const s = getAuthState();
    expect(s.status === 'signedOut' && s.error?.error).toBe(code);
    await expect(getAccessToken()).rejects.toThrow();
  });

  it("shows the token endpoint's error_description", async () => {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state: 'st', nonce: 'no', verifier: 'v'.repeat(43), route: '' }));
    window.history.replaceState(null, '', '/?code=c&state=st');
    mockFetch(() => json({ error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.', error_codes: [501481] }, 400));
    await start();
    expect(getAuthState()).toEqual({
      status: 'signedOut',
      error: { error: 'invalid_grant', description: 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.' },
    });
  });
});

describe('tokens', () => {
  it('refreshes before expiry at the tenant of the access token, using the rotated refresh token each time', async () => {
    let n = 1;
    const calls = await signInWith((call) => {
      if (call.method === 'POST' && call.url.pathname === `/${TENANT_ID}/oauth2/v2.0/token`) {
        n++;
        return json({ access_token: accessToken(n), refresh_token: `RT-portal-${n}`, expires_in: 60, scope: SCOPE });
      }
      return undefined;
    }, { expiresIn: 60 });
    expect(await getAccessToken()).toBe(accessToken(2));
    expect(await getAccessToken()).toBe(accessToken(3));
    const refreshes = calls.filter((c) => c.url.pathname === `/${TENANT_ID}/oauth2/v2.0/token`).map(form);
    expect(refreshes).toEqual([
      { grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: 'RT-portal-1', scope: SCOPE },
      { grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: 'RT-portal-2', scope: SCOPE },
    ]);
    expect(storageDump()).not.toMatch(/eyJ|RT-portal/);
  });

  it('a refused refresh signs the portal out with a notice', async () => {
    await signInWith(() => json({ error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired.' }, 400), { expiresIn: 10 });
    await expect(getAccessToken()).rejects.toThrow(/expired/);
    const s = getAuthState();
    expect(s.status).toBe('signedOut');
    expect(s.status === 'signedOut' && s.notice).toMatch(/AADSTS700082/);
  });

  it('sign-out forgets the tokens and goes to the logout endpoint of the tenant', async () => {
    await signInWith(() => undefined);
    signOut();
    await expect(getAccessToken()).rejects.toThrow();
    expect(navigations).toHaveLength(1);
    const url = new URL(navigations[0]!, ORIGIN);
    expect(url.pathname).toBe(`/${TENANT_ID}/oauth2/v2.0/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ post_logout_redirect_uri: `${ORIGIN}/`, client_id: CLIENT_ID });
  });
});

describe('Graph calls', () => {
  it('send the bearer token to this origin, refresh once on 401 and retry', async () => {
    let token = 1;
    const calls = await signInWith((call) => {
      if (call.url.pathname === `/${TENANT_ID}/oauth2/v2.0/token`) {
        token++;
        return json({ access_token: accessToken(token), refresh_token: 'RT-portal-2', expires_in: 3600 });
      }
      if (call.url.pathname === '/v1.0/organization') {
        return call.headers.authorization === `Bearer ${accessToken(1)}`
          ? graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')
          : json({ value: [{ id: TENANT_ID, displayName: 'Demo', verifiedDomains: [] }] });
      }
      return undefined;
    });
    const org = await graphRequest<{ value: unknown[] }>('GET', '/v1.0/organization');
    expect(org.value).toHaveLength(1);
    const graphCalls = calls.filter((c) => c.url.pathname === '/v1.0/organization');
    expect(graphCalls.map((c) => c.headers.authorization)).toEqual([`Bearer ${accessToken(1)}`, `Bearer ${accessToken(2)}`]);
    expect(graphCalls[0]!.url.origin).toBe(ORIGIN);
  });

  it("surface Graph's error code and message", async () => {
    await signInWith(() => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    const err = await graphRequest('GET', '/v1.0/applications').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
  });

  it('follow @odata.nextLink as it is, and never send the token to another origin', async () => {
    const calls = await signInWith((call) => {
      if (call.url.pathname !== '/v1.0/applications') return undefined;
      if (!call.url.searchParams.has('$skiptoken')) return json({ value: [{ id: 'a' }], '@odata.nextLink': `${ORIGIN}/v1.0/applications?$skiptoken=p2` });
      if (call.url.searchParams.get('$skiptoken') === 'p2') return json({ value: [{ id: 'b' }], '@odata.nextLink': 'https://evil.test/v1.0/applications?$skiptoken=p3' });
      return undefined;
    });
    await expect(graphList('/v1.0/applications')).rejects.toThrow(/evil\.test/);
    expect(calls.filter((c) => c.url.pathname === '/v1.0/applications').map((c) => c.url.href)).toEqual([
      `${ORIGIN}/v1.0/applications`,
      `${ORIGIN}/v1.0/applications?$skiptoken=p2`,
    ]);
    expect(calls.some((c) => c.url.origin !== ORIGIN)).toBe(false);
  });
});
