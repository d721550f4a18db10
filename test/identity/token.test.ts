import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { AZURE_CLI, graph, registerApp, userToken, type RegisteredApp } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { signInRows } from '../helpers/signIns.js';

/**
 * The /oauth2/v2.0/token battery: contract §7.4–7.5, security bar §1.4–1.6 and §4.3–4.4. Every
 * error asserts the RFC 6749 fields, the Entra envelope and, when the tenant is known, the sign-in
 * record the attempt left behind.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AAD_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/;
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const AAD_GRAPH_APP_ID = '00000002-0000-0000-c000-000000000000';
const GRAPH_CLI = '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
/** every request comes from this address, so the sign-in record's ipAddress is checkable */
const IP = '203.0.113.45';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
  /** the client-request-id sent */
  crid: string;
}

type Form = Record<string, string>;

let s: TestServer;
let tA: CreatedTenant;
let tB: CreatedTenant;
let adminA: string;
let appA: RegisteredApp;
/** every secret, password and refresh token the tests handle: none may reach a log row */
const sensitive = new Set<string>();

/** POST to the token endpoint from IP, with a fresh client-request-id unless one is given. */
async function post(tenant: string, body: Form | string, opts: { headers?: Record<string, string>; contentType?: string; crid?: string } = {}): Promise<Reply> {
  const crid = opts.crid ?? randomUUID();
  const r = await s.app.inject({
    method: 'POST',
    url: `/${tenant}/oauth2/v2.0/token`,
    remoteAddress: IP,
    headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded', 'client-request-id': crid, ...opts.headers },
    payload: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  });
  return { status: r.statusCode, headers: r.headers, body: r.json(), crid };
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;

/** RFC 6749 appendix B taken to the limit: every character percent-encoded, which a server must decode. */
const formEncodeAll = (v: string): string => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

const ccForm = (app: { appId: string; secret?: string }, extra: Form = {}): Form => ({
  grant_type: 'client_credentials', client_id: app.appId, ...(app.secret !== undefined ? { client_secret: app.secret } : {}), scope: GRAPH_DEFAULT, ...extra,
});

function expectNoStore(r: { headers: Reply['headers'] }): void {
  expect(String(r.headers['cache-control'])).toMatch(/(^|,\s*)no-store(\s*,|$)/);
}

/** The RFC 6749 §5.2 error plus Entra's envelope (§7.4), on a token-endpoint reply. */
function expectTokenError(r: Reply, status: number, error: string, code: number, opts: { echoCorrelation?: boolean } = {}): void {
  expect({ status: r.status, error: r.body.error, error_codes: r.body.error_codes }, JSON.stringify(r.body)).toEqual({ status, error, error_codes: [code] });
  const description = r.body.error_description as string;
  expect(typeof description).toBe('string');
  expect(description.startsWith(`AADSTS${code}: `), description).toBe(true);
  expect(description).not.toMatch(/[\r\n\t]/);
  expect(r.body.timestamp).toMatch(AAD_TIMESTAMP);
  const ts = Date.parse(String(r.body.timestamp).replace(' ', 'T'));
  expect(Math.abs(ts - Date.now())).toBeLessThan(60_000);
  expect(r.body.trace_id).toMatch(GUID);
  expect(r.body.trace_id).toBe(r.headers['request-id']);
  expect(r.body.correlation_id).toMatch(GUID);
  if (opts.echoCorrelation ?? true) {
    expect(r.body.correlation_id).toBe(r.crid);
    expect(r.headers['client-request-id']).toBe(r.crid);
  }
  expect(description.endsWith(`Trace ID: ${String(r.body.trace_id)} Correlation ID: ${String(r.body.correlation_id)} Timestamp: ${String(r.body.timestamp)}`), description).toBe(true);
  expect(r.body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
  expect(r.body).not.toHaveProperty('access_token');
  expect(r.body).not.toHaveProperty('refresh_token');
  expectNoStore(r);
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
}

type SignInRow = Awaited<ReturnType<typeof signInsOf>>[number];

function signInsOf(crid: string) {
  return signInRows(s.services.ctx.store, { correlationIds: [crid] });
}

/** Exactly one sign-in carries the correlation id, in the given tenant, with these facts. */
async function expectSignIn(r: Reply, want: { tenantId: string; errorCode: number; eventType: string; appId: string | null }): Promise<SignInRow> {
  const rows = await signInsOf(r.crid);
  expect(rows, `sign-ins for ${r.crid}`).toHaveLength(1);
  const row = rows[0]!;
  expect({
    tenant_id: row.tenant_id, error_code: row.error_code, event_type: row.event_type, app_id: row.app_id, ip_address: row.ip_address, correlation_id: row.correlation_id,
  }).toEqual({ tenant_id: want.tenantId, error_code: want.errorCode, event_type: want.eventType, app_id: want.appId, ip_address: IP, correlation_id: r.crid });
  return row;
}

async function expectNoSignIn(r: Reply): Promise<void> {
  expect(await signInsOf(r.crid)).toHaveLength(0);
}

const details = (row: SignInRow): Record<string, unknown> => JSON.parse(row.details) as Record<string, unknown>;

async function addPassword(appObjectId: string, passwordCredential: Record<string, unknown>): Promise<{ keyId: string; secretText: string }> {
  const r = await graph(s, 'POST', `/v1.0/applications/${appObjectId}/addPassword`, adminA, { passwordCredential });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const secretText = r.body.secretText as string;
  sensitive.add(secretText);
  return { keyId: r.body.keyId as string, secretText };
}

const ropcForm = (username: string, password: string, extra: Form = {}): Form => ({
  grant_type: 'password', client_id: AZURE_CLI, username, password, scope: `${GRAPH_DEFAULT} openid profile offline_access`, ...extra,
});

async function refreshTokenFor(tenantId: string, upn: string, password: string): Promise<string> {
  const r = await post(tenantId, ropcForm(upn, password));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const rt = r.body.refresh_token as string;
  sensitive.add(rt);
  return rt;
}

const refreshForm = (rt: string, extra: Form = {}): Form => ({
  grant_type: 'refresh_token', client_id: AZURE_CLI, refresh_token: rt, scope: `${GRAPH_DEFAULT} openid offline_access`, ...extra,
});

beforeAll(async () => {
  s = await startServer({ listen: false });
  tA = await s.tenant();
  tB = await s.tenant();
  sensitive.add(tA.admin.password);
  adminA = await userToken(s, tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
  appA = await registerApp(s, adminA, ['AuditLog.Read.All']);
  sensitive.add(appA.secret);
  // requested but never consented: must not reach the roles claim
  const patch = await graph(s, 'PATCH', `/v1.0/applications/${appA.id}`, adminA, {
    requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [
      { id: 'b0afded3-3588-46d8-8b3d-9842eff778da', type: 'Role' },
      { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', type: 'Role' },
    ] }],
  });
  expect(patch.status, JSON.stringify(patch.body)).toBe(204);
});

afterAll(async () => {
  await s?.close();
});

describe('client credentials', () => {
  it('issues an app-only Graph token with the contract claims, and logs a servicePrincipal sign-in', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await post(tA.tenantId, ccForm(appA));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expectNoStore(r);
    expect(r.headers.pragma).toBe('no-cache');
    expect(r.headers['client-request-id']).toBe(r.crid);
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(r.body.token_type).toBe('Bearer');

    const token = r.body.access_token as string;
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('RS256');
    expect(header.typ).toBe('JWT');
    expect(typeof header.kid).toBe('string');
    const jwksRes = await s.app.inject({ method: 'GET', url: `/${tA.tenantId}/discovery/v2.0/keys` });
    expect(jwksRes.statusCode).toBe(200);
    const jwks = jwksRes.json<JSONWebKeySet>();
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const issuer = `${s.baseUrl}/${tA.tenantId}/v2.0`;
    // the signature verifies with the published key set, for this issuer and audience
    const { payload: c } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience: 'https://graph.microsoft.com', algorithms: ['RS256'] });

    expect(c.aud).toBe('https://graph.microsoft.com');
    expect(c.iss).toBe(issuer);
    expect(c.tid).toBe(tA.tenantId);
    expect(c.oid).toBe(appA.spId);
    expect(c.sub).toBe(appA.spId);
    expect(c.appid).toBe(appA.appId);
    expect(c.idtyp).toBe('app');
    expect(c.appidacr).toBe('1');
    expect(c.roles).toEqual(['AuditLog.Read.All']);
    expect(c).not.toHaveProperty('scp');
    expect(c).not.toHaveProperty('wids');
    expect(c.iat).toBeGreaterThanOrEqual(before - 1);
    expect(c.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    const life = c.exp! - c.iat!;
    expect(life).toBeGreaterThanOrEqual(3600);
    expect(life).toBeLessThanOrEqual(5400);
    expect(r.body.expires_in).toBe(life);
    expect(r.body.ext_expires_in).toBe(life);
    expect(typeof c.uti).toBe('string');
    expect((c.uti as string).length).toBeGreaterThanOrEqual(16);

    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 0, eventType: 'servicePrincipal', appId: appA.appId });
    expect(row.service_principal_id).toBe(appA.spId);
    expect(row.resource_id).toBe(GRAPH_APP_ID);
    expect(details(row).uniqueTokenIdentifier).toBe(c.uti);
    expect(details(row).clientCredentialType).toBe('clientSecret');
    expect(details(row).isInteractive).toBe(false);
  });

  it('accepts client_secret_basic with both parts form-urlencoded inside the header (RFC 6749 appendix B)', async () => {
    const r = await post(tA.tenantId, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT }, {
      headers: { authorization: basic(formEncodeAll(appA.appId), formEncodeAll(appA.secret)) },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expectNoStore(r);
    expect(decodeJwt(r.body.access_token as string).appid).toBe(appA.appId);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 0, eventType: 'servicePrincipal', appId: appA.appId });

    // the plain form (the generated alphabet needs no escaping) also works
    const plain = await post(tA.tenantId, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT }, { headers: { authorization: basic(appA.appId, appA.secret) } });
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
  });

  it('rejects a wrong secret with 401 invalid_client 7000215, challenging Basic only when Basic was used', async () => {
    const wrong = `${appA.secret.slice(0, -1)}${appA.secret.endsWith('A') ? 'B' : 'A'}`;
    sensitive.add(wrong);
    const r = await post(tA.tenantId, ccForm({ appId: appA.appId, secret: wrong }));
    expectTokenError(r, 401, 'invalid_client', 7000215);
    expect(r.body.error_description).toContain(`for a secret added to app '${appA.appId}'`);
    expect(r.headers['www-authenticate']).toBeUndefined();
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000215, eventType: 'servicePrincipal', appId: appA.appId });
    expect(row.service_principal_id).toBe(appA.spId);

    const b = await post(tA.tenantId, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT }, { headers: { authorization: basic(appA.appId, wrong) } });
    expectTokenError(b, 401, 'invalid_client', 7000215);
    expect(String(b.headers['www-authenticate'])).toMatch(/^Basic( |$)/);
    await expectSignIn(b, { tenantId: tA.tenantId, errorCode: 7000215, eventType: 'servicePrincipal', appId: appA.appId });
  });

  it('rejects a secret past its endDateTime with 7000222', async () => {
    const expired = await addPassword(appA.id, { displayName: 'expired', startDateTime: '2020-01-01T00:00:00Z', endDateTime: '2020-06-01T00:00:00Z' });
    const r = await post(tA.tenantId, ccForm({ appId: appA.appId, secret: expired.secretText }));
    expectTokenError(r, 401, 'invalid_client', 7000222);
    expect(r.body.error_description).toContain(appA.appId);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000222, eventType: 'servicePrincipal', appId: appA.appId });
    // the log names the expired key
    expect(details(row).servicePrincipalCredentialKeyId).toBe(expired.keyId);
  });

  it('stops accepting a secret once removePassword removed it, and keeps the others', async () => {
    const extra = await addPassword(appA.id, { displayName: 'rotated out' });
    const ok = await post(tA.tenantId, ccForm({ appId: appA.appId, secret: extra.secretText }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    // the sign-in names the key that was used (servicePrincipalCredentialKeyId)
    expect(details(await expectSignIn(ok, { tenantId: tA.tenantId, errorCode: 0, eventType: 'servicePrincipal', appId: appA.appId })).servicePrincipalCredentialKeyId).toBe(extra.keyId);
    const rm = await graph(s, 'POST', `/v1.0/applications/${appA.id}/removePassword`, adminA, { keyId: extra.keyId });
    expect(rm.status, JSON.stringify(rm.body)).toBe(204);
    const r = await post(tA.tenantId, ccForm({ appId: appA.appId, secret: extra.secretText }));
    expectTokenError(r, 401, 'invalid_client', 7000215);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000215, eventType: 'servicePrincipal', appId: appA.appId });
    const still = await post(tA.tenantId, ccForm(appA));
    expect(still.status, JSON.stringify(still.body)).toBe(200);
  });

  it('requires a secret from a confidential app (7000218)', async () => {
    const r = await post(tA.tenantId, ccForm({ appId: appA.appId }));
    expectTokenError(r, 401, 'invalid_client', 7000218);
    expect(r.body.error_description).toContain("'client_assertion' or 'client_secret'");
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000218, eventType: 'servicePrincipal', appId: appA.appId });
  });

  it('answers an unknown client_id with 400 unauthorized_client 700016, shaped like the wrong-secret answer', async () => {
    const unknown = randomUUID();
    const r = await post(tA.tenantId, ccForm({ appId: unknown, secret: 'not-a-real-secret-value-0123456789abcdef' }));
    expectTokenError(r, 400, 'unauthorized_client', 700016);
    expect(r.body.error_description).toContain(`Application with identifier '${unknown}' was not found in the directory '${tA.tenantId}'`);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 700016, eventType: 'servicePrincipal', appId: unknown });

    const wrong = await post(tA.tenantId, ccForm({ appId: appA.appId, secret: 'not-a-real-secret-value-0123456789abcdef' }));
    expectTokenError(wrong, 401, 'invalid_client', 7000215);
    const shape = (b: Record<string, unknown>) => ({
      keys: Object.keys(b).sort(),
      types: Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Array.isArray(v) ? 'array' : typeof v])),
      template: String(b.error_description).replace(
        /^AADSTS\d+: .+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/, 'AADSTS<n>: <text> Trace ID: <id> Correlation ID: <id> Timestamp: <ts>',
      ),
    });
    expect(shape(r.body)).toEqual(shape(wrong.body));
    expect(shape(r.body).template).toBe('AADSTS<n>: <text> Trace ID: <id> Correlation ID: <id> Timestamp: <ts>');
  });

  it('answers an unknown tenant with 400 invalid_tenant 90002 and logs nothing', async () => {
    for (const tenant of [randomUUID(), 'no-such-tenant.example.test']) {
      const r = await post(tenant, ccForm(appA));
      expectTokenError(r, 400, 'invalid_tenant', 90002);
      expect(r.body.error_description).toContain(`Tenant '${tenant}' not found.`);
      await expectNoSignIn(r);
    }
  });

  it('requires /.default in the client-credentials scope (1002012)', async () => {
    const scope = 'https://graph.microsoft.com/AuditLog.Read.All';
    const r = await post(tA.tenantId, ccForm(appA, { scope }));
    expectTokenError(r, 400, 'invalid_scope', 1002012);
    expect(r.body.error_description).toContain(`scope ${scope} is not valid`);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 1002012, eventType: 'servicePrincipal', appId: appA.appId });
  });

  it('rejects an unknown resource (500011)', async () => {
    const r = await post(tA.tenantId, ccForm(appA, { scope: 'https://unknown-resource.example.test/.default' }));
    expectTokenError(r, 400, 'invalid_resource', 500011);
    expect(r.body.error_description).toContain('https://unknown-resource.example.test');
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 500011, eventType: 'servicePrincipal', appId: appA.appId });
  });

  it('answers an app without a service principal with 7000229', async () => {
    const created = await graph(s, 'POST', '/v1.0/applications', adminA, { displayName: 'No SP app' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const appId = created.body.appId as string;
    const pw = await addPassword(created.body.id as string, { displayName: 'no sp' });
    const r = await post(tA.tenantId, ccForm({ appId, secret: pw.secretText }));
    expectTokenError(r, 400, 'invalid_client', 7000229);
    expect(r.body.error_description).toContain(appId);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000229, eventType: 'servicePrincipal', appId });
    expect(row.service_principal_id).toBeNull();
  });

  it('rejects a secret from the public first-party Azure CLI client (700025)', async () => {
    const r = await post(tA.tenantId, ccForm({ appId: AZURE_CLI, secret: 'some-secret-azure-cli-never-has' }));
    expectTokenError(r, 400, 'invalid_client', 700025);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 700025, eventType: 'servicePrincipal', appId: AZURE_CLI });
  });
});

describe('request validation', () => {
  it('requires grant_type (900144)', async () => {
    const r = await post(tA.tenantId, { client_id: appA.appId, client_secret: appA.secret, scope: GRAPH_DEFAULT });
    expectTokenError(r, 400, 'invalid_request', 900144);
    expect(r.body.error_description).toContain("The request body must contain the following parameter: 'grant_type'.");
  });

  it('rejects an unsupported grant type (70003)', async () => {
    const r = await post(tA.tenantId, ccForm(appA, { grant_type: 'urn:example:unsupported' }));
    expectTokenError(r, 400, 'unsupported_grant_type', 70003);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 70003, eventType: 'servicePrincipal', appId: null });
    expect(row.user_id).toBeNull();
  });

  it('rejects a duplicated parameter with invalid_request', async () => {
    const body = `grant_type=client_credentials&client_id=${appA.appId}&client_id=${randomUUID()}&client_secret=${encodeURIComponent(appA.secret)}&scope=${encodeURIComponent(GRAPH_DEFAULT)}`;
    const r = await post(tA.tenantId, body);
    expectTokenError(r, 400, 'invalid_request', 9002313);
    expect(r.body.error_description).toContain("Duplicate parameter 'client_id'");
    // the same secret twice is still a duplicate
    const twice = await post(tA.tenantId, `${new URLSearchParams(ccForm(appA)).toString()}&client_secret=${encodeURIComponent(appA.secret)}`);
    expectTokenError(twice, 400, 'invalid_request', 9002313);
  });

  it('rejects client credentials in both the Basic header and the body', async () => {
    const r = await post(tA.tenantId, ccForm(appA), { headers: { authorization: basic(appA.appId, appA.secret) } });
    expectTokenError(r, 400, 'invalid_request', 9002313);
    expect(r.body).not.toHaveProperty('access_token');
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 9002313, eventType: 'servicePrincipal', appId: null });
  });

  it('rejects a malformed Basic header with 401 invalid_client and a Basic challenge', async () => {
    for (const authorization of ['Basic !!!', `Basic ${Buffer.from(`${appA.appId}${appA.secret}`).toString('base64')}`, 'Basic %ZZ:%ZZ', `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`]) {
      const r = await post(tA.tenantId, { grant_type: 'client_credentials', scope: GRAPH_DEFAULT }, { headers: { authorization } });
      expectTokenError(r, 401, 'invalid_client', 7000215);
      expect(String(r.headers['www-authenticate'])).toMatch(/^Basic( |$)/);
      await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000215, eventType: 'servicePrincipal', appId: null });
    }
  });

  it('rejects a JSON body with 400 invalid_request', async () => {
    const r = await post(tA.tenantId, JSON.stringify(ccForm(appA)), { contentType: 'application/json' });
    expectTokenError(r, 400, 'invalid_request', 9002313, { echoCorrelation: false });
    expect(r.body.error_description).toContain('application/x-www-form-urlencoded');
    await expectNoSignIn(r);
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const crid = randomUUID();
    const g = await s.app.inject({ method: 'GET', url: `/${tA.tenantId}/oauth2/v2.0/token?grant_type=client_credentials`, headers: { 'client-request-id': crid } });
    const r: Reply = { status: g.statusCode, headers: g.headers, body: g.json(), crid };
    expectTokenError(r, 405, 'invalid_request', 9002313, { echoCorrelation: false });
    expect(r.headers.allow).toBe('POST');
  });

  it('refuses a 1 MiB body (413) without crashing, and keeps serving', async () => {
    const big = `grant_type=client_credentials&client_id=${appA.appId}&scope=${encodeURIComponent(GRAPH_DEFAULT)}&pad=${'a'.repeat(1024 * 1024)}`;
    const r = await post(tA.tenantId, big);
    expectTokenError(r, 413, 'invalid_request', 9002313);
    await expectNoSignIn(r);
    const after = await post(tA.tenantId, ccForm(appA));
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });
});

describe('password grant (ROPC)', () => {
  it('signs the tenant admin in through Azure CLI with id_token, client_info and a refresh token', async () => {
    const r = await post(tA.tenantId, ropcForm(tA.admin.userPrincipalName, tA.admin.password, { client_info: '1' }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expectNoStore(r);
    expect(r.body.token_type).toBe('Bearer');
    const rt = r.body.refresh_token as string;
    expect(typeof rt).toBe('string');
    expect(rt.length).toBeGreaterThanOrEqual(43);
    sensitive.add(rt);
    const scope = String(r.body.scope).split(' ');
    expect(scope).toContain('https://graph.microsoft.com/AuditLog.Read.All');
    expect(scope).toEqual(expect.arrayContaining(['openid', 'profile', 'offline_access']));

    const id = decodeJwt(r.body.id_token as string);
    expect(id.aud).toBe(AZURE_CLI);
    expect(id.oid).toBe(tA.admin.id);
    expect(id.tid).toBe(tA.tenantId);
    expect(id.preferred_username).toBe(tA.admin.userPrincipalName);
    expect(id.iss).toBe(`${s.baseUrl}/${tA.tenantId}/v2.0`);
    expect(id.ver).toBe('2.0');

    const ci = JSON.parse(Buffer.from(r.body.client_info as string, 'base64url').toString('utf8')) as unknown;
    expect(ci).toEqual({ uid: tA.admin.id, utid: tA.tenantId });

    const at = decodeJwt(r.body.access_token as string);
    expect(at.aud).toBe('https://graph.microsoft.com');
    expect(at.tid).toBe(tA.tenantId);
    expect(at.oid).toBe(tA.admin.id);
    expect(at.idtyp).toBe('user');
    expect(at.appid).toBe(AZURE_CLI);
    expect(at.appidacr).toBe('0');
    expect(at).not.toHaveProperty('roles');
    expect(String(at.scp).split(' ')).toContain('AuditLog.Read.All');
    expect(at.wids).toContain(GLOBAL_ADMIN);
    expect(at.upn).toBe(tA.admin.userPrincipalName);
    expect(at.ipaddr).toBe(IP);

    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 0, eventType: 'interactiveUser', appId: AZURE_CLI });
    expect(row.user_id).toBe(tA.admin.id);
    expect(details(row).isInteractive).toBe(true);
    expect(details(row).authenticationProtocol).toBe('ropc');
  });

  it('issues no refresh token without offline_access and no id_token without openid', async () => {
    const r = await post(tA.tenantId, ropcForm(tA.admin.userPrincipalName, tA.admin.password, { scope: GRAPH_DEFAULT }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).not.toHaveProperty('refresh_token');
    expect(r.body).not.toHaveProperty('id_token');
    expect(typeof r.body.access_token).toBe('string');
  });

  it('answers a bad password with 400 invalid_grant 50126 and logs 50126 as interactive', async () => {
    sensitive.add('Wr0ng!Password');
    const r = await post(tA.tenantId, ropcForm(tA.admin.userPrincipalName, 'Wr0ng!Password'));
    expectTokenError(r, 400, 'invalid_grant', 50126);
    expect(r.body.error_description).toContain('Error validating credentials due to invalid username or password.');
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 50126, eventType: 'interactiveUser', appId: AZURE_CLI });
    expect(row.user_id).toBe(tA.admin.id);
    expect(details(row).isInteractive).toBe(true);
  });

  it('answers an unknown user exactly like a bad password, but logs 50034', async () => {
    const upn = `nobody@${tA.domain}`;
    const bad = await post(tA.tenantId, ropcForm(tA.admin.userPrincipalName, 'Wr0ng!Password'));
    const r = await post(tA.tenantId, ropcForm(upn, 'Wr0ng!Password'));
    expectTokenError(r, 400, 'invalid_grant', 50126);
    const strip = (d: unknown) => String(d).replace(/ Trace ID: .*$/, '');
    expect(strip(r.body.error_description)).toBe(strip(bad.body.error_description));
    expect(Object.keys(r.body).sort()).toEqual(Object.keys(bad.body).sort());
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 50034, eventType: 'interactiveUser', appId: AZURE_CLI });
    expect(row.user_id).toBeNull();
    expect(row.user_principal_name).toBe(upn);
  });

  it('requires a secret when ROPC goes through a confidential app without public-client flows (7000218)', async () => {
    const r = await post(tA.tenantId, ropcForm(tA.admin.userPrincipalName, tA.admin.password, { client_id: appA.appId }));
    expectTokenError(r, 401, 'invalid_client', 7000218);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 7000218, eventType: 'interactiveUser', appId: appA.appId });
  });

  it('resolves the tenant from the UPN at /organizations/', async () => {
    const r = await post('organizations', ropcForm(tA.admin.userPrincipalName, tA.admin.password));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const at = decodeJwt(r.body.access_token as string);
    expect(at.tid).toBe(tA.tenantId);
    expect(at.iss).toBe(`${s.baseUrl}/${tA.tenantId}/v2.0`);
    expect(at.oid).toBe(tA.admin.id);
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 0, eventType: 'interactiveUser', appId: AZURE_CLI });
    sensitive.add(r.body.refresh_token as string);
  });

  it('refuses a disabled user even with the right password (50057)', async () => {
    const password = 'Dis@bled-Passw0rd';
    sensitive.add(password);
    const upn = `disabled@${tA.domain}`;
    const created = await graph(s, 'POST', '/v1.0/users', adminA, {
      accountEnabled: false, displayName: 'Disabled User', mailNickname: 'disabled', userPrincipalName: upn, passwordProfile: { password },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const r = await post(tA.tenantId, ropcForm(upn, password));
    expectTokenError(r, 400, 'invalid_grant', 50057);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 50057, eventType: 'interactiveUser', appId: AZURE_CLI });
    expect(row.user_id).toBe(created.body.id);
  });
});

describe('refresh tokens', () => {
  it('rotates, and the reuse of a rotated-out token revokes the whole family', async () => {
    const rt0 = await refreshTokenFor(tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
    const r1 = await post(tA.tenantId, refreshForm(rt0));
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    expectNoStore(r1);
    const rt1 = r1.body.refresh_token as string;
    sensitive.add(rt1);
    expect(typeof rt1).toBe('string');
    expect(rt1).not.toBe(rt0);
    expect(decodeJwt(r1.body.access_token as string).oid).toBe(tA.admin.id);
    const ok = await expectSignIn(r1, { tenantId: tA.tenantId, errorCode: 0, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
    expect(ok.user_id).toBe(tA.admin.id);
    expect(details(ok).isInteractive).toBe(false);

    const reuse = await post(tA.tenantId, refreshForm(rt0));
    expectTokenError(reuse, 400, 'invalid_grant', 50173);
    const reuseRow = await expectSignIn(reuse, { tenantId: tA.tenantId, errorCode: 50173, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
    expect(reuseRow.user_id).toBe(tA.admin.id);

    const newest = await post(tA.tenantId, refreshForm(rt1));
    expectTokenError(newest, 400, 'invalid_grant', 50173);
    await expectSignIn(newest, { tenantId: tA.tenantId, errorCode: 50173, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
  });

  it('lets exactly one of 10 parallel refreshes of the same token succeed', async () => {
    const rt = await refreshTokenFor(tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
    const results = await Promise.all(Array.from({ length: 10 }, () => post(tA.tenantId, refreshForm(rt))));
    const wins = results.filter((r) => r.status === 200);
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array<number>(9).fill(400)]);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.body.error).toBe('invalid_grant');
      expect(r.body).not.toHaveProperty('access_token');
    }
    for (const w of wins) sensitive.add(w.body.refresh_token as string);
    const rows = await signInRows(s.services.ctx.store, { correlationIds: results.map((r) => r.crid) });
    expect(rows).toHaveLength(10);
    expect(rows.filter((x) => x.error_code === 0)).toHaveLength(1);
    expect(rows.every((x) => x.event_type === 'nonInteractiveUser')).toBe(true);
  });

  it('rejects a refresh token presented by another client', async () => {
    const rt = await refreshTokenFor(tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
    const r = await post(tA.tenantId, refreshForm(rt, { client_id: GRAPH_CLI }));
    expectTokenError(r, 400, 'invalid_grant', 9002313);
    expect(r.body).not.toHaveProperty('access_token');
    await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 9002313, eventType: 'nonInteractiveUser', appId: GRAPH_CLI });
  });

  it("rejects tenant A's refresh token at tenant B's endpoint", async () => {
    const rt = await refreshTokenFor(tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
    const r = await post(tB.tenantId, refreshForm(rt));
    expectTokenError(r, 400, 'invalid_grant', 9002313);
    await expectSignIn(r, { tenantId: tB.tenantId, errorCode: 9002313, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
  });

  it('rejects a garbage refresh token and an access token sent as a refresh token', async () => {
    const garbage = await post(tA.tenantId, refreshForm('not-a-refresh-token'));
    expectTokenError(garbage, 400, 'invalid_grant', 9002313);
    await expectSignIn(garbage, { tenantId: tA.tenantId, errorCode: 9002313, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
    const at = await post(tA.tenantId, refreshForm(adminA));
    expectTokenError(at, 400, 'invalid_grant', 9002313);
  });

  it('refreshes into another resource (Azure AD Graph) and logs a non-interactive sign-in', async () => {
    // the Azure CLI is pre-authorised for Azure AD Graph's delegated permissions, as in Entra: no grant needed
    const rt = await refreshTokenFor(tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
    const r = await post(tA.tenantId, refreshForm(rt, { scope: 'https://graph.windows.net/.default offline_access' }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    sensitive.add(r.body.refresh_token as string);
    const at = decodeJwt(r.body.access_token as string);
    expect(at.aud).toBe('https://graph.windows.net');
    expect(at.tid).toBe(tA.tenantId);
    expect(at.oid).toBe(tA.admin.id);
    expect(String(at.scp).split(' ').sort()).toEqual(['Directory.AccessAsUser.All', 'Directory.Read.All', 'User.Read']);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 0, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
    expect(row.resource_id).toBe(AAD_GRAPH_APP_ID);
    expect(row.user_id).toBe(tA.admin.id);
  });

  it('refuses to refresh for a user disabled after the token was issued', async () => {
    const password = 'Later-Dis4bled!';
    sensitive.add(password);
    const upn = `later.disabled@${tA.domain}`;
    const created = await graph(s, 'POST', '/v1.0/users', adminA, {
      accountEnabled: true, displayName: 'Later Disabled', mailNickname: 'later.disabled', userPrincipalName: upn, passwordProfile: { password },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rt = await refreshTokenFor(tA.tenantId, upn, password);
    // Graph has no PATCH /users here; the directory row is switched off directly
    await s.services.ctx.store.db.updateTable('users').set({ account_enabled: 0 }).where('tenant_id', '=', tA.tenantId).where('id', '=', created.body.id as string).execute();
    const r = await post(tA.tenantId, refreshForm(rt));
    expectTokenError(r, 400, 'invalid_grant', 50057);
    const row = await expectSignIn(r, { tenantId: tA.tenantId, errorCode: 50057, eventType: 'nonInteractiveUser', appId: AZURE_CLI });
    expect(row.user_id).toBe(created.body.id);
  });
});

describe('secrets at rest and in the logs', () => {
  it('shows a 3-character hint and no secretText when the application is read back', async () => {
    const r = await graph<{ passwordCredentials: { hint: string; secretText: unknown; keyId: string }[] }>(s, 'GET', `/v1.0/applications/${appA.id}`, adminA);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const creds = r.body.passwordCredentials;
    expect(creds.length).toBeGreaterThanOrEqual(2);
    for (const c of creds) {
      expect(c.secretText).toBeNull();
      expect(c.hint).toHaveLength(3);
      expect(c.keyId).toMatch(GUID);
    }
    expect(creds.map((c) => c.hint)).toContain(appA.secret.slice(0, 3));
    expect(JSON.stringify(r.body)).not.toContain(appA.secret);
  });

  it('never writes a secret, password or refresh token into sign-ins, audits or credential rows', async () => {
    const db = s.services.ctx.store.db;
    const rows = [
      ...(await signInRows(s.services.ctx.store)),
      ...(await db.selectFrom('signin_users').selectAll().execute()),
      ...(await db.selectFrom('signin_apps').selectAll().execute()),
      ...(await db.selectFrom('signin_clients').selectAll().execute()),
      ...(await db.selectFrom('signin_statuses').selectAll().execute()),
      ...(await db.selectFrom('directory_audits').selectAll().execute()),
      ...(await db.selectFrom('audit_targets').selectAll().execute()),
      ...(await db.selectFrom('password_credentials').selectAll().execute()),
    ];
    expect(rows.length).toBeGreaterThan(40);
    // proves the search works: the app id is in the logs
    const dump = rows.map((row) => JSON.stringify(row)).join('\n');
    expect(dump).toContain(appA.appId);
    expect(sensitive.size).toBeGreaterThanOrEqual(8);
    for (const secret of sensitive) {
      expect(dump.includes(secret), `a sensitive value (${secret.slice(0, 3)}…) is stored in a log row`).toBe(false);
      // nor in its JSON-escaped form
      expect(dump.includes(JSON.stringify(secret).slice(1, -1))).toBe(false);
    }
  });
});
