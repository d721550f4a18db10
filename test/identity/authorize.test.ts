import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_EXPLORER_APP_ID, PORTAL_APP_ID } from '../../src/directory/catalog.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { graph, tokenRequest, userToken } from '../helpers/api.js';
import { FormBrowser, field, formAction, pkce, redirectParams } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { signInRows } from '../helpers/signIns.js';

/**
 * The authorization-code flow with PKCE: /authorize, the sign-in and consent pages, the code at the
 * token endpoint, sign-out. Security bar §1.1–1.3 and §4.1–4.2: redirect-URI variants, code reuse
 * and races, PKCE downgrade and mismatch, missing state, CSRF on the sign-in form.
 */

const SPA_REDIRECT = 'https://spa.test/cb';
const WEB_REDIRECT = 'https://web.test/signin-oidc';
const SCOPE = 'openid profile offline_access User.Read';

let s: TestServer;
let t: CreatedTenant;
let t2: CreatedTenant;
let admin: string;
let spa: { id: string; appId: string };
let web: { id: string; appId: string; secret: string };
let other: { appId: string; secret: string };

async function register(body: Record<string, unknown>): Promise<{ id: string; appId: string }> {
  const a = await graph(s, 'POST', '/v1.0/applications', admin, body);
  expect(a.status).toBe(201);
  const sp = await graph(s, 'POST', '/v1.0/servicePrincipals', admin, { appId: a.body.appId });
  expect(sp.status).toBe(201);
  return { id: a.body.id as string, appId: a.body.appId as string };
}

function authorizeUrl(tenant: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `/${tenant}/oauth2/v2.0/authorize?${q.toString()}`;
}

function spaRequest(extra: Record<string, string | undefined> = {}) {
  const p = pkce();
  return {
    p,
    url: authorizeUrl(t.tenantId, {
      client_id: spa.appId, response_type: 'code', redirect_uri: SPA_REDIRECT, scope: SCOPE, state: 'st-1', nonce: 'n-1',
      code_challenge: p.challenge, code_challenge_method: 'S256', ...extra,
    }),
  };
}

/** Signs in on the page (and accepts consent if asked); returns the final redirect. */
async function signIn(b: FormBrowser, url: string, upn: string, password: string, opts: { forOrg?: boolean } = {}): Promise<string> {
  let page = await b.get(url);
  if (page.location) return page.location;
  expect(page.status).toBe(200);
  page = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: upn, passwd: password });
  if (page.status === 200 && page.html.includes('Permissions requested')) {
    page = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), decision: 'accept', ...(opts.forOrg ? { for_org: 'on' } : {}) });
  }
  if (!page.location) throw new Error(`no redirect: ${page.status} ${page.html.slice(0, 600)}`);
  return page.location;
}

async function freshCode(extra: Record<string, string | undefined> = {}): Promise<{ code: string; verifier: string }> {
  const b = new FormBrowser(s);
  const { p, url } = spaRequest(extra);
  const loc = await signIn(b, url, t.admin.userPrincipalName, t.admin.password);
  const code = redirectParams(loc).get('code');
  if (!code) throw new Error(`no code: ${loc}`);
  return { code, verifier: p.verifier };
}

const redeem = (form: Record<string, string>, tenant = t.tenantId) =>
  tokenRequest(s, tenant, { grant_type: 'authorization_code', client_id: spa.appId, redirect_uri: SPA_REDIRECT, scope: SCOPE, ...form });

beforeAll(async () => {
  s = await startServer({ listen: false });
  t = await s.tenant();
  t2 = await s.tenant();
  admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
  spa = await register({ displayName: 'Single page app', signInAudience: 'AzureADMyOrg', spa: { redirectUris: [SPA_REDIRECT, 'https://spa.test/other'] } });
  const w = await register({ displayName: 'Web app', signInAudience: 'AzureADMyOrg', web: { redirectUris: [WEB_REDIRECT] } });
  const pw = await graph(s, 'POST', `/v1.0/applications/${w.id}/addPassword`, admin, { passwordCredential: { displayName: 'k' } });
  web = { ...w, secret: pw.body.secretText as string };
  const o = await register({ displayName: 'Other', signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://other.test/cb'] } });
  const opw = await graph(s, 'POST', `/v1.0/applications/${o.id}/addPassword`, admin, { passwordCredential: { displayName: 'k' } });
  other = { appId: o.appId, secret: opw.body.secretText as string };
});

afterAll(async () => s?.close());

describe('the sign-in page and consent', () => {
  it('walks authorize → sign-in → consent → code → tokens, recording an interactive sign-in and the consent', async () => {
    const b = new FormBrowser(s);
    const { p, url } = spaRequest();
    const login = await b.get(url);
    expect(login.status).toBe(200);
    expect(login.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(login.headers['referrer-policy']).toBe('no-referrer');
    expect(login.headers['cache-control']).toContain('no-store');
    expect(login.html).toContain('Single page app');
    const consent = await b.post(formAction(login.html), { ctx: field(login.html, 'ctx'), csrf: field(login.html, 'csrf'), login: t.admin.userPrincipalName, passwd: t.admin.password });
    expect(consent.status).toBe(200);
    expect(consent.html).toContain('Sign in and read user profile');
    expect(consent.html).toContain('Consent on behalf of your organization'); // a Global Administrator may
    const done = await b.post(formAction(consent.html), { ctx: field(consent.html, 'ctx'), csrf: field(consent.html, 'csrf'), decision: 'accept' });
    expect(done.status).toBe(303);
    const back = redirectParams(done.location!);
    expect(done.location!.startsWith(`${SPA_REDIRECT}?`)).toBe(true);
    expect(back.get('state')).toBe('st-1');
    expect(back.get('iss')).toBe(`${s.baseUrl}/${t.tenantId}/v2.0`);
    const code = back.get('code')!;
    expect(code.length).toBeGreaterThanOrEqual(43);

    const r = await redeem({ code, code_verifier: p.verifier });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toContain('no-store');
    expect(r.body.refresh_token).toBeTypeOf('string');
    const id = decodeJwt(r.body.id_token as string);
    expect(id.nonce).toBe('n-1');
    expect(id.aud).toBe(spa.appId);
    const at = decodeJwt(r.body.access_token as string);
    expect(at.scp).toBe('User.Read');
    expect(at.appidacr).toBe('0');

    const rows = (await signInRows(s.testStore.store, { tenantId: t.tenantId })).filter((x) => x.app_id === spa.appId && x.error_code === 0);
    expect(rows).toHaveLength(1); // the interactive step; redeeming the code adds no second success
    expect(rows[0]).toMatchObject({ event_type: 'interactiveUser', client_app_used: 'Browser', user_principal_name: t.admin.userPrincipalName, ip_address: '203.0.113.77' });
    const detail = JSON.parse(rows[0]!.details) as { deviceDetail: { browser: string; operatingSystem: string }; isInteractive: boolean; resourceDisplayName: string };
    expect(detail.deviceDetail.browser).toMatch(/^Edge/);
    expect(detail.deviceDetail.operatingSystem).toBe('Windows10');
    expect(detail.isInteractive).toBe(true);
    expect(detail.resourceDisplayName).toBe('Microsoft Graph');

    const audits = await graph<{ value: { activityDisplayName: string }[] }>(s, 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Consent to application'")}`, admin);
    expect(audits.body.value.length).toBe(1);
    // the same user again: single sign-on and consent already given → straight back with a code
    const again = await b.get(spaRequest().url);
    expect(again.status).toBe(302);
    expect(redirectParams(again.location!).get('code')).toBeTruthy();
  });

  it('a wrong password re-shows the page with one message for every cause, and each failure is recorded', async () => {
    const b = new FormBrowser(s);
    const messages: string[] = [];
    for (const [login, passwd] of [[t.admin.userPrincipalName, 'wrong-Passw0rd'], [`nobody@${t.domain}`, 'whatever-1A'], ['someone@unknown-domain.test', 'x']] as const) {
      const page = await b.get(spaRequest().url);
      const r = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login, passwd });
      expect(r.status).toBe(200);
      expect(r.location).toBeUndefined();
      messages.push(/<div class="err"[^>]*>([^<]*)</.exec(r.html)![1]!);
    }
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toContain('Your account or password is incorrect');
    const failed = (await signInRows(s.testStore.store, { tenantId: t.tenantId })).filter((x) => x.app_id === spa.appId && x.error_code !== 0);
    expect(failed.map((x) => x.error_code)).toEqual(expect.arrayContaining([50126, 50034]));
    expect(failed.every((x) => x.event_type === 'interactiveUser' && x.client_app_used === 'Browser')).toBe(true);
  });

  it('a user without an admin role cannot grant admin-only permissions: "Need admin approval"', async () => {
    const u = await graph(s, 'POST', '/v1.0/users', admin, {
      accountEnabled: true, displayName: 'Plain User', mailNickname: 'plain', userPrincipalName: `plain@${t.domain}`,
      passwordProfile: { password: 'Us3r!Passw0rd', forceChangePasswordNextSignIn: false },
    });
    expect(u.status).toBe(201);
    const b = new FormBrowser(s);
    const { url } = spaRequest({ scope: 'openid AuditLog.Read.All' });
    const page = await b.get(url);
    const r = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: `plain@${t.domain}`, passwd: 'Us3r!Passw0rd' });
    expect(r.status).toBe(403);
    expect(r.html).toContain('Need admin approval');
    expect(r.html).toContain('AADSTS90094');
    expect(r.location).toBeUndefined();
    // the way back tells the app the user could not consent
    const back = /<a href="([^"]+)" id="back">/.exec(r.html)![1]!.replace(/&amp;/g, '&');
    expect(back.startsWith(`${SPA_REDIRECT}?`)).toBe(true);
    expect(redirectParams(back).get('error')).toBe('access_denied');
    expect(redirectParams(back).get('state')).toBe('st-1');
  });

  it('"Consent on behalf of your organization" grants everything asked, whatever the admin held personally; repeated posts add nothing twice', async () => {
    const app = await register({ displayName: 'Org consent', signInAudience: 'AzureADMyOrg', spa: { redirectUris: ['https://org.test/cb'] } });
    const ask = (scope: string) => {
      const p = pkce();
      return authorizeUrl(t.tenantId, { client_id: app.appId, response_type: 'code', redirect_uri: 'https://org.test/cb', scope, state: 'o', code_challenge: p.challenge, code_challenge_method: 'S256' });
    };
    const b = new FormBrowser(s);
    // personally first (box not ticked)
    await signIn(b, ask('openid AuditLog.Read.All'), t.admin.userPrincipalName, t.admin.password);
    // then for the organisation, asking for both: the page lists both, and the grant covers both
    const page = await b.get(ask('openid AuditLog.Read.All Directory.Read.All'));
    expect(page.html).toContain('(Microsoft Graph: AuditLog.Read.All)');
    const ctx = field(page.html, 'ctx');
    const csrf = field(page.html, 'csrf');
    // a double click (five posts at once) records one consent
    const posts = await Promise.all(Array.from({ length: 5 }, () => b.post(formAction(page.html), { ctx, csrf, decision: 'accept', for_org: 'on' })));
    expect(posts.every((r) => r.status === 303)).toBe(true);
    const grants = await graph<{ value: { consentType: string; scope: string; clientId: string }[] }>(s, 'GET', '/v1.0/oauth2PermissionGrants', admin);
    const sp = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${app.appId}'`)}`, admin);
    const mine = grants.body.value.filter((g) => g.clientId === sp.body.value[0]!.id);
    expect(mine.filter((g) => g.consentType === 'AllPrincipals').map((g) => g.scope)).toEqual(['AuditLog.Read.All Directory.Read.All']);
    expect(mine.filter((g) => g.consentType === 'Principal').map((g) => g.scope)).toEqual(['AuditLog.Read.All']);
  });

  it('declining consent sends access_denied (AADSTS65004) back to the app', async () => {
    const b = new FormBrowser(s);
    const { url } = spaRequest({ scope: 'openid Directory.Read.All' });
    const page = await b.get(url);
    const consent = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: t.admin.userPrincipalName, passwd: t.admin.password });
    expect(consent.html).toContain('Read directory data');
    const r = await b.post(formAction(consent.html), { ctx: field(consent.html, 'ctx'), csrf: field(consent.html, 'csrf'), decision: 'cancel' });
    expect(r.status).toBe(303);
    const q = redirectParams(r.location!);
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('error_description')).toMatch(/^AADSTS65004/);
    expect(q.get('state')).toBe('st-1');
  });

  it('prompt=none: login_required without a session, a code with one; prompt=login always shows the page', async () => {
    const none = await new FormBrowser(s).get(spaRequest({ prompt: 'none' }).url);
    expect(none.status).toBe(302);
    expect(redirectParams(none.location!).get('error')).toBe('login_required');
    const b = new FormBrowser(s);
    await signIn(b, spaRequest().url, t.admin.userPrincipalName, t.admin.password);
    const silent = await b.get(spaRequest({ prompt: 'none' }).url);
    expect(redirectParams(silent.location!).get('code')).toBeTruthy();
    const forced = await b.get(spaRequest({ prompt: 'login' }).url);
    expect(forced.status).toBe(200);
    expect(forced.html).toContain('name="passwd"');
  });

  it('sign-out ends the session; post_logout_redirect_uri only to a registered URI of the client', async () => {
    const b = new FormBrowser(s);
    await signIn(b, spaRequest().url, t.admin.userPrincipalName, t.admin.password);
    const evil = await b.get(`/${t.tenantId}/oauth2/v2.0/logout?client_id=${spa.appId}&post_logout_redirect_uri=${encodeURIComponent('https://evil.test/')}`);
    expect(evil.status).toBe(200);
    expect(evil.location).toBeUndefined();
    expect(evil.html).toContain('You signed out');
    expect(b.cookies.has('__Host-tenantry_session')).toBe(false);
    const next = await b.get(spaRequest({ prompt: 'none' }).url);
    expect(redirectParams(next.location!).get('error')).toBe('login_required');
    // the old cookie, replayed, is dead too
    const b2 = new FormBrowser(s);
    await signIn(b2, spaRequest().url, t.admin.userPrincipalName, t.admin.password);
    const stolen = b2.cookies.get('__Host-tenantry_session')!;
    const ok = await b2.get(`/${t.tenantId}/oauth2/v2.0/logout?client_id=${spa.appId}&post_logout_redirect_uri=${encodeURIComponent(SPA_REDIRECT)}&state=bye`);
    expect(ok.status).toBe(302);
    expect(ok.location).toBe(`${SPA_REDIRECT}?state=bye`);
    const replay = new FormBrowser(s);
    replay.cookies.set('__Host-tenantry_session', stolen);
    expect(redirectParams((await replay.get(spaRequest({ prompt: 'none' }).url)).location!).get('error')).toBe('login_required');
  });

  it('a password reset ends the user\'s browser sessions', async () => {
    const u = await graph(s, 'POST', '/v1.0/users', admin, {
      accountEnabled: true, displayName: 'Reset Me', mailNickname: 'resetme', userPrincipalName: `resetme@${t.domain}`,
      passwordProfile: { password: 'Us3r!Passw0rd', forceChangePasswordNextSignIn: false },
    });
    const b = new FormBrowser(s);
    await signIn(b, spaRequest({ scope: 'openid User.Read' }).url, `resetme@${t.domain}`, 'Us3r!Passw0rd');
    expect(redirectParams((await b.get(spaRequest({ prompt: 'none', scope: 'openid User.Read' }).url)).location!).get('code')).toBeTruthy();
    const reset = await graph(s, 'PATCH', `/v1.0/users/${u.body.id as string}`, admin, { passwordProfile: { password: 'N3w!Passw0rd', forceChangePasswordNextSignIn: false } });
    expect(reset.status).toBe(204);
    expect(redirectParams((await b.get(spaRequest({ prompt: 'none', scope: 'openid User.Read' }).url)).location!).get('error')).toBe('login_required');
  });

  it('the portal signs in on /organizations, its tenant found from the user name, with no consent step', async () => {
    const b = new FormBrowser(s);
    const p = pkce();
    const url = authorizeUrl('organizations', {
      client_id: PORTAL_APP_ID, response_type: 'code', redirect_uri: `${s.baseUrl}/`, scope: 'https://graph.microsoft.com/.default openid profile offline_access',
      state: 'p', nonce: 'pn', code_challenge: p.challenge, code_challenge_method: 'S256',
    });
    const loc = await signIn(b, url, t.admin.userPrincipalName, t.admin.password);
    expect(loc.startsWith(`${s.baseUrl}/?code=`)).toBe(true);
    const r = await tokenRequest(s, 'organizations', {
      grant_type: 'authorization_code', client_id: PORTAL_APP_ID, code: redirectParams(loc).get('code')!, redirect_uri: `${s.baseUrl}/`, code_verifier: p.verifier,
    });
    // redeemed on /organizations too: the code names its tenant, as Entra allows
    const r2 = r;
    expect(r2.status).toBe(200);
    const at = decodeJwt(r2.body.access_token as string);
    expect(at.tid).toBe(t.tenantId);
    expect(at.aud).toBe('https://graph.microsoft.com');
    const me = await graph(s, 'GET', '/v1.0/me', r2.body.access_token as string);
    expect(me.body.userPrincipalName).toBe(t.admin.userPrincipalName);
  });
});

describe('Graph Explorer (the portal\'s API explorer): consent per scope, as in Entra', () => {
  it('a scope is consented once per user, and later requests for it go straight through', async () => {
    const b = new FormBrowser(s);
    const ask = (scope: string) => {
      const p = pkce();
      return authorizeUrl(t.tenantId, {
        client_id: GRAPH_EXPLORER_APP_ID, response_type: 'code', redirect_uri: `${s.baseUrl}/`, scope, state: 'ge', code_challenge: p.challenge, code_challenge_method: 'S256',
      });
    };
    const page = await b.get(ask('openid profile Directory.Read.All'));
    const consent = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: t.admin.userPrincipalName, passwd: t.admin.password });
    expect(consent.html).toContain('Permissions requested');
    expect(consent.html).toContain('Directory.Read.All');
    const done = await b.post(formAction(consent.html), { ctx: field(consent.html, 'ctx'), csrf: field(consent.html, 'csrf'), decision: 'accept' });
    expect(redirectParams(done.location!).get('code')).toBeTruthy();
    // consented: no page this time; a new scope asks again (an administrator, who may consent for the
    // organisation, is shown all the request names)
    expect((await b.get(ask('openid Directory.Read.All'))).status).toBe(302);
    const more = await b.get(ask('openid Directory.Read.All Application.Read.All'));
    expect(more.status).toBe(200);
    expect(more.html).toContain('(Microsoft Graph: Application.Read.All)');
    expect(more.html).toContain('(Microsoft Graph: Directory.Read.All)');
    const accepted = await b.post(formAction(more.html), { ctx: field(more.html, 'ctx'), csrf: field(more.html, 'csrf'), decision: 'accept' });
    expect(redirectParams(accepted.location!).get('code')).toBeTruthy();
    // incremental consent: a token asked for one scope carries every scope the user consented to, as in Entra
    const p = pkce();
    const again = await b.get(authorizeUrl(t.tenantId, {
      client_id: GRAPH_EXPLORER_APP_ID, response_type: 'code', redirect_uri: `${s.baseUrl}/`, scope: 'openid Directory.Read.All', state: 'ge', code_challenge: p.challenge, code_challenge_method: 'S256',
    }));
    const r = await tokenRequest(s, t.tenantId, { grant_type: 'authorization_code', client_id: GRAPH_EXPLORER_APP_ID, code: redirectParams(again.location!).get('code')!, redirect_uri: `${s.baseUrl}/`, code_verifier: p.verifier });
    expect(r.status).toBe(200);
    expect(String(decodeJwt(r.body.access_token as string).scp).split(' ')).toEqual(['Application.Read.All', 'Directory.Read.All']);
  });
});

describe('authorization endpoint attacks (security bar §4.1)', () => {
  it('A2: redirect-URI look-alikes get a 400 page, never a redirect, and a failed sign-in', async () => {
    const variants = [
      `${SPA_REDIRECT}?x=1`, `${SPA_REDIRECT}/`, 'https://SPA.test/cb', 'HTTPS://spa.test/cb', 'https://spa.test/cb/../cb', 'https://spa.test/%2E%2E/cb',
      'https://spa.test/cb%252E%252E/', `${SPA_REDIRECT}#f`, 'https://spa.test.evil/cb', 'https://spa.test:443/cb', 'http://spa.test/cb', ' https://spa.test/cb',
    ];
    for (const v of variants) {
      const r = await new FormBrowser(s).get(spaRequest({ redirect_uri: v }).url);
      expect(r.status, v).toBe(400);
      expect(r.location, v).toBeUndefined();
      expect(r.html, v).toContain('AADSTS50011');
    }
    const rows = (await signInRows(s.testStore.store, { tenantId: t.tenantId })).filter((x) => x.error_code === 50011);
    expect(rows.length).toBeGreaterThanOrEqual(variants.length);
  });

  it('A3/A5/A6: unknown client, an omitted redirect URI with two registered, repeated parameters → 400 pages', async () => {
    const unknown = await new FormBrowser(s).get(spaRequest({ client_id: '11111111-2222-3333-4444-555555555555' }).url);
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('AADSTS700016');
    const omitted = await new FormBrowser(s).get(spaRequest({ redirect_uri: undefined }).url);
    expect(omitted.status).toBe(400);
    expect(omitted.html).toContain('AADSTS900144');
    const dup = await new FormBrowser(s).get(`${spaRequest().url}&client_id=${spa.appId}`);
    expect(dup.status).toBe(400);
    expect(dup.location).toBeUndefined();
    const dupRedirect = await new FormBrowser(s).get(`${spaRequest().url}&redirect_uri=${encodeURIComponent('https://evil.test/')}`);
    expect(dupRedirect.status).toBe(400);
    expect(dupRedirect.location).toBeUndefined();
  });

  it('A7–A9 and state: errors after the redirect URI is validated go back to it with state', async () => {
    const cases: [Record<string, string | undefined>, string, RegExp][] = [
      [{ response_type: 'token' }, 'unsupported_response_type', /AADSTS700054/],
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request', /AADSTS9002325/],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /S256/],
      [{ code_challenge_method: undefined }, 'invalid_request', /S256/],
      [{ code_challenge: 'short' }, 'invalid_request', /AADSTS501491/],
      [{ scope: 'openid Not.A.Scope' }, 'invalid_scope', /AADSTS70011/],
      [{ prompt: 'sometimes' }, 'invalid_request', /prompt/],
      [{ scope: 'https://graph.microsoft.com/.default https://graph.microsoft.com/User.Read' }, 'invalid_scope', /AADSTS70011/],
      [{ scope: 'User.Read https://graph.microsoft.com/.default' }, 'invalid_scope', /AADSTS70011/],
    ];
    for (const [extra, error, desc] of cases) {
      const r = await new FormBrowser(s).get(spaRequest(extra).url);
      expect(r.status, JSON.stringify(extra)).toBe(302);
      const q = redirectParams(r.location!);
      expect(q.get('error'), JSON.stringify(extra)).toBe(error);
      expect(q.get('error_description')).toMatch(desc);
      expect(q.get('state')).toBe('st-1');
      expect(q.get('iss')).toBe(`${s.baseUrl}/${t.tenantId}/v2.0`); // RFC 9207, on errors too
    }
    const noState = await new FormBrowser(s).get(spaRequest({ state: undefined }).url);
    expect(noState.status).toBe(302);
    expect(redirectParams(noState.location!).get('error')).toBe('invalid_request');
    expect(redirectParams(noState.location!).get('error_description')).toContain("'state'");
  });

  it('R6: a registered redirect URI is printable ASCII without the characters a URI never holds raw', async () => {
    for (const uri of ['https://x.test/a b', 'https://x.test/"><script>', 'https://x.test/\u00e9', 'https://x.test/\t', 'https://x.test/a#f']) {
      const r = await graph(s, 'POST', '/v1.0/applications', admin, { displayName: 'Bad redirect', web: { redirectUris: [uri] } });
      expect(r.status, uri).toBe(400);
    }
  });

  it('A4: a public client\'s loopback redirect matches on any port, nothing else does', async () => {
    const native = await register({ displayName: 'Native', signInAudience: 'AzureADMyOrg', publicClient: { redirectUris: ['http://localhost', 'http://127.0.0.1/cb'] } });
    const go = (redirect: string) => new FormBrowser(s).get(authorizeUrl(t.tenantId, {
      client_id: native.appId, response_type: 'code', redirect_uri: redirect, scope: SCOPE, state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    }));
    for (const ok of ['http://localhost:53123', 'http://localhost:53123/', 'http://127.0.0.1:5173/cb', 'http://localhost']) expect((await go(ok)).status, ok).toBe(200);
    for (const bad of ['http://localhost.evil:5173/cb', 'http://127.0.0.1:5173/cb/x', 'http://127.0.0.1:5173/cb?x=1', 'https://localhost:5173', 'http://user@localhost:1/']) {
      expect((await go(bad)).status, bad).toBe(400);
    }
  });

  it('A11 and CSRF: the sign-in form needs its own CSRF cookie and token and an untampered request', async () => {
    const b = new FormBrowser(s);
    const page = await b.get(spaRequest().url);
    const ctx = field(page.html, 'ctx');
    const csrf = field(page.html, 'csrf');
    const creds = { login: t.admin.userPrincipalName, passwd: t.admin.password };
    // an attacker's page posting into the victim's browser: the victim has no (or another) CSRF cookie
    const victim = new FormBrowser(s);
    for (const [who, fields] of [
      [victim, { ctx, csrf, ...creds }],
      [b, { ctx, csrf: 'x'.repeat(43), ...creds }],
      [b, { ctx, ...creds }],
      [b, { ctx: ctx.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')), csrf, ...creds }],
      [b, { ctx: `${ctx}x`, csrf, ...creds }],
    ] as const) {
      const r = await who.post(formAction(page.html), fields);
      expect(r.status).toBe(400);
      expect(r.location).toBeUndefined();
      expect(who.cookies.has('__Host-tenantry_session')).toBe(false);
    }
    const good = await b.post(formAction(page.html), { ctx, csrf, ...creds });
    expect([302, 303]).toContain(good.status);
    expect(good.status).not.toBe(307);
  });
});

describe('the code at the token endpoint (security bar §4.2)', () => {
  it('T2: a code redeemed twice fails with AADSTS54005 and revokes the refresh token of its first redemption', async () => {
    const { code, verifier } = await freshCode();
    const first = await redeem({ code, code_verifier: verifier });
    expect(first.status).toBe(200);
    const second = await redeem({ code, code_verifier: verifier });
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect(second.body.error_codes).toEqual([54005]);
    const refreshed = await tokenRequest(s, t.tenantId, { grant_type: 'refresh_token', client_id: spa.appId, refresh_token: first.body.refresh_token as string });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error_codes).toEqual([50173]);
  });

  it('a used code presented without its verifier is refused without revoking anything (no sign-out by a leaked code)', async () => {
    const { code, verifier } = await freshCode();
    const first = await redeem({ code, code_verifier: verifier });
    expect(first.status).toBe(200);
    // someone who found the code in a browser history or a log, but has no verifier
    const leaked = await tokenRequest(s, t.tenantId, { grant_type: 'authorization_code', client_id: spa.appId, code });
    expect(leaked.status).toBe(400);
    expect(leaked.body.error_codes).not.toEqual([54005]);
    const refreshed = await tokenRequest(s, t.tenantId, { grant_type: 'refresh_token', client_id: spa.appId, refresh_token: first.body.refresh_token as string });
    expect(refreshed.status).toBe(200);
  });

  it('T3: of 10 concurrent redemptions exactly one succeeds', async () => {
    const { code, verifier } = await freshCode();
    const results = await Promise.all(Array.from({ length: 10 }, () => redeem({ code, code_verifier: verifier })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(9);
  });

  it('T5–T8 and X3: another client, another redirect URI, a missing or wrong verifier, another tenant', async () => {
    const cases: [Record<string, string>, string | undefined, number][] = [
      [{ client_id: other.appId, client_secret: other.secret }, undefined, 70000],
      [{ redirect_uri: 'https://spa.test/other' }, undefined, 500112],
      [{ redirect_uri: '' }, undefined, 500112],
      [{ code_verifier: '' }, undefined, 501481],
      [{ code_verifier: pkce().verifier }, undefined, 501481],
      [{ code_verifier: 'a'.repeat(42) }, undefined, 501481],
      [{ code_verifier: 'a'.repeat(129) }, undefined, 501481],
      [{ code_verifier: `${'a'.repeat(42)}+=` }, undefined, 501481],
      [{}, t2.tenantId, 0],
    ];
    for (const [form, tenant, code] of cases) {
      const fresh = await freshCode();
      const r = await redeem({ code: fresh.code, code_verifier: fresh.verifier, ...form }, tenant);
      expect(r.status, JSON.stringify(form)).toBe(400);
      if (code) expect(r.body.error_codes, JSON.stringify(form)).toEqual([code]);
      if (tenant) expect(r.body.error).toBeTruthy();
      else expect(r.body.error).toBe('invalid_grant');
      // the failed attempt did not burn the code for its rightful owner
      expect((await redeem({ code: fresh.code, code_verifier: fresh.verifier })).status).toBe(200);
    }
  });

  it('T4: an expired code is refused (AADSTS70008)', async () => {
    let now = Date.now();
    const timed = await startServer({ listen: false, clock: () => now });
    try {
      const tt = await timed.tenant();
      const tok = await userToken(timed, tt.tenantId, tt.admin.userPrincipalName, tt.admin.password);
      const p = pkce();
      const url = authorizeUrl('organizations', {
        client_id: PORTAL_APP_ID, response_type: 'code', redirect_uri: `${timed.baseUrl}/`, scope: 'https://graph.microsoft.com/.default openid', state: 's',
        code_challenge: p.challenge, code_challenge_method: 'S256',
      });
      expect(tok).toBeTruthy();
      const b = new FormBrowser(timed);
      const page = await b.get(url);
      const done = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: tt.admin.userPrincipalName, passwd: tt.admin.password });
      now += 5 * 60_000 + 1000;
      const r = await tokenRequest(timed, tt.tenantId, { grant_type: 'authorization_code', client_id: PORTAL_APP_ID, code: redirectParams(done.location!).get('code')!, redirect_uri: `${timed.baseUrl}/`, code_verifier: p.verifier });
      expect(r.status).toBe(400);
      expect(r.body.error_codes).toEqual([70008]);
      // a day later the purge removes the code and the browser session
      const db = timed.testStore.store.db;
      expect(await db.selectFrom('authorization_codes').select('code_hash').execute()).toHaveLength(1);
      now += 37 * 3600_000; // past the 12-hour session and a day more
      expect(await timed.services.authorize.purgeExpired()).toBe(2);
      expect(await db.selectFrom('authorization_codes').select('code_hash').execute()).toHaveLength(0);
      expect(await db.selectFrom('browser_sessions').select('session_hash').execute()).toHaveLength(0);
    } finally {
      await timed.close();
    }
  });

  it('T9 and confidential clients: a web app authenticates to redeem; a verifier for a code without a challenge is a downgrade', async () => {
    const code = async () => {
      const b = new FormBrowser(s);
      const loc = await signIn(b, authorizeUrl(t.tenantId, { client_id: web.appId, response_type: 'code', redirect_uri: WEB_REDIRECT, scope: SCOPE, state: 'w' }), t.admin.userPrincipalName, t.admin.password);
      return redirectParams(loc).get('code')!;
    };
    const form = (c: string) => ({ grant_type: 'authorization_code', client_id: web.appId, code: c, redirect_uri: WEB_REDIRECT });
    const noSecret = await tokenRequest(s, t.tenantId, form(await code()));
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error_codes).toEqual([7000218]);
    const downgrade = await tokenRequest(s, t.tenantId, { ...form(await code()), client_secret: web.secret, code_verifier: pkce().verifier });
    expect(downgrade.status).toBe(400);
    expect(downgrade.body.error).toBe('invalid_grant');
    const ok = await tokenRequest(s, t.tenantId, { ...form(await code()), client_secret: web.secret });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token as string).appidacr).toBe('1');
  });

  it('B7 on the page: past the per-IP failure limit the sign-in page answers 429 and checks no password', async () => {
    const limited = await startServer({ listen: false, throttle: { perClient: { max: 1000, windowMs: 60_000 }, perIp: { max: 3, windowMs: 60_000 }, perUser: { max: 1000, windowMs: 60_000 } } });
    try {
      const tt = await limited.tenant();
      const b = new FormBrowser(limited, '198.51.100.9');
      const url = authorizeUrl(tt.tenantId, { client_id: PORTAL_APP_ID, response_type: 'code', redirect_uri: `${limited.baseUrl}/`, scope: 'openid', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
      const statuses: number[] = [];
      // four sign-in pages open in four tabs, then posted one after another
      const pages = [];
      for (let i = 0; i < 4; i++) pages.push(await b.get(url));
      for (const [i, page] of pages.entries()) {
        const r = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: tt.admin.userPrincipalName, passwd: i < 3 ? 'wrong' : tt.admin.password });
        statuses.push(r.status);
      }
      // three wrong passwords, then even the right one is refused while the window lasts
      expect(statuses).toEqual([200, 200, 200, 429]);
      // and the authorization endpoint answers that address without writing to the log
      const before = (await signInRows(limited.testStore.store, { tenantId: tt.tenantId })).length;
      const flood = await b.get(authorizeUrl(tt.tenantId, { client_id: '11111111-2222-3333-4444-555555555555', response_type: 'code', redirect_uri: 'https://x.test/', scope: 'openid', state: 's' }));
      expect(flood.status).toBe(429);
      expect((await signInRows(limited.testStore.store, { tenantId: tt.tenantId })).length).toBe(before);
      const codes = (await signInRows(limited.testStore.store, { tenantId: tt.tenantId })).map((x) => x.error_code);
      expect(codes.filter((c) => c === 50196)).toHaveLength(1);
      // another address is not affected
      const other = new FormBrowser(limited, '198.51.100.10');
      const page = await other.get(url);
      const ok = await other.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: tt.admin.userPrincipalName, passwd: tt.admin.password });
      expect(ok.status).toBe(303);
    } finally {
      await limited.close();
    }
  });

  it('B4: a locked account gets no tokens from a code it obtained before the lockout', async () => {
    const locking = await startServer({ listen: false, throttle: { perClient: { max: 1000, windowMs: 60_000 }, perIp: { max: 1000, windowMs: 60_000 }, perUser: { max: 3, windowMs: 60_000 } } });
    try {
      const tt = await locking.tenant();
      const p = pkce();
      const redirect = `${locking.baseUrl}/`;
      const b = new FormBrowser(locking);
      const page = await b.get(authorizeUrl(tt.tenantId, { client_id: PORTAL_APP_ID, response_type: 'code', redirect_uri: redirect, scope: 'openid User.Read', state: 's', code_challenge: p.challenge, code_challenge_method: 'S256' }));
      const done = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: tt.admin.userPrincipalName, passwd: tt.admin.password });
      const code = redirectParams(done.location!).get('code')!;
      for (let i = 0; i < 3; i++) {
        await tokenRequest(locking, tt.tenantId, { grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: tt.admin.userPrincipalName, password: 'wrong', scope: 'openid' });
      }
      const r = await tokenRequest(locking, tt.tenantId, { grant_type: 'authorization_code', client_id: PORTAL_APP_ID, code, redirect_uri: redirect, code_verifier: p.verifier });
      expect(r.status).toBe(400);
      expect(r.body.error_codes).toEqual([50053]);
    } finally {
      await locking.close();
    }
  });
});
