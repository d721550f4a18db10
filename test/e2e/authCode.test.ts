/**
 * The authorization-code flow with the official client over real HTTPS: msal-node builds the
 * authorization URL (with its own PKCE pair, state and nonce) and redeems the code; a browser's
 * part (the sign-in form) is played over HTTP in between, as a person would fill it in.
 */
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { graph, userToken } from '../helpers/api.js';
import { field, formAction } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let tenant: CreatedTenant;
let host: string;

/** A cookie-keeping browser over real HTTPS (the run's CA is trusted through NODE_EXTRA_CA_CERTS). */
class HttpsBrowser {
  private readonly jar = new Map<string, string>();
  private cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(r: Response) {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
  async get(url: string) {
    const r = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookie(), 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' } });
    this.keep(r);
    return { status: r.status, location: r.headers.get('location'), html: await r.text() };
  }
  async post(url: string, fields: Record<string, string>) {
    const r = await fetch(new URL(url, s.baseUrl), {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
      headers: { cookie: this.cookie(), 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' },
    });
    this.keep(r);
    return { status: r.status, location: r.headers.get('location'), html: await r.text() };
  }
}

/** Fills in the sign-in page (and accepts consent when asked); returns where the browser was sent. */
async function signInThroughPages(authUrl: string, upn: string, password: string): Promise<URL> {
  const b = new HttpsBrowser();
  let page = await b.get(authUrl);
  expect(page.status).toBe(200);
  page = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), login: upn, passwd: password });
  if (page.status === 200) page = await b.post(formAction(page.html), { ctx: field(page.html, 'ctx'), csrf: field(page.html, 'csrf'), decision: 'accept' });
  expect(page.status).toBe(303);
  return new URL(page.location!);
}

beforeAll(async () => {
  s = await startServer({ listen: true });
  tenant = await s.tenant();
  host = new URL(s.baseUrl).host;
});
afterAll(async () => { await s?.close(); });

describe('authorization code + PKCE with msal-node', () => {
  it('PublicClientApplication: getAuthCodeUrl → sign-in page → acquireTokenByCode, then Graph /me and a silent refresh', async () => {
    const admin = await userToken(s, tenant.tenantId, tenant.admin.userPrincipalName, tenant.admin.password);
    const created = await graph(s, 'POST', '/v1.0/applications', admin, { displayName: 'Desktop tool', signInAudience: 'AzureADMyOrg', publicClient: { redirectUris: ['http://localhost'] } });
    await graph(s, 'POST', '/v1.0/servicePrincipals', admin, { appId: created.body.appId });
    const appId = created.body.appId as string;

    const pca = new PublicClientApplication({ auth: { clientId: appId, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const redirectUri = 'http://localhost:43121'; // registered as http://localhost: a loopback redirect matches on any port
    const state = new CryptoProvider().createNewGuid();
    const authUrl = await pca.getAuthCodeUrl({
      scopes: ['User.Read'], redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state, loginHint: tenant.admin.userPrincipalName,
    });
    expect(authUrl.startsWith(`${s.baseUrl}/${tenant.tenantId}/oauth2/v2.0/authorize?`)).toBe(true);

    const back = await signInThroughPages(authUrl, tenant.admin.userPrincipalName, tenant.admin.password);
    expect(back.origin).toBe('http://localhost:43121');
    const code = back.searchParams.get('code');
    expect(back.searchParams.get('state')).toBe(state);
    const result = await pca.acquireTokenByCode({ code: code!, scopes: ['User.Read'], redirectUri, codeVerifier: verifier, state }, { code: code!, state });
    expect(result.account?.username).toBe(tenant.admin.userPrincipalName);
    expect(result.scopes.some((x) => x.endsWith('User.Read'))).toBe(true);
    const me = await graph(s, 'GET', '/v1.0/me', result.accessToken);
    expect(me.status).toBe(200);

    // the refresh token it cached works: a forced silent refresh through the cache
    const silent = await pca.acquireTokenSilent({ account: result.account!, scopes: ['User.Read'], forceRefresh: true });
    expect(silent.accessToken).not.toBe(result.accessToken);
  });

  it('ConfidentialClientApplication: a web app redeems its code with its secret', async () => {
    const admin = await userToken(s, tenant.tenantId, tenant.admin.userPrincipalName, tenant.admin.password);
    const created = await graph(s, 'POST', '/v1.0/applications', admin, { displayName: 'Web portal', signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://webapp.test/auth'] } });
    await graph(s, 'POST', '/v1.0/servicePrincipals', admin, { appId: created.body.appId });
    const pw = await graph(s, 'POST', `/v1.0/applications/${created.body.id as string}/addPassword`, admin, { passwordCredential: { displayName: 'web' } });
    const cca = new ConfidentialClientApplication({
      auth: { clientId: created.body.appId as string, clientSecret: pw.body.secretText as string, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] },
    });
    const authUrl = await cca.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: 'https://webapp.test/auth', state: 'web-state' });
    const back = await signInThroughPages(authUrl, tenant.admin.userPrincipalName, tenant.admin.password);
    expect(`${back.origin}${back.pathname}`).toBe('https://webapp.test/auth');
    const result = await cca.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: ['User.Read'], redirectUri: 'https://webapp.test/auth' });
    expect(result.account?.tenantId).toBe(tenant.tenantId);
    // a second redemption of the same code: AADSTS54005, as msal reports it
    await expect(cca.acquireTokenByCode({ code: back.searchParams.get('code')!, scopes: ['User.Read'], redirectUri: 'https://webapp.test/auth' })).rejects.toMatchObject({ errorCode: 'invalid_grant' });
  });
});
