import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { startServer, type TestServer } from '../helpers/server.js';
import type { ApplicationRow } from '../../src/store/repositories/applications.js';
import * as appsRepo from '../../src/store/repositories/applications.js';
import { appToken, graphRoleId, registerApp, tokenRequest, userToken } from '../helpers/api.js';

/**
 * The directory endpoints that replace the seed's portal steps, called through Graph as the tenant
 * administrator: shapes, validation, audit records, secrets at rest and tenant isolation.
 */

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const PUBLIC = 'https://localhost:8443';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const REPORTS_READER = '4a5d8f65-41da-4de4-8968-e035b65339cf';
const P1 = { skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', part: 'AAD_PREMIUM', plan: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' };
const P2 = { skuId: '84a661c4-e949-4bd2-a560-ed7766fcaf2b', part: 'AAD_PREMIUM_P2', plan: 'eec0eb4f-6444-4f95-aba0-50c24d67f998' };
const TWO_YEARS_MS = 2 * 365.25 * 24 * 3600 * 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Res<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  raw: string;
}

type Json = Record<string, unknown>;
type Page<T = Json> = { '@odata.context': string; value: T[] };
type ErrorBody = { error: { code: string; message: string; innerError: Json } };

interface Audit {
  id: string;
  activityDisplayName: string;
  category: string;
  operationType: string;
  correlationId: string;
  result: string;
  loggedByService: string;
  initiatedBy: { user: { id: string; userPrincipalName: string } | null; app: Json | null };
  targetResources: { id: string; type: string; displayName: string | null; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

/** A Graph call with an optional client-request-id; JSON answers must carry Graph's content type. */
async function call<T = Json>(s: TestServer, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string | undefined, body?: unknown, opts: { crid?: string; raw?: string; contentType?: string } = {}): Promise<Res<T>> {
  const payload = opts.raw ?? (body !== undefined ? JSON.stringify(body) : undefined);
  const r = await s.app.inject({
    method,
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
      ...(opts.crid ? { 'client-request-id': opts.crid } : {}),
    },
    ...(payload !== undefined ? { payload } : {}),
  });
  if (r.statusCode === 204) {
    expect(r.body).toBe('');
  } else {
    expect(r.headers['content-type'], `${method} ${url}`).toBe(GRAPH_JSON);
  }
  if (opts.crid) expect(r.headers['client-request-id']).toBe(opts.crid);
  return { status: r.statusCode, headers: r.headers, body: (r.body ? r.json() : {}) as T, raw: r.body };
}

function expectError(r: Res, status: number, code: string, message?: string | RegExp): void {
  expect(r.status, r.raw.slice(0, 400)).toBe(status);
  const e = (r.body as unknown as ErrorBody).error;
  expect(e.code).toBe(code);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else if (message) expect(e.message).toMatch(message);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
}

async function auditsFor(s: TestServer, token: string, correlationId: string): Promise<Audit[]> {
  const r = await call<Page<Audit>>(s, 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`correlationId eq '${correlationId}'`)}`, token);
  expect(r.status, r.raw.slice(0, 300)).toBe(200);
  return r.body.value;
}

async function countWhere(s: TestServer, table: 'users' | 'applications' | 'directory_audits' | 'service_principals' | 'password_credentials', tenantId: string): Promise<number> {
  const r = await s.testStore.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Where in the raw store a string occurs: SQLite file and WAL bytes, or every text column in PostgreSQL. */
async function storeOccurrences(s: TestServer, needle: string): Promise<number> {
  if (s.testStore.path) {
    let n = 0;
    for (const f of [s.testStore.path, `${s.testStore.path}-wal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f);
      for (let at = bytes.indexOf(needle, 0, 'utf8'); at >= 0; at = bytes.indexOf(needle, at + 1, 'utf8')) n++;
    }
    return n;
  }
  const db = s.testStore.store.db;
  const cols = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and data_type in ('text', 'character varying', 'character', 'json', 'jsonb')`.execute(db);
  expect(cols.rows.length).toBeGreaterThan(20);
  let n = 0;
  for (const c of cols.rows) {
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(c.table_name)} where strpos(${sql.ref(c.column_name)}::text, ${needle}) > 0`.execute(db);
    n += r.rows[0]!.n;
  }
  return n;
}

const strongPassword = (): string => `Pw!${randomUUID().slice(0, 18)}Z9`;

interface Admin {
  t: CreatedTenant;
  token: string;
  password: string;
}

async function adminOf(s: TestServer, input: Parameters<TestServer['tenant']>[0] = {}): Promise<Admin> {
  const password = strongPassword();
  const t = await s.tenant({ ...input, adminPassword: password });
  return { t, password, token: await userToken(s, t.tenantId, t.admin.userPrincipalName, password) };
}

const newApp = (displayName: string) => ({
  displayName, signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
  requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: 'B0AFDED3-3588-46D8-8B3D-9842EFF778DA', type: 'Role' }, { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', type: 'Role' }] }],
});

describe('directory through Graph', () => {
  let s: TestServer;
  let a: Admin;
  beforeAll(async () => {
    s = await startServer({ listen: false });
    a = await adminOf(s, { license: 'P1', displayName: 'Contoso Reporting' });
  });
  afterAll(async () => { await s?.close(); });

  describe('tenant facts', () => {
    it('organization: the tenant, its initial domain and its premium plan', async () => {
      const r = await call<Page>(s, 'GET', '/v1.0/organization', a.token);
      expect(r.status).toBe(200);
      expect(r.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#organization`);
      expect(r.body.value).toHaveLength(1);
      const org = r.body.value[0]!;
      expect(org.id).toBe(a.t.tenantId);
      expect(org.displayName).toBe('Contoso Reporting');
      expect(org.tenantType).toBe('AAD');
      expect(org.verifiedDomains).toEqual([{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: a.t.domain, type: 'Managed' }]);
      expect((org.assignedPlans as Json[]).map((p) => [p.servicePlanId, p.service, p.capabilityStatus])).toEqual([[P1.plan, 'AADPremiumService', 'Enabled']]);
    });

    it('organization of a B2C tenant without licence', async () => {
      const b = await adminOf(s, { license: 'none', type: 'b2c' });
      const org = (await call<Page>(s, 'GET', '/v1.0/organization', b.token)).body.value[0]!;
      expect(org.tenantType).toBe('AAD B2C');
      expect(org.assignedPlans).toEqual([]);
    });

    it('domains: the initial domain is verified, default and initial', async () => {
      const r = await call<Page>(s, 'GET', '/v1.0/domains', a.token);
      expect(r.status).toBe(200);
      expect(r.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#domains`);
      expect(r.body.value).toHaveLength(1);
      expect(r.body.value[0]).toMatchObject({ id: a.t.domain, isVerified: true, isDefault: true, isInitial: true, authenticationType: 'Managed', isRoot: true });
    });

    it('subscribedSkus: P1, P2 and none', async () => {
      const p1 = await call<Page>(s, 'GET', '/v1.0/subscribedSkus', a.token);
      expect(p1.status).toBe(200);
      expect(p1.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#subscribedSkus`);
      expect(p1.body.value).toHaveLength(1);
      expect(p1.body.value[0]).toMatchObject({
        id: `${a.t.tenantId}_${P1.skuId}`, skuId: P1.skuId, skuPartNumber: P1.part, accountId: a.t.tenantId, capabilityStatus: 'Enabled', appliesTo: 'User',
        prepaidUnits: { enabled: 25, lockedOut: 0, suspended: 0, warning: 0 },
      });
      expect((p1.body.value[0]!.servicePlans as Json[]).map((p) => [p.servicePlanId, p.servicePlanName])).toEqual([[P1.plan, 'AAD_PREMIUM']]);

      const b = await adminOf(s, { license: 'P2' });
      const p2 = await call<Page>(s, 'GET', '/v1.0/subscribedSkus', b.token);
      expect(p2.body.value.map((v) => [v.skuId, v.skuPartNumber, v.id])).toEqual([[P2.skuId, P2.part, `${b.t.tenantId}_${P2.skuId}`]]);
      expect((p2.body.value[0]!.servicePlans as Json[]).map((p) => [p.servicePlanId, p.servicePlanName])).toEqual([[P1.plan, 'AAD_PREMIUM'], [P2.plan, 'AAD_PREMIUM_P2']]);

      const c = await adminOf(s, { license: 'none' });
      expect((await call<Page>(s, 'GET', '/v1.0/subscribedSkus', c.token)).body.value).toEqual([]);
    });

    it('/me is the signed-in user; app-only tokens are refused', async () => {
      const me = await call(s, 'GET', '/v1.0/me', a.token);
      expect(me.status).toBe(200);
      expect(me.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#users/$entity`);
      expect(me.body).toMatchObject({ id: a.t.admin.id, userPrincipalName: a.t.admin.userPrincipalName, displayName: 'Administrator', businessPhones: [] });
      const app = await registerApp(s, a.token, ['Directory.Read.All'], 'Me caller');
      const tok = await appToken(s, a.t.tenantId, app);
      expectError(await call(s, 'GET', '/v1.0/me', tok), 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    });

    it('directoryRoles lists Global Administrator with its template id, and roles as they are activated', async () => {
      const b = await adminOf(s);
      const r = await call<Page>(s, 'GET', '/v1.0/directoryRoles', b.token);
      expect(r.status).toBe(200);
      expect(r.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#directoryRoles`);
      expect(r.body.value.map((v) => [v.displayName, v.roleTemplateId])).toEqual([['Global Administrator', GLOBAL_ADMIN]]);

      const u = await call(s, 'POST', '/v1.0/users', b.token, { accountEnabled: true, displayName: 'Reader', mailNickname: 'reader', userPrincipalName: `reader@${b.t.domain}`, passwordProfile: { password: strongPassword() } });
      expect(u.status).toBe(201);
      const assigned = await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', b.token, { roleDefinitionId: REPORTS_READER, principalId: u.body.id, directoryScopeId: '/' });
      expect(assigned.status, assigned.raw).toBe(201);
      expect(assigned.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity`);
      const after = await call<Page>(s, 'GET', '/v1.0/directoryRoles', b.token);
      expect(after.body.value.map((v) => [v.displayName, v.roleTemplateId]).sort()).toEqual([['Global Administrator', GLOBAL_ADMIN], ['Reports Reader', REPORTS_READER]]);

      const unknownRole = randomUUID();
      expectError(await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', b.token, { roleDefinitionId: unknownRole, principalId: u.body.id }),
        400, 'Request_BadRequest', `The role definition '${unknownRole}' does not exist or is not supported.`);
      expectError(await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', b.token, { roleDefinitionId: REPORTS_READER, principalId: randomUUID() }), 404, 'Request_ResourceNotFound');
      expectError(await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', b.token, { roleDefinitionId: REPORTS_READER, principalId: u.body.id, directoryScopeId: '/administrativeUnits/x' }),
        400, 'Request_BadRequest', "Only the directory scope '/' is supported.");
      expect((await call<Page>(s, 'GET', '/v1.0/directoryRoles', b.token)).body.value).toHaveLength(2);
    });
  });

  describe('users', () => {
    const userBody = (upn: string, password = strongPassword()) => ({
      accountEnabled: true, displayName: 'Ada Lovelace', mailNickname: 'ada', userPrincipalName: upn, passwordProfile: { password, forceChangePasswordNextSignIn: false },
    });

    it('creates a user; duplicate UPN, foreign domain, weak password and missing fields write nothing', async () => {
      const before = await countWhere(s, 'users', a.t.tenantId);
      const listedBefore = (await call<Page>(s, 'GET', '/v1.0/users', a.token)).body.value.length;
      const crid = randomUUID();
      const created = await call(s, 'POST', '/v1.0/users', a.token, userBody(`Ada.Lovelace@${a.t.domain.toUpperCase()}`), { crid });
      expect(created.status, created.raw).toBe(201);
      expect(created.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#users/$entity`);
      expect(created.body.userPrincipalName).toBe(`ada.lovelace@${a.t.domain}`);
      expect(created.body.id).toMatch(GUID);
      expect(created.body).not.toHaveProperty('passwordProfile');
      const audits = await auditsFor(s, a.token, crid);
      expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Add user', 'UserManagement', 'Add']]);
      expect(audits[0]!.targetResources[0]).toMatchObject({ id: created.body.id, type: 'User' });

      const failures: [unknown, string, string | RegExp][] = [
        [userBody(`ada.lovelace@${a.t.domain}`), 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.'],
        [userBody(`ADA.LOVELACE@${a.t.domain}`), 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.'],
        [userBody('ada@not-my-domain.test'), 'Request_BadRequest', 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.'],
        [userBody(`ada@sub.${a.t.domain}`), 'Request_BadRequest', /^The domain portion of the userPrincipalName property is invalid/],
        [userBody(`no-at-sign.${a.t.domain}`), 'Request_BadRequest', /^The domain portion of the userPrincipalName property is invalid/],
        [userBody(`weak@${a.t.domain}`, 'password'), 'Request_BadRequest', /^The specified password does not comply with password complexity requirements\./],
        [userBody(`short@${a.t.domain}`, 'Aa1!'), 'Request_BadRequest', /^The specified password does not comply with password complexity requirements\./],
        [{ ...userBody(`noenabled@${a.t.domain}`), accountEnabled: undefined }, 'Request_BadRequest', "Invalid value specified for property 'accountEnabled' of resource 'User'."],
        [{ ...userBody(`nopw@${a.t.domain}`), passwordProfile: {} }, 'Request_BadRequest', /password/],
        [{ ...userBody(`extra@${a.t.domain}`), isAdmin: true }, 'Request_BadRequest', "Property 'isAdmin' does not exist on type 'microsoft.graph.user'."],
        [{ ...userBody(`nul@${a.t.domain}`), displayName: 'Ada\u0000' }, 'Request_BadRequest', /displayName/],
      ];
      for (const [body, code, message] of failures) {
        const fcrid = randomUUID();
        const r = await call(s, 'POST', '/v1.0/users', a.token, body, { crid: fcrid });
        expectError(r, 400, code, message);
        expect(await auditsFor(s, a.token, fcrid)).toEqual([]);
      }
      expect(await countWhere(s, 'users', a.t.tenantId)).toBe(before + 1);
      expect((await call<Page>(s, 'GET', '/v1.0/users', a.token)).body.value.length).toBe(listedBefore + 1);
    });

    it('a user created through Graph can sign in with the password given', async () => {
      const password = strongPassword();
      const upn = `signin@${a.t.domain}`;
      expect((await call(s, 'POST', '/v1.0/users', a.token, userBody(upn, password))).status).toBe(201);
      const tok = await userToken(s, a.t.tenantId, upn, password);
      expect((await call(s, 'GET', '/v1.0/me', tok)).body.userPrincipalName).toBe(upn);
    });

    it('a member user may not create users', async () => {
      const password = strongPassword();
      const upn = `member@${a.t.domain}`;
      expect((await call(s, 'POST', '/v1.0/users', a.token, userBody(upn, password))).status).toBe(201);
      const tok = await userToken(s, a.t.tenantId, upn, password);
      const before = await countWhere(s, 'users', a.t.tenantId);
      expectError(await call(s, 'POST', '/v1.0/users', tok, userBody(`sneaky@${a.t.domain}`)), 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      expect(await countWhere(s, 'users', a.t.tenantId)).toBe(before);
    });

    it('users are found by id and by UPN; odd keys are 404, never 500', async () => {
      const created = await call(s, 'POST', '/v1.0/users', a.token, userBody(`lookup@${a.t.domain}`));
      const byId = await call(s, 'GET', `/v1.0/users/${created.body.id as string}`, a.token);
      expect(byId.status).toBe(200);
      expect(byId.body.userPrincipalName).toBe(`lookup@${a.t.domain}`);
      const byUpn = await call(s, 'GET', `/v1.0/users/LOOKUP@${a.t.domain}`, a.token);
      expect(byUpn.body.id).toBe(created.body.id);
      for (const key of [randomUUID(), 'nobody@nowhere.test', 'a%00b', '%27%20or%20%271%27%3D%271']) {
        expectError(await call(s, 'GET', `/v1.0/users/${key}`, a.token), 404, 'Request_ResourceNotFound');
      }
    });
  });

  describe('applications', () => {
    it('create, read (by id, by appId, by filter), update, delete', async () => {
      const crid = randomUUID();
      const created = await call(s, 'POST', '/v1.0/applications', a.token, newApp('Reporting API application'), { crid });
      expect(created.status, created.raw).toBe(201);
      const app = created.body;
      expect(app['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#applications/$entity`);
      expect(app.id).toMatch(GUID);
      expect(app.appId).toMatch(GUID);
      expect(app.id).not.toBe(app.appId);
      expect(app).toMatchObject({
        displayName: 'Reporting API application', signInAudience: 'AzureADMyOrg', publisherDomain: a.t.domain,
        passwordCredentials: [], keyCredentials: [], identifierUris: [],
        requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: 'b0afded3-3588-46d8-8b3d-9842eff778da', type: 'Role' }, { id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', type: 'Role' }] }],
      });
      expect((app.web as Json).redirectUris).toEqual(['https://localhost']);
      expect(Math.abs(Date.parse(app.createdDateTime as string) - Date.now())).toBeLessThan(60_000);
      const added = await auditsFor(s, a.token, crid);
      expect(added.map((x) => [x.activityDisplayName, x.category, x.operationType, x.result])).toEqual([['Add application', 'ApplicationManagement', 'Add', 'success']]);
      expect(added[0]!.targetResources[0]!.modifiedProperties.find((p) => p.displayName === 'AppId')?.newValue).toBe(JSON.stringify([app.appId]));

      const byId = await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token);
      expect(byId.status).toBe(200);
      expect(byId.body).toEqual(app);
      const byAppId = await call(s, 'GET', `/v1.0/applications(appId='${app.appId as string}')`, a.token);
      expect(byAppId.status).toBe(200);
      expect(byAppId.body.id).toBe(app.id);
      expect(byAppId.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#applications/$entity`);
      const filtered = await call<Page>(s, 'GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'Reporting API application'")}`, a.token);
      expect(filtered.body.value.map((v) => v.id)).toContain(app.id);
      expect(filtered.body.value.every((v) => v.displayName === 'Reporting API application')).toBe(true);

      const pcrid = randomUUID();
      const patched = await call(s, 'PATCH', `/v1.0/applications/${app.id as string}`, a.token, { displayName: 'Renamed reporting app', web: { redirectUris: ['https://localhost/cb'] } }, { crid: pcrid });
      expect(patched.status, patched.raw).toBe(204);
      const updated = await auditsFor(s, a.token, pcrid);
      expect(updated.map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Update application', 'ApplicationManagement', 'Update']]);
      expect(updated[0]!.targetResources[0]!.modifiedProperties.find((p) => p.displayName === 'DisplayName')).toEqual({
        displayName: 'DisplayName', oldValue: '["Reporting API application"]', newValue: '["Renamed reporting app"]',
      });
      const reread = await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token);
      expect(reread.body.displayName).toBe('Renamed reporting app');
      expect((reread.body.web as Json).redirectUris).toEqual(['https://localhost/cb']);
      expect(reread.body.appId).toBe(app.appId);

      const viaAppId = await call(s, 'PATCH', `/v1.0/applications(appId='${app.appId as string}')`, a.token, { notes: 'via appId' });
      expect(viaAppId.status).toBe(204);
      expect((await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token)).body.notes).toBe('via appId');

      const sp = await call(s, 'POST', '/v1.0/servicePrincipals', a.token, { appId: app.appId });
      expect(sp.status).toBe(201);
      const dcrid = randomUUID();
      const deleted = await call(s, 'DELETE', `/v1.0/applications/${app.id as string}`, a.token, undefined, { crid: dcrid });
      expect(deleted.status).toBe(204);
      expect((await auditsFor(s, a.token, dcrid)).map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Delete application', 'ApplicationManagement', 'Delete']]);
      const gone = await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token);
      expectError(gone, 404, 'Request_ResourceNotFound', `Resource '${app.id as string}' does not exist or one of its queried reference-property objects are not present.`);
      expectError(await call(s, 'GET', `/v1.0/applications(appId='${app.appId as string}')`, a.token), 404, 'Request_ResourceNotFound');
      expectError(await call(s, 'GET', `/v1.0/servicePrincipals/${sp.body.id as string}`, a.token), 404, 'Request_ResourceNotFound');
      const again = randomUUID();
      expectError(await call(s, 'DELETE', `/v1.0/applications/${app.id as string}`, a.token, undefined, { crid: again }), 404, 'Request_ResourceNotFound');
      expectError(await call(s, 'PATCH', `/v1.0/applications/${app.id as string}`, a.token, { notes: 'x' }, { crid: again }), 404, 'Request_ResourceNotFound');
      expect(await auditsFor(s, a.token, again)).toEqual([]);
    });

    it('addPassword shows secretText once; reads show only the hint; removePassword revokes it', async () => {
      const app = (await call(s, 'POST', '/v1.0/applications', a.token, newApp('Secret holder'))).body;
      expect((await call(s, 'POST', '/v1.0/servicePrincipals', a.token, { appId: app.appId })).status).toBe(201);
      const crid = randomUUID();
      const pw = await call(s, 'POST', `/v1.0/applications/${app.id as string}/addPassword`, a.token, { passwordCredential: { displayName: 'Reporting API' } }, { crid });
      expect(pw.status, pw.raw).toBe(200);
      expect(pw.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#microsoft.graph.passwordCredential`);
      const secret = pw.body.secretText as string;
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(secret.length).toBeLessThanOrEqual(64);
      expect(pw.body.hint).toBe(secret.slice(0, 3));
      expect(pw.body.keyId).toMatch(GUID);
      expect(pw.body.customKeyIdentifier).toBeNull();
      expect(pw.body.displayName).toBe('Reporting API');
      expect(Date.parse(pw.body.endDateTime as string) - Date.parse(pw.body.startDateTime as string)).toBe(TWO_YEARS_MS);
      const audit = await auditsFor(s, a.token, crid);
      expect(audit.map((x) => [x.activityDisplayName, x.category, x.operationType])).toEqual([['Update application – Certificates and secrets management', 'ApplicationManagement', 'Update']]);
      expect(JSON.stringify(audit)).not.toContain(secret);

      const read = await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token);
      expect(read.body.passwordCredentials).toEqual([{
        customKeyIdentifier: null, displayName: 'Reporting API', endDateTime: pw.body.endDateTime, hint: secret.slice(0, 3), keyId: pw.body.keyId, secretText: null, startDateTime: pw.body.startDateTime,
      }]);
      expect(read.raw).not.toContain(secret);
      expect((await call(s, 'GET', `/v1.0/applications(appId='${app.appId as string}')`, a.token)).raw).not.toContain(secret);
      expect((await call(s, 'GET', '/v1.0/applications', a.token)).raw).not.toContain(secret);

      // the secret works once, and stops working after removePassword
      expect((await tokenRequest(s, a.t.tenantId, { grant_type: 'client_credentials', client_id: app.appId as string, client_secret: secret, scope: 'https://graph.microsoft.com/.default' })).status).toBe(200);
      const rcrid = randomUUID();
      const removed = await call(s, 'POST', `/v1.0/applications/${app.id as string}/removePassword`, a.token, { keyId: pw.body.keyId }, { crid: rcrid });
      expect(removed.status, removed.raw).toBe(204);
      expect((await auditsFor(s, a.token, rcrid)).map((x) => x.activityDisplayName)).toEqual(['Update application – Certificates and secrets management']);
      expect((await call(s, 'GET', `/v1.0/applications/${app.id as string}`, a.token)).body.passwordCredentials).toEqual([]);
      const refused = await tokenRequest(s, a.t.tenantId, { grant_type: 'client_credentials', client_id: app.appId as string, client_secret: secret, scope: 'https://graph.microsoft.com/.default' });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
      const norcrid = randomUUID();
      expectError(await call(s, 'POST', `/v1.0/applications/${app.id as string}/removePassword`, a.token, { keyId: pw.body.keyId }, { crid: norcrid }), 404, 'Request_ResourceNotFound');
      expect(await auditsFor(s, a.token, norcrid)).toEqual([]);
    });

    it('bad bodies are 400 in the Graph envelope and write nothing', async () => {
      const apps = await countWhere(s, 'applications', a.t.tenantId);
      const audits = await countWhere(s, 'directory_audits', a.t.tenantId);
      const creds = await countWhere(s, 'password_credentials', a.t.tenantId);
      const target = (await call(s, 'POST', '/v1.0/applications', a.token, newApp('Patch target'))).body.id as string;
      const auditsAfterTarget = audits + 1;
      expect(await countWhere(s, 'directory_audits', a.t.tenantId)).toBe(auditsAfterTarget);

      const cases: [string, 'POST' | 'PATCH', { raw?: string; body?: unknown; contentType?: string }, number, string, string][] = [
        ['/v1.0/applications', 'POST', { raw: '{"displayName": ' }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
        ['/v1.0/applications', 'POST', { raw: "{'displayName':'x'}" }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
        ['/v1.0/applications', 'POST', { raw: '{"displayName":"p","__proto__":{"x":1}}' }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
        ['/v1.0/applications', 'POST', { raw: '' }, 400, 'BadRequest', 'The request is malformed.'],
        ['/v1.0/applications', 'POST', { raw: '[]' }, 400, 'Request_BadRequest', 'The request body for application must be a JSON object.'],
        ['/v1.0/applications', 'POST', { raw: 'null' }, 400, 'Request_BadRequest', 'The request body for application must be a JSON object.'],
        ['/v1.0/applications', 'POST', { raw: '<application/>', contentType: 'application/xml' }, 415, 'BadRequest', 'The content type of the request is not supported.'],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', foo: 1 } }, 400, 'Request_BadRequest', "Property 'foo' does not exist on type 'microsoft.graph.application'."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', appId: randomUUID() } }, 400, 'Request_BadRequest', "Property 'appId' does not exist on type 'microsoft.graph.application'."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', web: { redirectUris: ['https://ok'], foo: true } } }, 400, 'Request_BadRequest', "Property 'foo' does not exist on type 'microsoft.graph.webApplication'."],
        ['/v1.0/applications', 'POST', { body: { displayName: '' } }, 400, 'Request_BadRequest', "Invalid value specified for property 'displayName' of resource."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'a\u0000b' } }, 400, 'Request_BadRequest', "Invalid value specified for property 'displayName' of resource."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', notes: 'n\u0000' } }, 400, 'Request_BadRequest', "Invalid value specified for property 'notes' of resource."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', tags: ['t\u0000'] } }, 400, 'Request_BadRequest', "Invalid value specified for property 'tags' of resource."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', signInAudience: 'Everyone' } }, 400, 'Request_BadRequest', "Invalid value specified for property 'signInAudience' of resource 'Application'."],
        ['/v1.0/applications', 'POST', { body: { displayName: 'x', web: { redirectUris: ['javascript:alert(1)'] } } }, 400, 'Request_BadRequest', "Invalid value specified for property 'web.redirectUris' of resource."],
        [`/v1.0/applications/${target}`, 'PATCH', { raw: '{"notes": nope}' }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
        [`/v1.0/applications/${target}`, 'PATCH', { body: { foo: 'bar' } }, 400, 'Request_BadRequest', "Property 'foo' does not exist on type 'microsoft.graph.application'."],
        [`/v1.0/applications/${target}`, 'PATCH', { body: { displayName: 'y\u0000' } }, 400, 'Request_BadRequest', "Invalid value specified for property 'displayName' of resource."],
        [`/v1.0/applications/${target}/addPassword`, 'POST', { raw: '{"passwordCredential":' }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
        ['/v1.0/users', 'POST', { raw: '{"accountEnabled":true,' }, 400, 'BadRequest', 'Invalid JSON in the request body.'],
      ];
      for (const [url, method, opts, status, code, message] of cases) {
        const r = await call(s, method, url, a.token, opts.body, { raw: opts.raw, contentType: opts.contentType });
        expectError(r, status, code, message);
        expect(r.raw).not.toMatch(/stack|node_modules|\/work\/|\bat \S+:\d+/i);
      }
      expect(await countWhere(s, 'applications', a.t.tenantId)).toBe(apps + 1);
      expect(await countWhere(s, 'directory_audits', a.t.tenantId)).toBe(auditsAfterTarget);
      expect(await countWhere(s, 'password_credentials', a.t.tenantId)).toBe(creds);
      const t = await call(s, 'GET', `/v1.0/applications/${target}`, a.token);
      expect(t.body.displayName).toBe('Patch target');
      expect(t.body.notes).toBeNull();
    });

    it('addPassword refuses dates outside years 0001–9999, so the listing can always be serialised', async () => {
      const b = await adminOf(s);
      const app = (await call(s, 'POST', '/v1.0/applications', b.token, newApp('Date range'))).body;
      const add = (passwordCredential: Json) => call(s, 'POST', `/v1.0/applications/${app.id as string}/addPassword`, b.token, { passwordCredential });
      const before = await countWhere(s, 'password_credentials', b.t.tenantId);
      // start + 2 years would be past JavaScript's Date range: stored, it broke every later read
      expectError(await add({ startDateTime: '+275760-09-13T00:00:00Z' }), 400, 'Request_BadRequest', "Invalid value specified for property 'startDateTime' of resource.");
      expectError(await add({ startDateTime: '+010000-01-01T00:00:00Z' }), 400, 'Request_BadRequest', "Invalid value specified for property 'startDateTime' of resource.");
      expectError(await add({ startDateTime: '0000-12-31T00:00:00Z' }), 400, 'Request_BadRequest', "Invalid value specified for property 'startDateTime' of resource.");
      expectError(await add({ endDateTime: '+010000-01-01T00:00:00Z' }), 400, 'Request_BadRequest', "Invalid value specified for property 'endDateTime' of resource.");
      expectError(await add({ endDateTime: '-000001-01-01T00:00:00Z' }), 400, 'Request_BadRequest', "Invalid value specified for property 'endDateTime' of resource.");
      // a valid start whose default end (start + 2 years) is past 9999
      expectError(await add({ startDateTime: '9999-01-01T00:00:00Z' }), 400, 'KeyCredentialsInvalidEndDate', 'Key credential end date is invalid.');
      expect(await countWhere(s, 'password_credentials', b.t.tenantId)).toBe(before);
      // the edges of the range are fine
      const edge = await add({ startDateTime: '0001-01-01T00:00:00Z', endDateTime: '9999-12-31T23:59:59Z' });
      expect(edge.status, edge.raw).toBe(200);
      expect([edge.body.startDateTime, edge.body.endDateTime]).toEqual(['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.000Z']);
      const list = await call<Page>(s, 'GET', '/v1.0/applications', b.token);
      expect(list.status, list.raw.slice(0, 300)).toBe(200);
      expect(list.body.value.find((v) => v.id === app.id)?.passwordCredentials).toHaveLength(1);
    });

    it('a stored time outside Date’s range is clamped in responses, never a 500 for the whole listing', async () => {
      const b = await adminOf(s);
      const app = (await call(s, 'POST', '/v1.0/applications', b.token, newApp('Legacy row'))).body;
      // as written before dates were range-checked: start + 2 years past 8.64e15 ms
      await appsRepo.insertPasswordCredential(s.testStore.store.db, {
        tenant_id: b.t.tenantId, key_id: randomUUID(), application_id: app.id as string, display_name: 'legacy', hint: 'abc', secret_hash: 'x',
        start_at: 8_640_000_000_000_000, end_at: 8_640_063_115_200_000,
      });
      const list = await call<Page>(s, 'GET', '/v1.0/applications', b.token);
      expect(list.status, list.raw.slice(0, 300)).toBe(200);
      const cred = (list.body.value.find((v) => v.id === app.id)?.passwordCredentials as Json[])[0]!;
      expect([cred.startDateTime, cred.endDateTime]).toEqual(['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z']);
      expect((await call(s, 'GET', `/v1.0/applications/${app.id as string}`, b.token)).status).toBe(200);
    });

    it('$filter finds applications beyond the first 999, each with its own credentials and the publisher domain', async () => {
      const b = await adminOf(s);
      const older: ApplicationRow[] = Array.from({ length: 1000 }, (_, i) => ({
        tenant_id: b.t.tenantId, id: randomUUID(), app_id: randomUUID(), display_name: `Bulk ${i}`, sign_in_audience: 'AzureADMyOrg',
        is_fallback_public_client: 0, created_at: 1_000 + i,
        body: JSON.stringify({ description: null, notes: null, identifierUris: [], tags: [], web: { redirectUris: [], homePageUrl: null, logoutUrl: null }, spa: { redirectUris: [] }, publicClient: { redirectUris: [] }, requiredResourceAccess: [], ownerIds: [] }),
      }));
      await s.testStore.store.transaction(async (trx) => {
        for (let i = 0; i < older.length; i += 200) await trx.insertInto('applications').values(older.slice(i, i + 200)).execute();
        for (const [i, row] of [[0, older[0]!], [1, older[1]!], [2, older[1]!]] as const) {
          await appsRepo.insertPasswordCredential(trx, {
            tenant_id: b.t.tenantId, key_id: randomUUID(), application_id: row.id, display_name: `cred ${i}`, hint: 'abc', secret_hash: `h${i}`, start_at: 1_000 + i, end_at: 9_000,
          });
        }
      });
      const newest = (await call(s, 'POST', '/v1.0/applications', b.token, newApp('The 1001st'))).body;
      const byAppId = await call<Page>(s, 'GET', `/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${(newest.appId as string).toUpperCase()}'`)}`, b.token);
      expect(byAppId.status, byAppId.raw.slice(0, 300)).toBe(200);
      expect(byAppId.body.value.map((v) => v.id)).toEqual([newest.id]);
      expect(byAppId.body.value[0]!.publisherDomain).toBe(b.t.domain);
      const byName = await call<Page>(s, 'GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'The 1001st'")}`, b.token);
      expect(byName.body.value.map((v) => v.id)).toEqual([newest.id]);
      const bulk = await call<Page>(s, 'GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'Bulk 1'")}`, b.token);
      expect(bulk.body.value.map((v) => (v.passwordCredentials as Json[]).map((c) => c.displayName))).toEqual([['cred 1', 'cred 2']]);
      expect((await call<Page>(s, 'GET', `/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${randomUUID()}'`)}`, b.token)).body.value).toEqual([]);
      // unfiltered: the first 999 by creation, credentials on the right applications, one publisher domain
      const all = await call<Page>(s, 'GET', '/v1.0/applications', b.token);
      expect(all.body.value).toHaveLength(999);
      expect(all.body.value.slice(0, 3).map((v) => (v.passwordCredentials as Json[]).map((c) => c.displayName))).toEqual([['cred 0'], ['cred 1', 'cred 2'], []]);
      expect(new Set(all.body.value.map((v) => v.publisherDomain))).toEqual(new Set([b.t.domain]));
    });

    it('deleting an application removes its service principal’s directory role assignments', async () => {
      const b = await adminOf(s);
      const app = await registerApp(s, b.token, ['AuditLog.Read.All'], 'Role holder');
      const assigned = await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', b.token, { roleDefinitionId: REPORTS_READER, principalId: app.spId, directoryScopeId: '/' });
      expect(assigned.status, assigned.raw).toBe(201);
      const rolesOf = async (principalId: string) => (await s.testStore.store.db.selectFrom('role_assignments').select('id').where('tenant_id', '=', b.t.tenantId).where('principal_id', '=', principalId).execute()).length;
      expect(await rolesOf(app.spId)).toBe(1);
      expect((await call(s, 'DELETE', `/v1.0/applications/${app.id}`, b.token)).status).toBe(204);
      expect(await rolesOf(app.spId)).toBe(0);
      expect(await rolesOf(b.t.admin.id)).toBe(1); // the admin keeps Global Administrator
    });
  });

  describe('delegated permission grants', () => {
    it('a Principal grant must name a user of the tenant: anything else is 404 and writes nothing', async () => {
      const b = await adminOf(s);
      const other = await adminOf(s);
      const graphSp = (await call<Page>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${GRAPH_APP_ID}'`)}`, b.token)).body.value[0]!.id as string;
      const app = await registerApp(s, b.token, [], 'Delegated client');
      const grant = (principalId: string) => ({ clientId: app.spId, consentType: 'Principal', principalId, resourceId: graphSp, scope: 'User.Read' });
      const grants = await s.testStore.store.db.selectFrom('permission_grants').select('id').where('tenant_id', '=', b.t.tenantId).execute();
      for (const principalId of [randomUUID(), app.spId, other.t.admin.id]) {
        const crid = randomUUID();
        const r = await call(s, 'POST', '/v1.0/oauth2PermissionGrants', b.token, grant(principalId), { crid });
        expectError(r, 404, 'Request_ResourceNotFound', `Resource '${principalId}' does not exist or one of its queried reference-property objects are not present.`);
        expect(await auditsFor(s, b.token, crid)).toEqual([]);
      }
      expect(await s.testStore.store.db.selectFrom('permission_grants').select('id').where('tenant_id', '=', b.t.tenantId).execute()).toHaveLength(grants.length);
      const ok = await call(s, 'POST', '/v1.0/oauth2PermissionGrants', b.token, grant(b.t.admin.id.toUpperCase()));
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ consentType: 'Principal', principalId: b.t.admin.id, clientId: app.spId, resourceId: graphSp, scope: 'User.Read' });
    });
  });

  describe('audit trail', () => {
    it('every change has exactly one audit record, with the caller’s client-request-id as correlationId', async () => {
      const b = await adminOf(s);
      const graphSp = (await call<Page>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${GRAPH_APP_ID}'`)}`, b.token)).body.value[0]!.id as string;
      const expected: [string, string, string][] = [];
      const change = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, body: unknown, status: number, name: string, category: string, operationType: string, targetId?: (r: Res) => string) => {
        const crid = randomUUID();
        const r = await call(s, method, url, b.token, body, { crid });
        expect(r.status, `${method} ${url}: ${r.raw.slice(0, 300)}`).toBe(status);
        const audits = await auditsFor(s, b.token, crid);
        expect(audits.map((x) => [x.activityDisplayName, x.category, x.operationType]), `${method} ${url}`).toEqual([[name, category, operationType]]);
        const x = audits[0]!;
        expect(x.correlationId).toBe(crid);
        expect(x.id.startsWith(`Directory_${crid}_`)).toBe(true);
        expect(x.result).toBe('success');
        expect(x.loggedByService).toBe('Core Directory');
        expect(x.initiatedBy.user).toMatchObject({ id: b.t.admin.id, userPrincipalName: b.t.admin.userPrincipalName });
        expect(x.initiatedBy.app).toBeNull();
        if (targetId) expect(x.targetResources.map((t) => t.id)).toContain(targetId(r));
        expected.push([name, category, operationType]);
        return r;
      };

      const user = await change('POST', '/v1.0/users', { accountEnabled: true, displayName: 'Audited', mailNickname: 'audited', userPrincipalName: `audited@${b.t.domain}`, passwordProfile: { password: strongPassword() } },
        201, 'Add user', 'UserManagement', 'Add', (r) => r.body.id as string);
      const app = await change('POST', '/v1.0/applications', newApp('Audited app'), 201, 'Add application', 'ApplicationManagement', 'Add', (r) => r.body.id as string);
      const appId = app.body.id as string;
      await change('PATCH', `/v1.0/applications/${appId}`, { notes: 'changed' }, 204, 'Update application', 'ApplicationManagement', 'Update', () => appId);
      const pw = await change('POST', `/v1.0/applications/${appId}/addPassword`, {}, 200, 'Update application – Certificates and secrets management', 'ApplicationManagement', 'Update', () => appId);
      await change('POST', `/v1.0/applications/${appId}/removePassword`, { keyId: pw.body.keyId }, 204, 'Update application – Certificates and secrets management', 'ApplicationManagement', 'Update', () => appId);
      const sp = await change('POST', '/v1.0/servicePrincipals', { appId: app.body.appId }, 201, 'Add service principal', 'ApplicationManagement', 'Add', (r) => r.body.id as string);
      const spId = sp.body.id as string;
      const assignment = await change('POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId: spId, resourceId: graphSp, appRoleId: graphRoleId('AuditLog.Read.All') },
        201, 'Add app role assignment to service principal', 'ApplicationManagement', 'Assign', () => spId);
      await change('DELETE', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo/${assignment.body.id as string}`, undefined, 204, 'Remove app role assignment from service principal', 'ApplicationManagement', 'Unassign', () => spId);
      await change('POST', '/v1.0/oauth2PermissionGrants', { clientId: spId, consentType: 'AllPrincipals', resourceId: graphSp, scope: 'AuditLog.Read.All Directory.Read.All' },
        201, 'Add delegated permission grant', 'ApplicationManagement', 'Assign', () => spId);
      await change('POST', '/v1.0/roleManagement/directory/roleAssignments', { roleDefinitionId: REPORTS_READER, principalId: user.body.id, directoryScopeId: '/' },
        201, 'Add member to role', 'RoleManagement', 'Add', () => user.body.id as string);
      await change('POST', '/v1.0/roleManagement/directory/roleAssignments', { roleDefinitionId: REPORTS_READER, principalId: spId, directoryScopeId: '/' },
        201, 'Add service principal to role', 'RoleManagement', 'Add', () => spId);
      await change('DELETE', `/v1.0/applications/${appId}`, undefined, 204, 'Delete application', 'ApplicationManagement', 'Delete', () => appId);
      expect(expected).toHaveLength(12);
    });

    it('failed changes write no audit record', async () => {
      const b = await adminOf(s);
      const graphSp = (await call<Page>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${GRAPH_APP_ID}'`)}`, b.token)).body.value[0]!.id as string;
      const app = await registerApp(s, b.token, ['AuditLog.Read.All'], 'Consent target');
      const before = await countWhere(s, 'directory_audits', b.t.tenantId);
      const failing: ['POST' | 'PATCH' | 'DELETE', string, unknown, number][] = [
        ['POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId: app.spId, resourceId: graphSp, appRoleId: randomUUID() }, 400],
        ['POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId: app.spId, resourceId: graphSp, appRoleId: graphRoleId('AuditLog.Read.All') }, 400], // already granted
        ['POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId: randomUUID(), resourceId: graphSp, appRoleId: graphRoleId('Directory.Read.All') }, 404],
        ['POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId: app.spId, resourceId: randomUUID(), appRoleId: graphRoleId('Directory.Read.All') }, 400],
        ['POST', '/v1.0/servicePrincipals', { appId: app.appId }, 400], // exists
        ['POST', '/v1.0/servicePrincipals', { appId: randomUUID() }, 400],
        ['POST', `/v1.0/applications/${app.id}/removePassword`, { keyId: randomUUID() }, 404],
        ['PATCH', `/v1.0/applications/${randomUUID()}`, { notes: 'x' }, 404],
        ['DELETE', `/v1.0/applications/${randomUUID()}`, undefined, 404],
        ['POST', '/v1.0/roleManagement/directory/roleAssignments', { roleDefinitionId: randomUUID(), principalId: app.spId }, 400],
        ['POST', '/v1.0/oauth2PermissionGrants', { clientId: app.spId, consentType: 'AllPrincipals', resourceId: graphSp, scope: 'Not.A.Scope' }, 400],
      ];
      for (const [method, url, body, status] of failing) {
        const crid = randomUUID();
        const r = await call(s, method, url, b.token, body, { crid });
        expect(r.status, `${method} ${url}: ${r.raw.slice(0, 300)}`).toBe(status);
        expect(await auditsFor(s, b.token, crid)).toEqual([]);
      }
      expect(await countWhere(s, 'directory_audits', b.t.tenantId)).toBe(before);
      // the unknown role granted nothing: the app's token carries exactly what was consented
      const tok = await appToken(s, b.t.tenantId, app);
      const claims = JSON.parse(Buffer.from(tok.split('.')[1]!, 'base64url').toString('utf8')) as { roles?: string[] };
      expect(claims.roles).toEqual(['AuditLog.Read.All']);
    });
  });

  describe('secrets at rest', () => {
    it('the raw store never holds a client secret or a user password', async () => {
      const b = await adminOf(s);
      const userPassword = strongPassword();
      expect((await call(s, 'POST', '/v1.0/users', b.token, { accountEnabled: true, displayName: 'Rest', mailNickname: 'rest', userPrincipalName: `rest@${b.t.domain}`, passwordProfile: { password: userPassword } })).status).toBe(201);
      await userToken(s, b.t.tenantId, `rest@${b.t.domain}`, userPassword);
      // a failed sign-in with a wrong password must not record the attempted password either
      const wrong = strongPassword();
      expect((await tokenRequest(s, b.t.tenantId, { grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', username: `rest@${b.t.domain}`, password: wrong, scope: 'https://graph.microsoft.com/.default' })).status).toBe(400);
      const marker = `Vault marker ${randomUUID()}`;
      const app = await registerApp(s, b.token, ['AuditLog.Read.All'], marker);
      await appToken(s, b.t.tenantId, app);
      const second = await call(s, 'POST', `/v1.0/applications/${app.id}/addPassword`, b.token, { passwordCredential: { displayName: 'second' } });
      const secret2 = second.body.secretText as string;

      // the search does find what is stored: the application's display name
      expect(await storeOccurrences(s, marker)).toBeGreaterThan(0);
      expect(await storeOccurrences(s, b.t.admin.userPrincipalName)).toBeGreaterThan(0);
      for (const needle of [app.secret, app.secret.slice(3), secret2, secret2.slice(3), userPassword, b.password, wrong]) {
        expect(await storeOccurrences(s, needle), `found ${needle.slice(0, 3)}… in the store`).toBe(0);
      }
    });
  });

  describe('tenant isolation', () => {
    it('another tenant’s admin gets 404 for this tenant’s users, applications and service principals', async () => {
      const b = await adminOf(s);
      const other = await adminOf(s);
      const user = await call(s, 'POST', '/v1.0/users', b.token, { accountEnabled: true, displayName: 'Mine', mailNickname: 'mine', userPrincipalName: `mine@${b.t.domain}`, passwordProfile: { password: strongPassword() } });
      const app = await registerApp(s, b.token, [], 'Isolated app');
      const userId = user.body.id as string;
      const audits = await countWhere(s, 'directory_audits', b.t.tenantId);
      const attempts: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown][] = [
        ['GET', `/v1.0/users/${userId}`, undefined],
        ['GET', `/v1.0/users/mine@${b.t.domain}`, undefined],
        ['GET', `/v1.0/applications/${app.id}`, undefined],
        ['GET', `/v1.0/applications(appId='${app.appId}')`, undefined],
        ['PATCH', `/v1.0/applications/${app.id}`, { displayName: 'hijacked' }],
        ['POST', `/v1.0/applications/${app.id}/addPassword`, {}],
        ['DELETE', `/v1.0/applications/${app.id}`, undefined],
        ['GET', `/v1.0/servicePrincipals/${app.spId}`, undefined],
        ['GET', `/v1.0/servicePrincipals(appId='${app.appId}')`, undefined],
        ['POST', '/v1.0/roleManagement/directory/roleAssignments', { roleDefinitionId: GLOBAL_ADMIN, principalId: userId }],
      ];
      for (const [method, url, body] of attempts) {
        const r = await call(s, method, url, other.token, body);
        expect(r.status, `${method} ${url}: ${r.raw.slice(0, 200)}`).toBe(404);
        expect(r.raw).not.toContain('Isolated app');
      }
      // the other tenant's service principal for Microsoft Graph cannot be used to consent for this app
      const otherGraphSp = (await call<Page>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${GRAPH_APP_ID}'`)}`, other.token)).body.value[0]!.id as string;
      const consent = await call(s, 'POST', `/v1.0/servicePrincipals/${otherGraphSp}/appRoleAssignedTo`, other.token, { principalId: app.spId, resourceId: otherGraphSp, appRoleId: graphRoleId('AuditLog.Read.All') });
      expect(consent.status).toBe(404);
      // lists never show the other tenant's objects
      expect((await call(s, 'GET', '/v1.0/applications', other.token)).raw).not.toContain(app.id);
      expect((await call(s, 'GET', '/v1.0/users', other.token)).raw).not.toContain(userId);
      expect((await call(s, 'GET', '/v1.0/servicePrincipals', other.token)).raw).not.toContain(app.spId);
      // nothing changed for the owner
      const mine = await call(s, 'GET', `/v1.0/applications/${app.id}`, b.token);
      expect(mine.body.displayName).toBe('Isolated app');
      expect(mine.body.passwordCredentials).toHaveLength(1);
      expect(await countWhere(s, 'directory_audits', b.t.tenantId)).toBe(audits);
    });
  });
});
