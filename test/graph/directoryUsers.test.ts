import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { AZURE_CLI, appToken, registerApp, tokenRequest, userToken, type RegisteredApp } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The directory endpoints a portal needs for users and roles, through Graph: listing users with
 * $filter / $search / $top / $select, PATCH and DELETE of users, directory role members, role
 * assignments (list, get, delete), role definitions and memberOf. Shapes, who may do what, tenant
 * isolation, bad input (nothing changed), the audit records, and the effect on sign-in.
 */

const PUBLIC = 'https://localhost:8443';
const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const REPORTS_READER = '4a5d8f65-41da-4de4-8968-e035b65339cf';
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const DENIED = 'Insufficient privileges to complete the operation.';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Json = Record<string, unknown>;
type Page<T = Json> = { '@odata.context': string; '@odata.nextLink'?: string; '@odata.count'?: number; value: T[] };

interface Res<T = Json> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  raw: string;
}

interface Audit {
  activityDisplayName: string;
  category: string;
  operationType: string;
  result: string;
  initiatedBy: { user: { id: string; userPrincipalName: string } | null; app: Json | null };
  targetResources: { id: string; type: string; displayName: string | null; userPrincipalName: string | null; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

let s: TestServer;

async function call<T = Json>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string | undefined, body?: unknown,
  opts: { crid?: string; raw?: string; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const payload = opts.raw ?? (body !== undefined ? JSON.stringify(body) : undefined);
  const r = await s.app.inject({
    method, url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.crid ? { 'client-request-id': opts.crid } : {}),
      ...opts.headers,
    },
    ...(payload !== undefined ? { payload } : {}),
  });
  if (r.statusCode === 204) expect(r.body).toBe('');
  else expect(r.headers['content-type'], `${method} ${url}`).toBe(GRAPH_JSON);
  return { status: r.statusCode, headers: r.headers, body: (r.body ? r.json() : {}) as T, raw: r.body };
}

function expectError(r: Res<unknown>, status: number, code: string, message?: string | RegExp): void {
  expect(r.status, r.raw.slice(0, 400)).toBe(status);
  const e = (r.body as { error: { code: string; message: string; innerError: Json } }).error;
  expect(e.code, r.raw.slice(0, 400)).toBe(code);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else if (message) expect(e.message).toMatch(message);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
}

async function auditsFor(token: string, correlationId: string): Promise<Audit[]> {
  const r = await call<Page<Audit>>('GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`correlationId eq '${correlationId}'`)}`, token);
  expect(r.status, r.raw.slice(0, 300)).toBe(200);
  return r.body.value;
}

const strongPassword = (): string => `Pw!${randomUUID().slice(0, 18)}Z9`;
const q = (s: string): string => encodeURIComponent(s);

interface Admin {
  t: CreatedTenant;
  token: string;
}

async function adminOf(): Promise<Admin> {
  const password = strongPassword();
  const t = await s.tenant({ adminPassword: password });
  return { t, token: await userToken(s, t.tenantId, t.admin.userPrincipalName, password) };
}

interface Member {
  id: string;
  upn: string;
  password: string;
}

async function createUser(a: Admin, nickname: string, extra: Json = {}): Promise<Member> {
  const upn = `${nickname}@${a.t.domain}`;
  const password = strongPassword();
  const r = await call('POST', '/v1.0/users', a.token, {
    accountEnabled: true, displayName: nickname, mailNickname: nickname.replace(/[^a-z0-9]/gi, ''), userPrincipalName: upn, passwordProfile: { password }, ...extra,
  });
  expect(r.status, r.raw).toBe(201);
  return { id: r.body.id as string, upn, password };
}

async function assign(a: Admin, principalId: string, roleDefinitionId: string): Promise<string> {
  const r = await call('POST', '/v1.0/roleManagement/directory/roleAssignments', a.token, { principalId, roleDefinitionId, directoryScopeId: '/' });
  expect(r.status, r.raw).toBe(201);
  expect(r.body.id).toMatch(GUID);
  return r.body.id as string;
}

/** A user holding the given roles, with a delegated token (Azure CLI: every Graph scope pre-authorised). */
async function userWithRoles(a: Admin, nickname: string, roles: string[]): Promise<Member & { token: string }> {
  const u = await createUser(a, nickname);
  for (const r of roles) await assign(a, u.id, r);
  return { ...u, token: await userToken(s, a.t.tenantId, u.upn, u.password) };
}

/** ROPC through the Azure CLI with offline_access: the access and the refresh token. */
async function signIn(tenantId: string, upn: string, password: string): Promise<{ status: number; body: Json }> {
  return tokenRequest(s, tenantId, {
    grant_type: 'password', client_id: AZURE_CLI, username: upn, password, scope: 'https://graph.microsoft.com/.default openid profile offline_access',
  });
}

async function refresh(tenantId: string, refreshToken: string): Promise<{ status: number; body: Json }> {
  return tokenRequest(s, tenantId, { grant_type: 'refresh_token', client_id: AZURE_CLI, refresh_token: refreshToken, scope: 'https://graph.microsoft.com/.default offline_access' });
}

function expectTokenError(r: { status: number; body: Json }, error: string, code: number): void {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error).toBe(error);
  expect(r.body.error_codes).toEqual([code]);
  expect(r.body).not.toHaveProperty('access_token');
}

async function userRow(tenantId: string, id: string) {
  return s.testStore.store.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

let A: Admin;
let B: Admin;

beforeAll(async () => {
  s = await startServer({ listen: false });
  A = await adminOf();
  B = await adminOf();
});
afterAll(async () => { await s?.close(); });

describe('GET /users: $filter, $search, $top, $select, $count', () => {
  let ada: Member;
  let alan: Member;
  let grace: Member;
  let off: Member;
  let listA: string[];

  beforeAll(async () => {
    ada = await createUser(A, 'ada.lovelace', { displayName: 'Ada Lovelace', givenName: 'Ada', surname: 'Lovelace' });
    alan = await createUser(A, 'alan.turing', { displayName: 'Alan Turing' });
    grace = await createUser(A, 'grace.hopper', { displayName: 'Grace Brewster-Hopper' });
    off = await createUser(A, 'switched.off', { displayName: 'Adalbert Off', accountEnabled: false });
    await createUser(B, 'ada.byron', { displayName: 'Ada Byron' });
    const all = await call<Page>('GET', '/v1.0/users', A.token);
    listA = all.body.value.map((u) => u.id as string);
  });

  const ids = async (query: string, headers: Record<string, string> = {}, token = A.token): Promise<string[]> => {
    const r = await call<Page>('GET', `/v1.0/users?${query}`, token, undefined, { headers });
    expect(r.status, r.raw.slice(0, 400)).toBe(200);
    expect(r.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#users`);
    return r.body.value.map((u) => u.id as string);
  };

  it('startswith on displayName and userPrincipalName, case-insensitively, within the tenant only', async () => {
    expect(await ids(`$filter=${q("startswith(displayName,'ada')")}`)).toEqual([ada.id, off.id]);
    expect(await ids(`$filter=${q("startsWith(displayName,'ADA L')")}`)).toEqual([ada.id]);
    expect(await ids(`$filter=${q("startswith(userPrincipalName,'ALAN.')")}`)).toEqual([alan.id]);
    expect(await ids(`$filter=${q("displayName eq 'grace brewster-hopper'")}`)).toEqual([grace.id]);
    expect(await ids(`$filter=${q(`userPrincipalName eq '${ada.upn.toUpperCase()}'`)}`)).toEqual([ada.id]);
    expect(await ids(`$filter=${q(`id eq '${alan.id}'`)}`)).toEqual([alan.id]);
    expect(await ids(`$filter=${q("accountEnabled eq false")}`)).toEqual([off.id]);
    expect(await ids(`$filter=${q("startswith(displayName,'Ada') and accountEnabled eq true")}`)).toEqual([ada.id]);
    expect((await ids(`$filter=${q("startswith(displayName,'Alan') or startswith(givenName,'ada')")}`)).sort()).toEqual([ada.id, alan.id].sort());
    // LIKE wildcards are plain characters; tenant B's "Ada Byron" is never seen from A
    expect(await ids(`$filter=${q("startswith(displayName,'%')")}`)).toEqual([]);
    expect(await ids(`$filter=${q("startswith(displayName,'_da')")}`)).toEqual([]);
    expect(await ids(`$filter=${q("displayName eq 'Ada Byron'")}`)).toEqual([]);
    expect((await ids(`$filter=${q("startswith(displayName,'ada')")}`, {}, B.token))).toHaveLength(1);
  });

  it('case folding is ASCII-only, identically on SQLite and PostgreSQL; other letters compare exactly', async () => {
    const emile = await createUser(A, 'emile.zola', { displayName: 'Émile Zola' });
    expect(await ids(`$filter=${q("startswith(displayName,'Émile')")}`)).toEqual([emile.id]);
    expect(await ids(`$filter=${q("displayName eq 'Émile ZOLA'")}`)).toEqual([emile.id]);
    expect(await ids(`$filter=${q("startswith(displayName,'émile')")}`)).toEqual([]);
    expect(await ids(`$search=${q('"displayName:zol"')}`, { consistencylevel: 'eventual' })).toEqual([emile.id]);
    // NUL never reaches the store (PostgreSQL refuses it): a 400 for the filter, nothing found for a key
    expectError(await call('GET', `/v1.0/users?$filter=${q("startswith(displayName,'a\u0000')")}`, A.token), 400, 'Request_UnsupportedQuery');
    expectError(await call('GET', `/v1.0/users?$search=${q('"displayName:a\u0000"')}`, A.token, undefined, { headers: { consistencylevel: 'eventual' } }), 400, 'Request_UnsupportedQuery');
    expect((await call('DELETE', `/v1.0/users/${emile.id}`, A.token)).status).toBe(204);
  });

  it('unsupported or invalid filters are 400 Request_UnsupportedQuery', async () => {
    for (const f of ["endswith(mail,'x')", "displayName ne 'x'", "jobTitle eq 'x'", "startswith(id,'1')", 'displayName eq', "contains(displayName,'a')", "accountEnabled eq 'yes'"]) {
      expectError(await call('GET', `/v1.0/users?$filter=${q(f)}`, A.token), 400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
    }
  });

  it('$search needs ConsistencyLevel: eventual; displayName matches word prefixes, other properties prefixes', async () => {
    expectError(await call('GET', `/v1.0/users?$search=${q('"displayName:love"')}`, A.token), 400, 'Request_UnsupportedQuery',
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    const ev = { consistencylevel: 'eventual' };
    expect(await ids(`$search=${q('"displayName:love"')}`, ev)).toEqual([ada.id]);
    expect(await ids(`$search=${q('"displayName:HOPPER"')}`, ev)).toEqual([grace.id]);
    expect(await ids(`$search=${q('"displayName:ovelace"')}`, ev)).toEqual([]);
    expect((await ids(`$search=${q('"displayName:hopper" OR "userPrincipalName:alan"')}`, ev)).sort()).toEqual([alan.id, grace.id].sort());
    expect(await ids(`$search=${q('"displayName:ada" AND "surname:love"')}`, ev)).toEqual([ada.id]);
    expect(await ids(`$search=${q('"displayName:ada"')}&$filter=${q('accountEnabled eq false')}`, ev)).toEqual([off.id]);
    for (const bad of ['displayName:ada', '"displayName:ada', '"jobTitle:x"', '"displayName:"', '"displayName:a" NOT "mail:b"', '"ada"']) {
      expectError(await call('GET', `/v1.0/users?$search=${q(bad)}`, A.token, undefined, { headers: ev }), 400, 'Request_UnsupportedQuery');
    }
  });

  it('$count=true answers @odata.count only in an advanced query', async () => {
    const r = await call<Page>('GET', `/v1.0/users?$count=true&$filter=${q("startswith(displayName,'ada')")}`, A.token, undefined, { headers: { ConsistencyLevel: 'eventual' } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['@odata.context', '@odata.count', 'value']);
    expect(r.body['@odata.count']).toBe(2);
    const plain = await call<Page>('GET', '/v1.0/users?$count=true', A.token);
    expect(plain.body).not.toHaveProperty('@odata.count');
  });

  it('$top pages with an absolute @odata.nextLink whose $skiptoken is bound to the query and the tenant', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/v1.0/users?$top=2';
    let pages = 0;
    let firstNext = '';
    while (url) {
      const r: Res<Page> = await call<Page>('GET', url, A.token);
      expect(r.status, r.raw.slice(0, 300)).toBe(200);
      expect(r.body.value.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.value.map((u) => u.id as string));
      const next: string | undefined = r.body['@odata.nextLink'];
      if (next) {
        expect(next.startsWith(`${PUBLIC}/v1.0/users?$top=2&$skiptoken=`)).toBe(true);
        firstNext ||= next;
      }
      url = next?.slice(PUBLIC.length);
      pages++;
    }
    expect(seen).toEqual(listA);
    expect(pages).toBe(Math.ceil(listA.length / 2));
    const token = new URL(firstNext).searchParams.get('$skiptoken')!;
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expectError(await call('GET', `/v1.0/users?$top=2&$skiptoken=${q(tampered)}`, A.token), 400, 'BadRequest');
    expectError(await call('GET', `/v1.0/users?$top=3&$skiptoken=${q(token)}`, A.token), 400, 'BadRequest');
    expectError(await call('GET', `/v1.0/users?$top=2&$skiptoken=${q(token)}`, B.token), 400, 'BadRequest');
  });

  it('$top outside 1..999 is a 400', async () => {
    for (const top of ['0', '1000', 'abc', '-1']) {
      expectError(await call('GET', `/v1.0/users?$top=${top}`, A.token), 400, 'Request_UnsupportedQuery', `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
    }
  });

  it('$select returns the named properties (accountEnabled included) and id; an unknown name is a 400', async () => {
    const r = await call<Page>('GET', `/v1.0/users?$select=displayName,AccountEnabled&$filter=${q(`id eq '${off.id}'`)}`, A.token);
    expect(r.body.value).toEqual([{ id: off.id, displayName: 'Adalbert Off', accountEnabled: false }]);
    const one = await call('GET', `/v1.0/users/${ada.id}?$select=userPrincipalName,createdDateTime,givenName`, A.token);
    expect(Object.keys(one.body).sort()).toEqual(['@odata.context', 'createdDateTime', 'givenName', 'id', 'userPrincipalName']);
    expect(one.body.givenName).toBe('Ada');
    expectError(await call('GET', '/v1.0/users?$select=displayName,password', A.token), 400, 'Request_BadRequest', "Could not find a property named 'password' on type 'microsoft.graph.user'.");
  });

  it('reading users needs a read permission', async () => {
    const app = await registerApp(s, A.token, ['AuditLog.Read.All'], 'No user read');
    expectError(await call('GET', `/v1.0/users?$filter=${q("startswith(displayName,'a')")}`, await appToken(s, A.t.tenantId, app)), 403, 'Authorization_RequestDenied', DENIED);
  });
});

describe('PATCH /users/{id}', () => {
  it('updates displayName, givenName, surname: 204, audited as "Update user"', async () => {
    const u = await createUser(A, 'patch.me');
    const crid = randomUUID();
    const r = await call('PATCH', `/v1.0/users/${u.id}`, A.token, { displayName: 'Patched Name', givenName: 'Patched', surname: null }, { crid });
    expect(r.status, r.raw).toBe(204);
    const got = await call('GET', `/v1.0/users/${u.id}`, A.token);
    expect(got.body).toMatchObject({ id: u.id, displayName: 'Patched Name', givenName: 'Patched', surname: null, userPrincipalName: u.upn });
    const audits = await auditsFor(A.token, crid);
    expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType, x.result])).toEqual([['Update user', 'UserManagement', 'Update', 'success']]);
    expect(audits[0]!.initiatedBy.user?.id).toBe(A.t.admin.id);
    const target = audits[0]!.targetResources[0]!;
    expect(target).toMatchObject({ id: u.id, type: 'User', userPrincipalName: u.upn });
    expect(target.modifiedProperties).toEqual([
      { displayName: 'DisplayName', oldValue: '["patch.me"]', newValue: '["Patched Name"]' },
      { displayName: 'GivenName', oldValue: '[]', newValue: '["Patched"]' },
      { displayName: 'Surname', oldValue: '[]', newValue: '[]' },
      { displayName: 'Included Updated Properties', oldValue: null, newValue: '"DisplayName, GivenName, Surname"' },
    ]);
    // by UPN too
    expect((await call('PATCH', `/v1.0/users/${u.upn.toUpperCase()}`, A.token, { surname: 'Upn' })).status).toBe(204);
    expect((await userRow(A.t.tenantId, u.id))?.surname).toBe('Upn');
  });

  it('bad input is a 400 in Graph\'s envelope and changes nothing', async () => {
    const u = await createUser(A, 'bad.input');
    const before = await userRow(A.t.tenantId, u.id);
    const cases: [unknown, string | undefined, string, string | RegExp][] = [
      [{ displayName: '' }, undefined, 'Request_BadRequest', /displayName/],
      [{ displayName: null }, undefined, 'Request_BadRequest', /displayName/],
      [{ displayName: 'x'.repeat(257) }, undefined, 'Request_BadRequest', /displayName/],
      [{ displayName: 'nul\u0000' }, undefined, 'Request_BadRequest', /displayName/],
      [{ accountEnabled: 'no' }, undefined, 'Request_BadRequest', "Invalid value specified for property 'accountEnabled' of resource 'User'."],
      [{ accountEnabled: null }, undefined, 'Request_BadRequest', "Invalid value specified for property 'accountEnabled' of resource 'User'."],
      [{ givenName: 42 }, undefined, 'Request_BadRequest', /givenName/],
      [{ passwordProfile: { password: 'password' } }, undefined, 'Request_BadRequest', /^The specified password does not comply with password complexity requirements\./],
      [{ passwordProfile: {} }, undefined, 'Request_BadRequest', /password/],
      [{ passwordProfile: 'Secret!123' }, undefined, 'Request_BadRequest', /passwordProfile/],
      [{ passwordProfile: { password: strongPassword(), hint: 'x' } }, undefined, 'Request_BadRequest', "Property 'hint' does not exist on type 'microsoft.graph.passwordProfile'."],
      [{ displayName: 'ok', isAdmin: true }, undefined, 'Request_BadRequest', "Property 'isAdmin' does not exist on type 'microsoft.graph.user'."],
      [{ userPrincipalName: `other@${A.t.domain}` }, undefined, 'Request_BadRequest', "Updating property 'userPrincipalName' of resource 'User' is not supported by Tenantry."],
      [{ id: randomUUID() }, undefined, 'Request_BadRequest', "Property 'id' is read-only and cannot be set."],
      [[{ displayName: 'x' }], undefined, 'Request_BadRequest', /JSON object/],
      [undefined, '{"displayName": nope}', 'BadRequest', 'Invalid JSON in the request body.'],
    ];
    for (const [body, raw, code, message] of cases) {
      const crid = randomUUID();
      expectError(await call('PATCH', `/v1.0/users/${u.id}`, A.token, body, { crid, ...(raw ? { raw } : {}) }), 400, code, message);
      expect(await auditsFor(A.token, crid)).toEqual([]);
    }
    expect(await userRow(A.t.tenantId, u.id)).toEqual(before);
    expectError(await call('PATCH', `/v1.0/users/${randomUUID()}`, A.token, { displayName: 'x' }), 404, 'Request_ResourceNotFound');
    expectError(await call('PATCH', `/v1.0/users/nobody@${A.t.domain}`, A.token, { displayName: 'x' }), 404, 'Request_ResourceNotFound');
  });

  it('a disabled user gets no token, and tokens already issued stop working; enabling again lets the user back in', async () => {
    const u = await createUser(A, 'to.disable');
    const first = await signIn(A.t.tenantId, u.upn, u.password);
    expect(first.status).toBe(200);
    const access = first.body.access_token as string;
    const rt = first.body.refresh_token as string;
    expect((await call('GET', '/v1.0/me', access)).status).toBe(200);

    const crid = randomUUID();
    expect((await call('PATCH', `/v1.0/users/${u.id}`, A.token, { accountEnabled: false }, { crid })).status).toBe(204);
    const audit = (await auditsFor(A.token, crid))[0]!;
    expect(audit.activityDisplayName).toBe('Update user');
    expect(audit.targetResources[0]!.modifiedProperties[0]).toEqual({ displayName: 'AccountEnabled', oldValue: '[true]', newValue: '[false]' });
    expect((await call<Page>('GET', `/v1.0/users?$select=accountEnabled&$filter=${q(`id eq '${u.id}'`)}`, A.token)).body.value).toEqual([{ id: u.id, accountEnabled: false }]);

    expectTokenError(await signIn(A.t.tenantId, u.upn, u.password), 'invalid_grant', 50057);
    expectTokenError(await refresh(A.t.tenantId, rt), 'invalid_grant', 50057);
    expectError(await call('GET', '/v1.0/me', access), 401, 'InvalidAuthenticationToken');

    expect((await call('PATCH', `/v1.0/users/${u.id}`, A.token, { accountEnabled: true })).status).toBe(204);
    expect((await signIn(A.t.tenantId, u.upn, u.password)).status).toBe(200);
    expect((await refresh(A.t.tenantId, rt)).status).toBe(200);
  });

  it('a password reset takes the new password, revokes the user\'s refresh tokens (AADSTS50173) and is audited without the password', async () => {
    const u = await createUser(A, 'reset.me');
    const one = await signIn(A.t.tenantId, u.upn, u.password);
    const two = await signIn(A.t.tenantId, u.upn, u.password);
    expect([one.status, two.status]).toEqual([200, 200]);
    const newPassword = strongPassword();
    const crid = randomUUID();
    const r = await call('PATCH', `/v1.0/users/${u.id}`, A.token, { passwordProfile: { password: newPassword, forceChangePasswordNextSignIn: false } }, { crid });
    expect(r.status, r.raw).toBe(204);

    expectTokenError(await refresh(A.t.tenantId, one.body.refresh_token as string), 'invalid_grant', 50173);
    expectTokenError(await refresh(A.t.tenantId, two.body.refresh_token as string), 'invalid_grant', 50173);
    expectTokenError(await signIn(A.t.tenantId, u.upn, u.password), 'invalid_grant', 50126);
    const fresh = await signIn(A.t.tenantId, u.upn, newPassword);
    expect(fresh.status).toBe(200);
    // tokens issued after the reset are not touched by it
    expect((await refresh(A.t.tenantId, fresh.body.refresh_token as string)).status).toBe(200);

    const rows = await s.testStore.store.db.selectFrom('refresh_tokens').select(['revoked_at', 'created_at']).where('tenant_id', '=', A.t.tenantId).where('user_id', '=', u.id).execute();
    expect(rows.filter((x) => x.revoked_at !== null).length).toBeGreaterThanOrEqual(2);

    const audits = await auditsFor(A.token, crid);
    expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Reset user password', 'UserManagement', 'Update']]);
    expect(audits[0]!.targetResources[0]).toMatchObject({ id: u.id, type: 'User', userPrincipalName: u.upn, modifiedProperties: [] });
    expect(JSON.stringify(audits)).not.toContain(newPassword);
  });

  it('a user without an admin role may not update users; a User Administrator may, except sensitive changes to admins', async () => {
    const target = await createUser(A, 'target.user');
    const member = await userWithRoles(A, 'plain.member', []);
    const before = await userRow(A.t.tenantId, target.id);
    for (const body of [{ displayName: 'Hacked' }, { accountEnabled: false }, { passwordProfile: { password: strongPassword() } }]) {
      const crid = randomUUID();
      expectError(await call('PATCH', `/v1.0/users/${target.id}`, member.token, body, { crid }), 403, 'Authorization_RequestDenied', DENIED);
      expect(await auditsFor(A.token, crid)).toEqual([]);
    }
    // not even their own display name
    expectError(await call('PATCH', `/v1.0/users/${member.id}`, member.token, { displayName: 'Me' }), 403, 'Authorization_RequestDenied', DENIED);
    expect(await userRow(A.t.tenantId, target.id)).toEqual(before);

    const ua = await userWithRoles(A, 'user.admin', [USER_ADMIN]);
    expect((await call('PATCH', `/v1.0/users/${target.id}`, ua.token, { displayName: 'By UA', accountEnabled: false })).status).toBe(204);
    expect((await call('PATCH', `/v1.0/users/${target.id}`, ua.token, { passwordProfile: { password: strongPassword() }, accountEnabled: true })).status).toBe(204);
    const reader = await userWithRoles(A, 'reports.reader', [REPORTS_READER]);
    expect((await call('PATCH', `/v1.0/users/${reader.id}`, ua.token, { accountEnabled: false })).status).toBe(204);
    // a Global Administrator or Security Reader is beyond a User Administrator's reach for sensitive properties
    const secReader = await userWithRoles(A, 'security.reader', [SECURITY_READER]);
    for (const id of [A.t.admin.id, secReader.id]) {
      const was = await userRow(A.t.tenantId, id);
      expectError(await call('PATCH', `/v1.0/users/${id}`, ua.token, { accountEnabled: false }), 403, 'Authorization_RequestDenied', DENIED);
      expectError(await call('PATCH', `/v1.0/users/${id}`, ua.token, { passwordProfile: { password: strongPassword() } }), 403, 'Authorization_RequestDenied', DENIED);
      expect(await userRow(A.t.tenantId, id)).toEqual(was);
    }
    // non-sensitive properties of an admin: allowed
    expect((await call('PATCH', `/v1.0/users/${secReader.id}`, ua.token, { givenName: 'Sec' })).status).toBe(204);
    // the Global Administrator may do it all
    expect((await call('PATCH', `/v1.0/users/${secReader.id}`, A.token, { accountEnabled: false })).status).toBe(204);
  });

  it('app-only: User.ReadWrite.All disables users without a role, but resets no password and touches no admin', async () => {
    const app = await registerApp(s, A.token, ['User.ReadWrite.All'], 'User writer');
    const tok = await appToken(s, A.t.tenantId, app);
    const plain = await createUser(A, 'app.target');
    const crid = randomUUID();
    expect((await call('PATCH', `/v1.0/users/${plain.id}`, tok, { accountEnabled: false, displayName: 'By app' }, { crid })).status).toBe(204);
    const audit = (await auditsFor(A.token, crid))[0]!;
    expect(audit.initiatedBy.user).toBeNull();
    expect(audit.initiatedBy.app).toMatchObject({ appId: app.appId, servicePrincipalId: app.spId });
    expectError(await call('PATCH', `/v1.0/users/${plain.id}`, tok, { passwordProfile: { password: strongPassword() } }), 403, 'Authorization_RequestDenied', DENIED);
    expectError(await call('PATCH', `/v1.0/users/${A.t.admin.id}`, tok, { accountEnabled: false }), 403, 'Authorization_RequestDenied', DENIED);
    expect((await userRow(A.t.tenantId, A.t.admin.id))?.account_enabled).toBe(1);

    const reader = await registerApp(s, A.token, ['User.Read.All'], 'User reader');
    expectError(await call('PATCH', `/v1.0/users/${plain.id}`, await appToken(s, A.t.tenantId, reader), { displayName: 'x' }), 403, 'Authorization_RequestDenied', DENIED);

    // with the User Administrator role, the app may reset passwords of users without an admin role
    await assign(A, app.spId, USER_ADMIN);
    const withRole = await appToken(s, A.t.tenantId, app);
    expect((await call('PATCH', `/v1.0/users/${plain.id}`, withRole, { passwordProfile: { password: strongPassword() } })).status).toBe(204);
  });

  it('another tenant\'s user is not found, and stays unchanged', async () => {
    const u = await createUser(A, 'isolated.patch');
    const before = await userRow(A.t.tenantId, u.id);
    expectError(await call('PATCH', `/v1.0/users/${u.id}`, B.token, { displayName: 'From B', accountEnabled: false }), 404, 'Request_ResourceNotFound');
    expectError(await call('PATCH', `/v1.0/users/${u.upn}`, B.token, { displayName: 'From B' }), 404, 'Request_ResourceNotFound');
    expect(await userRow(A.t.tenantId, u.id)).toEqual(before);
  });
});

describe('DELETE /users/{id}', () => {
  it('deletes the user with its role assignments; its tokens and refresh tokens stop working; audited', async () => {
    const u = await createUser(A, 'to.delete');
    const assignment = await assign(A, u.id, REPORTS_READER);
    const first = await signIn(A.t.tenantId, u.upn, u.password);
    expect(first.status).toBe(200);

    const crid = randomUUID();
    const r = await call('DELETE', `/v1.0/users/${u.id}`, A.token, undefined, { crid });
    expect(r.status, r.raw).toBe(204);
    expectError(await call('GET', `/v1.0/users/${u.id}`, A.token), 404, 'Request_ResourceNotFound');
    expect((await call<Page>('GET', `/v1.0/users?$filter=${q(`id eq '${u.id}'`)}`, A.token)).body.value).toEqual([]);
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${assignment}`, A.token), 404, 'Request_ResourceNotFound');
    expect((await call<Page>('GET', `/v1.0/directoryRoles/${REPORTS_READER}/members`, A.token)).body.value.map((m) => m.id)).not.toContain(u.id);

    const audits = await auditsFor(A.token, crid);
    expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType]).sort()).toEqual([
      ['Delete user', 'UserManagement', 'Delete'], ['Remove member from role', 'RoleManagement', 'Unassign'],
    ]);
    expect(audits.find((x) => x.activityDisplayName === 'Delete user')!.targetResources[0]).toMatchObject({ id: u.id, type: 'User', userPrincipalName: u.upn });

    expectTokenError(await signIn(A.t.tenantId, u.upn, u.password), 'invalid_grant', 50126);
    expectTokenError(await refresh(A.t.tenantId, first.body.refresh_token as string), 'invalid_grant', 50173);
    expectError(await call('GET', '/v1.0/me', first.body.access_token as string), 401, 'InvalidAuthenticationToken');
    expectError(await call('DELETE', `/v1.0/users/${u.id}`, A.token), 404, 'Request_ResourceNotFound');
  });

  it('needs User.ReadWrite.All and a User Administrator or Global Administrator; admins only by a Global Administrator', async () => {
    const target = await createUser(A, 'delete.target');
    const member = await userWithRoles(A, 'delete.member', []);
    const crid = randomUUID();
    expectError(await call('DELETE', `/v1.0/users/${target.id}`, member.token, undefined, { crid }), 403, 'Authorization_RequestDenied', DENIED);
    expect(await auditsFor(A.token, crid)).toEqual([]);
    const dirWriter = await registerApp(s, A.token, ['Directory.ReadWrite.All'], 'Directory writer');
    expectError(await call('DELETE', `/v1.0/users/${target.id}`, await appToken(s, A.t.tenantId, dirWriter)), 403, 'Authorization_RequestDenied', DENIED);
    expect(await userRow(A.t.tenantId, target.id)).toBeDefined();

    const ua = await userWithRoles(A, 'delete.ua', [USER_ADMIN]);
    const globalReader = await userWithRoles(A, 'delete.gr', [GLOBAL_READER]);
    expectError(await call('DELETE', `/v1.0/users/${A.t.admin.id}`, ua.token), 403, 'Authorization_RequestDenied', DENIED);
    expectError(await call('DELETE', `/v1.0/users/${globalReader.id}`, ua.token), 403, 'Authorization_RequestDenied', DENIED);
    expect(await userRow(A.t.tenantId, globalReader.id)).toBeDefined();
    expect((await call('DELETE', `/v1.0/users/${target.upn}`, ua.token)).status).toBe(204);
    expect(await userRow(A.t.tenantId, target.id)).toBeUndefined();
    expect((await call('DELETE', `/v1.0/users/${globalReader.id}`, A.token)).status).toBe(204);
  });

  it('another tenant cannot delete the user: 404, and it stays', async () => {
    const u = await createUser(A, 'isolated.delete');
    expectError(await call('DELETE', `/v1.0/users/${u.id}`, B.token), 404, 'Request_ResourceNotFound');
    expectError(await call('DELETE', `/v1.0/users/${u.upn}`, B.token), 404, 'Request_ResourceNotFound');
    expect(await userRow(A.t.tenantId, u.id)).toBeDefined();
    expect((await signIn(A.t.tenantId, u.upn, u.password)).status).toBe(200);
  });
});

describe('directory roles: members, role assignments, role definitions, memberOf', () => {
  /** a tenant of its own, so that the role holders are exactly those made here */
  let A: Admin;
  let reader: Member & { token: string };
  let readerAssignment: string;
  let app: RegisteredApp;
  let appAssignment: string;

  beforeAll(async () => {
    A = await adminOf();
    reader = await userWithRoles(A, 'role.reader', []);
    readerAssignment = await assign(A, reader.id, REPORTS_READER);
    app = await registerApp(s, A.token, ['AuditLog.Read.All'], 'Role holder app');
    appAssignment = await assign(A, app.spId, REPORTS_READER);
  });

  it('GET /directoryRoles/{id}/members and roleTemplateId=…: users and service principals as directoryObjects', async () => {
    for (const path of [`/v1.0/directoryRoles/${REPORTS_READER}/members`, `/v1.0/directoryRoles/roleTemplateId=${REPORTS_READER}/members`, `/beta/directoryRoles/${REPORTS_READER.toUpperCase()}/members`]) {
      const r = await call<Page>('GET', path, A.token);
      expect(r.status, r.raw.slice(0, 300)).toBe(200);
      expect(r.body['@odata.context']).toBe(`${PUBLIC}/${path.split('/')[1]}/$metadata#directoryObjects`);
      const user = r.body.value.find((m) => m.id === reader.id)!;
      expect(user).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: reader.id, displayName: 'role.reader', userPrincipalName: reader.upn });
      expect(Object.keys(user)[0]).toBe('@odata.type');
      expect(user).not.toHaveProperty('passwordProfile');
      const sp = r.body.value.find((m) => m.id === app.spId)!;
      expect(sp).toMatchObject({ '@odata.type': '#microsoft.graph.servicePrincipal', id: app.spId, appId: app.appId, displayName: 'Role holder app' });
      expect(r.body.value).toHaveLength(2);
    }
    const ga = await call<Page>('GET', `/v1.0/directoryRoles/${GLOBAL_ADMIN}/members`, A.token);
    expect(ga.body.value.map((m) => [m['@odata.type'], m.id])).toEqual([['#microsoft.graph.user', A.t.admin.id]]);
    // a built-in role nobody holds: empty; an unknown id: 404
    expect((await call<Page>('GET', `/v1.0/directoryRoles/${SECURITY_READER}/members`, B.token)).body.value).toEqual([]);
    for (const id of [randomUUID(), 'not-a-role', `roleTemplateId=${randomUUID()}`]) {
      expectError(await call('GET', `/v1.0/directoryRoles/${id}/members`, A.token), 404, 'Request_ResourceNotFound');
    }
    // members read the role's members as Entra's default user permissions allow; an app needs a directory permission
    expect((await call('GET', `/v1.0/directoryRoles/${GLOBAL_ADMIN}/members`, reader.token)).status).toBe(200);
    expectError(await call('GET', `/v1.0/directoryRoles/${GLOBAL_ADMIN}/members`, await appToken(s, A.t.tenantId, app)), 403, 'Authorization_RequestDenied', DENIED);
    // tenant B sees its own administrator only
    const other = await call<Page>('GET', `/v1.0/directoryRoles/${GLOBAL_ADMIN}/members`, B.token);
    expect(other.body.value.map((m) => m.id)).toEqual([B.t.admin.id]);
    expect((await call<Page>('GET', `/v1.0/directoryRoles/${REPORTS_READER}/members`, B.token)).body.value).toEqual([]);
  });

  it('GET /roleManagement/directory/roleAssignments with $filter on principalId or roleDefinitionId, and by id', async () => {
    const byPrincipal = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${reader.id}'`)}`, A.token);
    expect(byPrincipal.status, byPrincipal.raw).toBe(200);
    expect(byPrincipal.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#roleManagement/directory/roleAssignments`);
    expect(byPrincipal.body.value).toEqual([{ id: readerAssignment, principalId: reader.id, roleDefinitionId: REPORTS_READER, directoryScopeId: '/', appScopeId: null }]);
    const byRole = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`roleDefinitionId eq '${REPORTS_READER}'`)}`, A.token);
    expect(byRole.body.value.map((a) => a.id).sort()).toEqual([readerAssignment, appAssignment].sort());
    const both = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`roleDefinitionId eq '${GLOBAL_ADMIN}' and principalId eq '${A.t.admin.id}'`)}`, A.token);
    expect(both.body.value.map((a) => a.principalId)).toEqual([A.t.admin.id]);
    const all = await call<Page>('GET', '/v1.0/roleManagement/directory/roleAssignments', A.token);
    expect(all.body.value.map((a) => a.id)).toEqual(expect.arrayContaining([readerAssignment, appAssignment]));
    expect(all.body.value.every((a) => [reader.id, app.spId].includes(a.principalId as string) || a.roleDefinitionId !== REPORTS_READER)).toBe(true);
    const selected = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$select=roleDefinitionId&$filter=${q(`principalId eq '${reader.id}'`)}`, A.token);
    expect(selected.body.value).toEqual([{ id: readerAssignment, roleDefinitionId: REPORTS_READER }]);

    const one = await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, A.token);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      '@odata.context': `${PUBLIC}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity`,
      id: readerAssignment, principalId: reader.id, roleDefinitionId: REPORTS_READER, directoryScopeId: '/', appScopeId: null,
    });
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${randomUUID()}`, A.token), 404, 'Request_ResourceNotFound');
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${'x'.repeat(90)}`, A.token), 404, 'Request_ResourceNotFound');
    expectError(await call('GET', '/v1.0/roleManagement/directory/roleAssignments/a%00b', A.token), 404, 'Request_ResourceNotFound');

    for (const f of ["principalId eq 'abc'", "startswith(principalId,'a')", `principalId ne '${reader.id}'`, `appScopeId eq '/'`, 'garbage(']) {
      expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(f)}`, A.token), 400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
    }
    expectError(await call('GET', '/v1.0/roleManagement/directory/roleAssignments?$top=5', A.token), 400, 'BadRequest', /Query option 'Top' is not allowed/);
  });

  it('reading role assignments needs a role that reads them (not a plain member) or an app permission', async () => {
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${reader.id}'`)}`, reader.token), 403, 'Authorization_RequestDenied', DENIED);
    const gr = await userWithRoles(A, 'assignments.gr', [GLOBAL_READER]);
    expect((await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, gr.token)).status).toBe(200);
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, await appToken(s, A.t.tenantId, app)), 403, 'Authorization_RequestDenied', DENIED);
    const rm = await registerApp(s, A.token, ['RoleManagement.Read.Directory'], 'Role reader app');
    expect((await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, await appToken(s, A.t.tenantId, rm))).status).toBe(200);
  });

  it('tenant isolation: another tenant neither sees nor deletes an assignment', async () => {
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, B.token), 404, 'Request_ResourceNotFound');
    expect((await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${reader.id}'`)}`, B.token)).body.value).toEqual([]);
    const crid = randomUUID();
    expectError(await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, B.token, undefined, { crid }), 404, 'Request_ResourceNotFound');
    expect(await auditsFor(B.token, crid)).toEqual([]);
    expect((await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${readerAssignment}`, A.token)).status).toBe(200);
  });

  it('DELETE …/roleAssignments/{id}: 204, "Remove member from role", and the role is gone from the next token and memberOf', async () => {
    const u = await userWithRoles(A, 'unassign.me', [REPORTS_READER, SECURITY_READER]);
    const assignments = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${u.id}'`)}`, A.token);
    const target = assignments.body.value.find((a) => a.roleDefinitionId === SECURITY_READER)!.id as string;

    const memberOf = await call<Page>('GET', `/v1.0/users/${u.id}/memberOf`, A.token);
    expect(memberOf.status).toBe(200);
    expect(memberOf.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#directoryObjects`);
    expect(memberOf.body.value.map((r) => [r['@odata.type'], r.roleTemplateId]).sort()).toEqual([
      ['#microsoft.graph.directoryRole', REPORTS_READER], ['#microsoft.graph.directoryRole', SECURITY_READER],
    ]);
    expect(memberOf.body.value.find((r) => r.roleTemplateId === SECURITY_READER)).toEqual({
      '@odata.type': '#microsoft.graph.directoryRole', id: SECURITY_READER, deletedDateTime: null,
      description: 'Can read security information and reports in Microsoft Entra ID and Office 365.', displayName: 'Security Reader', roleTemplateId: SECURITY_READER,
    });

    // a user without a role-management role may not remove assignments, not even their own
    const crid0 = randomUUID();
    expectError(await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${target}`, u.token, undefined, { crid: crid0 }), 403, 'Authorization_RequestDenied', DENIED);
    expect(await auditsFor(A.token, crid0)).toEqual([]);

    const crid = randomUUID();
    const r = await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${target}`, A.token, undefined, { crid });
    expect(r.status, r.raw).toBe(204);
    const audits = await auditsFor(A.token, crid);
    expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Remove member from role', 'RoleManagement', 'Unassign']]);
    expect(audits[0]!.targetResources.map((t) => [t.id, t.type])).toEqual([[u.id, 'User'], [SECURITY_READER, 'Role']]);
    expect(audits[0]!.targetResources[0]!.modifiedProperties).toEqual([
      { displayName: 'Role.DisplayName', oldValue: '["Security Reader"]', newValue: null },
      { displayName: 'Role.TemplateId', oldValue: `["${SECURITY_READER}"]`, newValue: null },
    ]);

    expectError(await call('GET', `/v1.0/roleManagement/directory/roleAssignments/${target}`, A.token), 404, 'Request_ResourceNotFound');
    expectError(await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${target}`, A.token), 404, 'Request_ResourceNotFound');
    const me = await call<Page>('GET', '/v1.0/me/memberOf', await userToken(s, A.t.tenantId, u.upn, u.password));
    expect(me.body.value.map((x) => x.roleTemplateId)).toEqual([REPORTS_READER]);
    const fresh = await signIn(A.t.tenantId, u.upn, u.password);
    const wids = JSON.parse(Buffer.from((fresh.body.access_token as string).split('.')[1]!, 'base64url').toString()).wids as string[];
    expect(wids).toEqual([REPORTS_READER]);

    // removing a service principal's assignment
    const spCrid = randomUUID();
    expect((await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${appAssignment}`, A.token, undefined, { crid: spCrid })).status).toBe(204);
    const spAudit = (await auditsFor(A.token, spCrid))[0]!;
    expect(spAudit.activityDisplayName).toBe('Remove service principal from role');
    expect(spAudit.targetResources[0]).toMatchObject({ id: app.spId, type: 'ServicePrincipal', displayName: 'Role holder app' });
  });

  it('a Global Administrator cannot remove their own Global Administrator assignment; another may', async () => {
    const mine = await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${A.t.admin.id}'`)}`, A.token);
    const id = mine.body.value[0]!.id as string;
    expectError(await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${id}`, A.token), 403, 'Authorization_RequestDenied', DENIED);
    const second = await userWithRoles(A, 'second.ga', [GLOBAL_ADMIN]);
    const hisOwn = (await call<Page>('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${q(`principalId eq '${second.id}'`)}`, A.token)).body.value[0]!.id as string;
    expect((await call('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${hisOwn}`, A.token)).status).toBe(204);
  });

  it('GET /roleManagement/directory/roleDefinitions: the built-in roles as unifiedRoleDefinition', async () => {
    const r = await call<Page>('GET', '/v1.0/roleManagement/directory/roleDefinitions', reader.token);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#roleManagement/directory/roleDefinitions`);
    expect(r.body.value.length).toBeGreaterThanOrEqual(11);
    expect(r.body.value.find((d) => d.id === GLOBAL_ADMIN)).toEqual({
      id: GLOBAL_ADMIN, description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
      displayName: 'Global Administrator', isBuiltIn: true, isEnabled: true, resourceScopes: ['/'], templateId: GLOBAL_ADMIN, version: '1', rolePermissions: [],
    });
    const filtered = await call<Page>('GET', `/v1.0/roleManagement/directory/roleDefinitions?$filter=${q("displayName eq 'Reports Reader'")}`, A.token);
    expect(filtered.body.value.map((d) => d.templateId)).toEqual([REPORTS_READER]);
    const one = await call('GET', `/v1.0/roleManagement/directory/roleDefinitions/${USER_ADMIN}`, A.token);
    expect(one.body).toMatchObject({ '@odata.context': `${PUBLIC}/v1.0/$metadata#roleManagement/directory/roleDefinitions/$entity`, id: USER_ADMIN, displayName: 'User Administrator' });
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleDefinitions/${randomUUID()}`, A.token), 404, 'Request_ResourceNotFound');
    expectError(await call('GET', `/v1.0/roleManagement/directory/roleDefinitions?$filter=${q("startswith(displayName,'R')")}`, A.token), 400, 'Request_UnsupportedQuery');
  });

  it('memberOf: by UPN, /me, another tenant\'s user is 404, an app needs a read permission', async () => {
    const byUpn = await call<Page>('GET', `/v1.0/users/${reader.upn.toUpperCase()}/memberOf`, A.token);
    expect(byUpn.body.value.map((r) => r.roleTemplateId)).toEqual([REPORTS_READER]);
    expect((await call<Page>('GET', '/v1.0/me/memberOf', reader.token)).body.value.map((r) => r.id)).toEqual([REPORTS_READER]);
    expect((await call<Page>('GET', `/v1.0/users/${A.t.admin.id}/memberOf`, A.token)).body.value.map((r) => r.displayName)).toEqual(['Global Administrator']);
    expectError(await call('GET', `/v1.0/users/${reader.id}/memberOf`, B.token), 404, 'Request_ResourceNotFound');
    expectError(await call('GET', `/v1.0/users/${reader.id}/memberOf`, await appToken(s, A.t.tenantId, app)), 403, 'Authorization_RequestDenied', DENIED);
    expectError(await call('GET', '/v1.0/me/memberOf', await appToken(s, A.t.tenantId, app)), 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  });
});
