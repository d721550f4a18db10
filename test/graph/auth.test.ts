import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { AZURE_CLI, appToken, graph, registerApp, tokenRequest, userToken, type RegisteredApp } from '../helpers/api.js';
import { LENIENT_THROTTLE, startServer, type TestServer } from '../helpers/server.js';
import { createSigningKey } from '../../src/identity/certificate.js';
import { buildApp } from '../../src/server/app.js';
import { insertSigningKey } from '../../src/store/repositories/keys.js';
import { signInRows } from '../helpers/signIns.js';

/**
 * Bearer validation on a Graph reporting endpoint (security bar §1.9, §4.7, §4.8; contract §0, §3):
 * every rejected token gets Graph's 401 envelope and challenge, never data, and never makes the
 * server fetch anything.
 */

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const AUDITS = '/v1.0/auditLogs/directoryAudits';
const INNER_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const MSG = {
  empty: 'Access token is empty.',
  parse: 'CompactToken parsing failed with error code: 80049217',
  invalid: 'Access token validation failure.',
  expired: 'Access token has expired or is not yet valid.',
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer.',
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
  crid: string;
}

let s: TestServer;
let tA: CreatedTenant;
let tB: CreatedTenant;
let adminA: string;
let adminB: string;
let appA: RegisteredApp;
let appB: RegisteredApp;
/** a genuine app-only token of tenant A holding AuditLog.Read.All */
let tokA: string;
let claimsA: JWTPayload & Record<string, unknown>;

async function get(url: string, authorization?: string): Promise<Reply> {
  const crid = randomUUID();
  const r = await s.app.inject({ method: 'GET', url, headers: { 'client-request-id': crid, ...(authorization !== undefined ? { authorization } : {}) } });
  return { status: r.statusCode, headers: r.headers, body: r.body ? r.json() : {}, crid };
}

const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Re-signs claims with the server's real active key (or another key), with extra header fields. */
function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key = s.services.keys.active.privateKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: s.services.keys.active.kid, ...header } as never).sign(key);
}

/** Graph's 401 envelope and challenge (contract §0, §3.1–3.2), with no data leaking. */
function expect401(r: Reply, message: string): void {
  expect({ status: r.status, code: (r.body.error as Record<string, unknown> | undefined)?.code, message: (r.body.error as Record<string, unknown> | undefined)?.message }, JSON.stringify(r.body))
    .toEqual({ status: 401, code: 'InvalidAuthenticationToken', message });
  expect(Object.keys(r.body)).toEqual(['error']);
  const inner = (r.body.error as { innerError: Record<string, unknown> }).innerError;
  expect(inner.date).toMatch(INNER_DATE);
  expect(Math.abs(Date.parse(`${String(inner.date)}Z`) - Date.now())).toBeLessThan(60_000);
  expect(inner['request-id']).toMatch(GUID);
  expect(inner['request-id']).toBe(r.headers['request-id']);
  expect(inner['client-request-id']).toBe(r.crid);
  expect(r.headers['client-request-id']).toBe(r.crid);
  expect(r.headers['www-authenticate']).toBe(`Bearer realm="", authorization_uri="${s.baseUrl}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`);
  expect(String(r.headers['www-authenticate'])).not.toContain('error=');
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
}

beforeAll(async () => {
  s = await startServer({ listen: false });
  tA = await s.tenant();
  tB = await s.tenant();
  adminA = await userToken(s, tA.tenantId, tA.admin.userPrincipalName, tA.admin.password);
  adminB = await userToken(s, tB.tenantId, tB.admin.userPrincipalName, tB.admin.password);
  appA = await registerApp(s, adminA, ['AuditLog.Read.All'], 'Tenant A reporting');
  appB = await registerApp(s, adminB, ['AuditLog.Read.All'], 'Tenant B reporting');
  tokA = await appToken(s, tA.tenantId, appA);
  await appToken(s, tB.tenantId, appB);
  // a failed sign-in in B with a recognisable user name
  const fail = await tokenRequest(s, tB.tenantId, { grant_type: 'password', client_id: AZURE_CLI, username: `ghost@${tB.domain}`, password: 'Wr0ng!Password', scope: 'openid' });
  expect(fail.status).toBe(400);
  claimsA = decodeJwt(tokA) as JWTPayload & Record<string, unknown>;
});

afterAll(async () => {
  await s?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bearer validation on /v1.0/auditLogs/directoryAudits', () => {
  it('serves the genuine token, and the same claims re-signed with the real key (the forging is sound)', async () => {
    const ok = await get(AUDITS, `Bearer ${tokA}`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(Array.isArray(ok.body.value)).toBe(true);
    const reSigned = await get(AUDITS, `Bearer ${await forge(claimsA)}`);
    expect(reSigned.status, JSON.stringify(reSigned.body)).toBe(200);
  });

  it('answers a missing Authorization header with 401 "Access token is empty." and the Bearer challenge', async () => {
    const r = await get(AUDITS);
    expect401(r, MSG.empty);
  });

  it('treats "Bearer " with nothing after it as empty', async () => {
    expect401(await get(AUDITS, 'Bearer '), MSG.empty);
    expect401(await get(AUDITS, 'Bearer'), MSG.empty);
  });

  it('rejects a token in another scheme', async () => {
    const r = await get(AUDITS, `Basic ${Buffer.from(`${appA.appId}:${appA.secret}`).toString('base64')}`);
    expect(r.status).toBe(401);
    expect((r.body.error as Record<string, unknown>).code).toBe('InvalidAuthenticationToken');
  });

  it('rejects something that is not a JWT', async () => {
    expect401(await get(AUDITS, 'Bearer not-a-jwt'), MSG.parse);
    expect401(await get(AUDITS, `Bearer Bearer ${tokA}`), MSG.parse);
    expect401(await get(AUDITS, `Bearer ${tokA}.extra`), MSG.parse);
  });

  it('rejects alg "none" carrying the real claims and kid', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT', kid: s.services.keys.active.kid })}.${b64(claimsA)}.`;
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.invalid);
    // "None" and a kept signature do not help either
    const sig = tokA.split('.')[2]!;
    expect401(await get(AUDITS, `Bearer ${b64({ alg: 'None', typ: 'JWT', kid: s.services.keys.active.kid })}.${b64(claimsA)}.${sig}`), MSG.invalid);
  });

  it('rejects a header without alg', async () => {
    const [, payload, sig] = tokA.split('.');
    expect401(await get(AUDITS, `Bearer ${b64({ typ: 'JWT', kid: s.services.keys.active.kid })}.${payload!}.${sig!}`), MSG.invalid);
  });

  it('rejects HS256 signed with the public key PEM as the HMAC secret', async () => {
    const pem = s.services.keys.active.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [pem, pem.trim()]) {
      const token = await new SignJWT(claimsA).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: s.services.keys.active.kid }).sign(new TextEncoder().encode(secret));
      expect401(await get(AUDITS, `Bearer ${token}`), MSG.invalid);
    }
  });

  it('rejects an unknown kid', async () => {
    const token = await forge(claimsA, { kid: 'unknown-kid-0000' });
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.invalid);
    const noKid = `${b64({ alg: 'RS256', typ: 'JWT' })}.${tokA.split('.').slice(1).join('.')}`;
    expect401(await get(AUDITS, `Bearer ${noKid}`), MSG.invalid);
  });

  it('rejects a token signed by another RSA key under the real kid', async () => {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const token = await forge(claimsA, {}, privateKey as never);
    expect(decodeProtectedHeader(token).kid).toBe(s.services.keys.active.kid);
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.invalid);
  });

  it('never fetches jku, x5u or trusts an embedded jwk', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const httpsSpy = vi.spyOn(https, 'request');
    const httpsGetSpy = vi.spyOn(https, 'get');
    const httpSpy = vi.spyOn(http, 'request');
    const httpGetSpy = vi.spyOn(http, 'get');
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const attackerJwk = { ...(await exportJWK(publicKey)), kid: 'attacker-key', alg: 'RS256', use: 'sig' };
    const attacks = [
      await forge(claimsA, { kid: 'attacker-key', jku: 'https://attacker.example/jwks.json' }, privateKey as never),
      await forge(claimsA, { jku: 'https://attacker.example/jwks.json' }, privateKey as never),
      await forge(claimsA, { kid: 'attacker-key', x5u: 'https://attacker.example/cert.pem' }, privateKey as never),
      await forge(claimsA, { x5u: 'http://attacker.example/cert.pem' }, privateKey as never),
      await forge(claimsA, { kid: 'attacker-key', jwk: attackerJwk }, privateKey as never),
      await forge(claimsA, { jwk: attackerJwk }, privateKey as never),
    ];
    for (const token of attacks) expect401(await get(AUDITS, `Bearer ${token}`), MSG.invalid);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(httpsSpy).not.toHaveBeenCalled();
    expect(httpsGetSpy).not.toHaveBeenCalled();
    expect(httpSpy).not.toHaveBeenCalled();
    expect(httpGetSpy).not.toHaveBeenCalled();
  });

  it('rejects a token expired by more than the 60 s skew', async () => {
    const t = now();
    const token = await forge({ ...claimsA, iat: t - 3700, nbf: t - 3700, exp: t - 90 });
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.expired);
  });

  it('rejects a token whose nbf is 10 minutes ahead', async () => {
    const t = now();
    const token = await forge({ ...claimsA, iat: t, nbf: t + 600, exp: t + 4200 });
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.expired);
  });

  it('rejects a token without exp or nbf', async () => {
    const noExp: Record<string, unknown> = { ...claimsA };
    delete noExp.exp;
    expect401(await get(AUDITS, `Bearer ${await forge(noExp)}`), MSG.invalid);
    const noNbf: Record<string, unknown> = { ...claimsA };
    delete noNbf.nbf;
    expect401(await get(AUDITS, `Bearer ${await forge(noNbf)}`), MSG.invalid);
  });

  it('rejects a wrong issuer, and an issuer of another tenant than tid', async () => {
    const microsoft = await forge({ ...claimsA, iss: `https://login.microsoftonline.com/${tA.tenantId}/v2.0` });
    expect401(await get(AUDITS, `Bearer ${microsoft}`), MSG.issuer);
    const v1 = await forge({ ...claimsA, iss: `https://sts.windows.net/${tA.tenantId}/` });
    expect401(await get(AUDITS, `Bearer ${v1}`), MSG.issuer);
    const crossed = await forge({ ...claimsA, tid: tB.tenantId });
    expect401(await get(AUDITS, `Bearer ${crossed}`), MSG.issuer);
    const ghost = randomUUID();
    const unknownTenant = await forge({ ...claimsA, tid: ghost, iss: `${s.baseUrl}/${ghost}/v2.0` });
    expect401(await get(AUDITS, `Bearer ${unknownTenant}`), MSG.issuer);
  });

  it('rejects a token for https://graph.windows.net: "Invalid audience."', async () => {
    const r = await tokenRequest(s, tA.tenantId, { grant_type: 'client_credentials', client_id: appA.appId, client_secret: appA.secret, scope: 'https://graph.windows.net/.default' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const token = r.body.access_token as string;
    expect(decodeJwt(token).aud).toBe('https://graph.windows.net');
    expect401(await get(AUDITS, `Bearer ${token}`), MSG.audience);
    // and a forged array audience does not slip through
    expect401(await get(AUDITS, `Bearer ${await forge({ ...claimsA, aud: ['https://graph.microsoft.com'] })}`), MSG.audience);
  });

  it('rejects an id_token used as a bearer', async () => {
    const r = await tokenRequest(s, tA.tenantId, {
      grant_type: 'password', client_id: AZURE_CLI, username: tA.admin.userPrincipalName, password: tA.admin.password, scope: 'https://graph.microsoft.com/.default openid profile',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const idToken = r.body.id_token as string;
    expect(decodeJwt(idToken).aud).toBe(AZURE_CLI);
    expect401(await get(AUDITS, `Bearer ${idToken}`), MSG.audience);
  });

  it('ignores ?access_token= in the query', async () => {
    expect401(await get(`${AUDITS}?access_token=${encodeURIComponent(tokA)}`), MSG.empty);
    expect401(await get(`/v1.0/auditLogs/signIns?access_token=${encodeURIComponent(tokA)}`), MSG.empty);
  });
});

describe('tenant isolation', () => {
  /** Every page of a collection, following @odata.nextLink. */
  async function all(path: string, token: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let url: string | undefined = path;
    for (let i = 0; url && i < 50; i++) {
      const r: { status: number; body: { value: Record<string, unknown>[]; '@odata.nextLink'?: string } } = await graph(s, 'GET', url, token);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      out.push(...r.body.value);
      url = r.body['@odata.nextLink']?.slice(s.baseUrl.length);
    }
    return out;
  }

  function forbiddenIds(): string[] {
    return [tB.tenantId, tB.admin.id, tB.admin.userPrincipalName, tB.domain, appB.appId, appB.id, appB.spId, `ghost@${tB.domain}`];
  }

  it("never shows tenant B's directory audits to tenant A", async () => {
    const records = await all(AUDITS, tokA);
    const expected = await s.services.ctx.store.db.selectFrom('directory_audits').select('id').where('tenant_id', '=', tA.tenantId).execute();
    expect(records.length).toBeGreaterThan(5);
    expect(records.map((r) => r.id).sort()).toEqual(expected.map((r) => r.id).sort());
    const text = JSON.stringify(records);
    // A's own objects are there: the search below can find ids
    expect(text).toContain(appA.id);
    expect(text).toContain(tA.admin.id);
    for (const id of forbiddenIds()) expect(text, id).not.toContain(id);
  });

  it("never shows tenant B's sign-ins to tenant A (v1.0 and beta)", async () => {
    const everyType = encodeURIComponent("signInEventTypes/any(t: t eq 'servicePrincipal') or signInEventTypes/any(t: t eq 'interactiveUser') or signInEventTypes/any(t: t eq 'nonInteractiveUser')");
    const cases = [
      // v1.0 lists interactive user sign-ins only
      { path: '/v1.0/auditLogs/signIns', types: ['interactiveUser'], mustContain: [tA.admin.id, AZURE_CLI] },
      { path: `/beta/auditLogs/signIns?$filter=${everyType}`, types: ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal'], mustContain: [tA.admin.id, appA.appId, appA.spId] },
    ];
    for (const c of cases) {
      const records = await all(c.path, tokA);
      const expected = (await signInRows(s.services.ctx.store, { tenantId: tA.tenantId })).filter((r) => c.types.includes(r.event_type));
      expect(expected.length, c.path).toBeGreaterThan(1);
      expect(records.map((r) => r.id).sort(), c.path).toEqual(expected.map((r) => r.id).sort());
      const text = JSON.stringify(records);
      for (const id of c.mustContain) expect(text, `${c.path}: ${id}`).toContain(id);
      for (const id of forbiddenIds()) expect(text, `${c.path}: ${id}`).not.toContain(id);
      for (const r of records) {
        if ('homeTenantId' in r) expect(r.homeTenantId).toBe(tA.tenantId);
        if ('resourceTenantId' in r) expect(r.resourceTenantId).toBe(tA.tenantId);
      }
    }
    // B's rows exist: there was something to leak
    expect((await signInRows(s.services.ctx.store, { tenantId: tB.tenantId })).length).toBeGreaterThanOrEqual(3);
  });

  it("finds nothing when A filters on B's app id or B's user", async () => {
    const q = (f: string) => `/beta/auditLogs/signIns?$filter=${encodeURIComponent(f)}`;
    const sp = "signInEventTypes/any(t: t eq 'servicePrincipal')";
    const theirs = await graph<{ value: unknown[] }>(s, 'GET', q(`${sp} and appId eq '${appB.appId}'`), tokA);
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
    expect(theirs.body.value).toEqual([]);
    const ghost = await graph<{ value: unknown[] }>(s, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userPrincipalName eq 'ghost@${tB.domain}'`)}`, tokA);
    expect(ghost.status, JSON.stringify(ghost.body)).toBe(200);
    expect(ghost.body.value).toEqual([]);
    // the same filters find B's rows for B, and A's own rows for A
    const tokB = await appToken(s, tB.tenantId, appB);
    expect((await graph<{ value: unknown[] }>(s, 'GET', q(`${sp} and appId eq '${appB.appId}'`), tokB)).body.value.length).toBeGreaterThan(0);
    expect((await graph<{ value: unknown[] }>(s, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userPrincipalName eq 'ghost@${tB.domain}'`)}`, tokB)).body.value).toHaveLength(1);
    expect((await graph<{ value: unknown[] }>(s, 'GET', q(`${sp} and appId eq '${appA.appId}'`), tokA)).body.value.length).toBeGreaterThan(0);
  });

  it("answers A's admin reading B's objects by id with 404 Request_ResourceNotFound", async () => {
    const own = await graph(s, 'GET', `/v1.0/applications/${appA.id}`, adminA);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    for (const path of [`/v1.0/applications/${appB.id}`, `/v1.0/applications(appId='${appB.appId}')`, `/v1.0/servicePrincipals/${appB.spId}`, `/v1.0/users/${tB.admin.id}`]) {
      const r = await graph<{ error: { code: string; message: string } }>(s, 'GET', path, adminA);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(404);
      expect(r.body.error.code).toBe('Request_ResourceNotFound');
      expect(JSON.stringify(r.body)).not.toContain(tB.tenantId);
    }
    // and B's object is really there for B
    const theirs = await graph(s, 'GET', `/v1.0/applications/${appB.id}`, adminB);
    expect(theirs.status).toBe(200);
  });

  it("does not let B's admin read A's audit rows by id", async () => {
    const auditA = await s.services.ctx.store.db.selectFrom('directory_audits').select('id').where('tenant_id', '=', tA.tenantId).executeTakeFirstOrThrow();
    const signInA = (await signInRows(s.services.ctx.store, { tenantId: tA.tenantId }))[0]!;
    const a = await graph<{ error: { code: string } }>(s, 'GET', `${AUDITS}/${auditA.id}`, adminB);
    expect(a.status, JSON.stringify(a.body)).toBe(404);
    const b = await graph<{ error: { code: string } }>(s, 'GET', `/v1.0/auditLogs/signIns/${signInA.id}`, adminB);
    expect(b.status, JSON.stringify(b.body)).toBe(404);
  });
});

describe('signing keys of another process on the same store', () => {
  it('accepts a token signed with a key this process had not loaded (after a reload), and both then sign with the same key', async () => {
    // two servers started on one empty store each create an active key: the other one's is newer here
    const material = await createSigningKey();
    await insertSigningKey(s.testStore.store.db, {
      kid: material.kid, private_key_pem: material.privateKeyPem, certificate_pem: material.certificatePem, created_at: Date.now() + 1, status: 'active',
    });
    // a second server on the same store: its own services and key store (the store handle can be shared)
    const second = await buildApp({ store: s.testStore.store, publicUrl: s.baseUrl, throttle: LENIENT_THROTTLE });
    try {
      expect(second.services.keys.active.kid).toBe(material.kid);
      const tok = await appToken({ app: second.app } as TestServer, tA.tenantId, appA);
      expect(decodeProtectedHeader(tok).kid).toBe(material.kid);
      expect(s.services.keys.find(material.kid)).toBeUndefined();
      // an unknown kid reloads at most once every 5 s: let that much time pass
      const realNow = Date.now;
      vi.spyOn(Date, 'now').mockImplementation(() => realNow.call(Date) + 6_000);
      const r = await get(AUDITS, `Bearer ${tok}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(s.services.keys.active.kid).toBe(second.services.keys.active.kid);
      // and the other way round: this process's new tokens verify there
      vi.restoreAllMocks();
      const mine = await appToken(s, tA.tenantId, appA);
      expect(decodeProtectedHeader(mine).kid).toBe(material.kid);
      const there = await second.app.inject({ method: 'GET', url: AUDITS, headers: { authorization: `Bearer ${mine}` } });
      expect(there.statusCode, there.body).toBe(200);
    } finally {
      await second.app.close();
    }
  });
});
