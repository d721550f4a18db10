import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { MICROSOFT_GRAPH_APP_ID, ROLE } from '../../src/directory/catalog.js';
import { setLicense } from '../../src/directory/tenants.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, graph, graphRoleId, registerApp, userToken, type Res } from '../helpers/api.js';

/**
 * The seed's prerequisites (roles, licence, permissions, consent) as rules of the reporting API,
 * with the exact Graph error code and message of each refusal.
 */

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const SIGN_INS = '/v1.0/auditLogs/signIns';
const AUDITS = '/v1.0/auditLogs/directoryAudits';

const MSG = {
  permission: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
  directoryPermission: 'Failed to do premium license check from ADGraph',
  role: 'User is not in the allowed roles',
  licence: "Neither tenant is B2C or tenant doesn't have premium license",
  denied: 'Insufficient privileges to complete the operation.',
};

type ErrorBody = { error: { code: string; message: string; innerError: Record<string, unknown> } };

/** A Graph call whose JSON responses must carry Graph's content type. */
async function call<T = Record<string, unknown>>(s: TestServer, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, token?: string, body?: unknown): Promise<Res<T>> {
  const r = await graph<T>(s, method, path, token, body);
  if (r.status !== 204) expect(r.headers['content-type'], `${method} ${path}`).toBe(GRAPH_JSON);
  return r;
}

function expectError(r: Res, status: number, code: string, message: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const e = (r.body as unknown as ErrorBody).error;
  expect(e.code).toBe(code);
  expect(e.message).toBe(message);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
}

function expectOk(r: Res, fragment: 'signIns' | 'directoryAudits', version = 'v1.0'): void {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body['@odata.context']).toBe(`https://localhost:8443/${version}/$metadata#auditLogs/${fragment}`);
  expect(Array.isArray(r.body.value)).toBe(true);
}

const system = (tenantId: string): SystemActor => ({ kind: 'system', name: 'rules test', tenantId, ipAddress: null, correlationId: randomUUID() });

interface Admin {
  t: CreatedTenant;
  token: string;
}

async function adminOf(s: TestServer, input: Parameters<TestServer['tenant']>[0] = {}): Promise<Admin> {
  const t = await s.tenant(input);
  return { t, token: await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password) };
}

let userCounter = 0;

/** A member user created through Graph by the admin, and a delegated token for that user. */
async function memberUser(s: TestServer, a: Admin): Promise<{ id: string; upn: string; token: string }> {
  const upn = `member${++userCounter}@${a.t.domain}`;
  const password = 'Memb3r!Passw0rd';
  const r = await call(s, 'POST', '/v1.0/users', a.token, {
    accountEnabled: true, displayName: `Member ${userCounter}`, mailNickname: `member${userCounter}`, userPrincipalName: upn,
    passwordProfile: { password, forceChangePasswordNextSignIn: false },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id as string, upn, token: await userToken(s, a.t.tenantId, upn, password) };
}

async function assignRole(s: TestServer, token: string, principalId: string, roleDefinitionId: string): Promise<Res> {
  return call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', token, {
    '@odata.type': '#microsoft.graph.unifiedRoleAssignment', roleDefinitionId, principalId, directoryScopeId: '/',
  });
}

async function graphSpId(s: TestServer, token: string): Promise<string> {
  const r = await call<{ value: { id: string; appId: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${MICROSOFT_GRAPH_APP_ID}'`)}`, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.value).toHaveLength(1);
  expect(r.body.value[0]!.appId).toBe(MICROSOFT_GRAPH_APP_ID);
  return r.body.value[0]!.id;
}

describe('reporting prerequisites', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s?.close(); });

  describe('API permission (AuditLog.Read.All)', () => {
    it('an app consented only Directory.Read.All is refused on both endpoints', async () => {
      const a = await adminOf(s);
      const app = await registerApp(s, a.token, ['Directory.Read.All']);
      const tok = await appToken(s, a.t.tenantId, app);
      expectError(await call(s, 'GET', SIGN_INS, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
      expectError(await call(s, 'GET', AUDITS, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
      expectError(await call(s, 'GET', '/beta/auditLogs/signIns', tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
      expectError(await call(s, 'GET', '/beta/auditLogs/directoryAudits', tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    });

    it('an app with no Graph permission at all is refused with the same error', async () => {
      const a = await adminOf(s);
      const app = await registerApp(s, a.token, []);
      const tok = await appToken(s, a.t.tenantId, app);
      expectError(await call(s, 'GET', SIGN_INS, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
      expectError(await call(s, 'GET', AUDITS, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    });

    it('the same app gains access once AuditLog.Read.All is consented (new token)', async () => {
      const a = await adminOf(s);
      const app = await registerApp(s, a.token, ['Directory.Read.All']);
      expectError(await call(s, 'GET', SIGN_INS, await appToken(s, a.t.tenantId, app)), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
      const resourceId = await graphSpId(s, a.token);
      const consent = await call(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, a.token, {
        principalId: app.spId, resourceId, appRoleId: graphRoleId('AuditLog.Read.All'),
      });
      expect(consent.status, JSON.stringify(consent.body)).toBe(201);
      const tok = await appToken(s, a.t.tenantId, app);
      expectOk(await call(s, 'GET', SIGN_INS, tok), 'signIns');
      expectOk(await call(s, 'GET', AUDITS, tok), 'directoryAudits');
    });

    it('without a bearer token the endpoints answer 401, not data', async () => {
      const r = await call(s, 'GET', SIGN_INS);
      expectError(r, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
      expect(String(r.headers['www-authenticate'])).toContain('Bearer realm=""');
    });
  });

  describe('directory role of a delegated user', () => {
    it('a member user without a reporting role is refused on both endpoints', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      expectError(await call(s, 'GET', SIGN_INS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      expectError(await call(s, 'GET', AUDITS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      expectError(await call(s, 'GET', `${SIGN_INS}/${randomUUID()}`, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
    });

    it('Reports Reader takes effect at once, with the token issued before the assignment', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      expectError(await call(s, 'GET', SIGN_INS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      const assigned = await assignRole(s, a.token, u.id, ROLE.reportsReader);
      expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
      expect(assigned.body.roleDefinitionId).toBe('4a5d8f65-41da-4de4-8968-e035b65339cf');
      expect(assigned.body.principalId).toBe(u.id);
      expect(assigned.body.directoryScopeId).toBe('/');
      expectOk(await call(s, 'GET', SIGN_INS, u.token), 'signIns');
      expectOk(await call(s, 'GET', AUDITS, u.token), 'directoryAudits');
    });

    it('Security Reader takes effect at once as well', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      expectError(await call(s, 'GET', AUDITS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      const assigned = await assignRole(s, a.token, u.id, ROLE.securityReader);
      expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
      expect(assigned.body.roleDefinitionId).toBe('5d6b6bb7-de71-4623-b4af-96380a352509');
      expectOk(await call(s, 'GET', SIGN_INS, u.token), 'signIns');
      expectOk(await call(s, 'GET', AUDITS, u.token), 'directoryAudits');
    });

    it('a second assignment of the same role to the same user is a 400, and access stays', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      expect((await assignRole(s, a.token, u.id, ROLE.reportsReader)).status).toBe(201);
      const again = await assignRole(s, a.token, u.id, ROLE.reportsReader);
      expect(again.status, JSON.stringify(again.body)).toBe(400);
      expect((again.body as unknown as ErrorBody).error.code).toBe('Request_BadRequest');
      expect((await assignRole(s, a.token, u.id, ROLE.securityReader)).status).toBe(201);
      expectOk(await call(s, 'GET', SIGN_INS, u.token), 'signIns');
    });

    it('a non-reporting directory role (Application Administrator) does not open the logs', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      expect((await assignRole(s, a.token, u.id, ROLE.applicationAdministrator)).status).toBe(201);
      expectError(await call(s, 'GET', SIGN_INS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      expectError(await call(s, 'GET', AUDITS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
    });

    it('the Global Administrator (the tenant admin) may read both logs', async () => {
      const a = await adminOf(s);
      expectOk(await call(s, 'GET', SIGN_INS, a.token), 'signIns');
      expectOk(await call(s, 'GET', AUDITS, a.token), 'directoryAudits');
    });

    it('the role check comes before the licence check', async () => {
      const a = await adminOf(s, { license: 'none' });
      const u = await memberUser(s, a);
      expectError(await call(s, 'GET', SIGN_INS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      expectError(await call(s, 'GET', SIGN_INS, a.token), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', MSG.licence);
    });
  });

  describe('licence', () => {
    it('a tenant without P1/P2 cannot read sign-ins but can read directory audits', async () => {
      const a = await adminOf(s, { license: 'none' });
      const app = await registerApp(s, a.token, ['AuditLog.Read.All', 'Directory.Read.All']);
      const tok = await appToken(s, a.t.tenantId, app);
      for (const token of [tok, a.token]) {
        expectError(await call(s, 'GET', SIGN_INS, token), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', MSG.licence);
        expectError(await call(s, 'GET', '/beta/auditLogs/signIns', token), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', MSG.licence);
        expectError(await call(s, 'GET', `${SIGN_INS}/${randomUUID()}`, token), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', MSG.licence);
        const audits = await call<{ value: unknown[] }>(s, 'GET', AUDITS, token);
        expectOk(audits as Res, 'directoryAudits');
        expect(audits.body.value.length).toBeGreaterThan(0);
      }
    });

    it('P1 and P2 tenants can read sign-ins', async () => {
      for (const license of ['P1', 'P2'] as const) {
        const a = await adminOf(s, { license });
        const app = await registerApp(s, a.token, ['AuditLog.Read.All', 'Directory.Read.All']);
        expectOk(await call(s, 'GET', SIGN_INS, await appToken(s, a.t.tenantId, app)), 'signIns');
      }
    });

    it('a B2C tenant without a licence can read sign-ins', async () => {
      const a = await adminOf(s, { license: 'none', type: 'b2c' });
      const app = await registerApp(s, a.token, ['AuditLog.Read.All']);
      const tok = await appToken(s, a.t.tenantId, app);
      expectOk(await call(s, 'GET', SIGN_INS, tok), 'signIns');
      expectOk(await call(s, 'GET', '/beta/auditLogs/signIns', tok), 'signIns', 'beta');
      expectOk(await call(s, 'GET', AUDITS, tok), 'directoryAudits');
    });

    it('a licence change takes effect on the next request, with the same token', async () => {
      const a = await adminOf(s, { license: 'P1' });
      const app = await registerApp(s, a.token, ['AuditLog.Read.All', 'Directory.Read.All']);
      const tok = await appToken(s, a.t.tenantId, app);
      expectOk(await call(s, 'GET', SIGN_INS, tok), 'signIns');

      await setLicense(s.services.ctx, system(a.t.tenantId), 'none');
      expectError(await call(s, 'GET', SIGN_INS, tok), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', MSG.licence);
      expectOk(await call(s, 'GET', AUDITS, tok), 'directoryAudits');
      const skus = await call<{ value: unknown[] }>(s, 'GET', '/v1.0/subscribedSkus', a.token);
      expect(skus.body.value).toEqual([]);

      await setLicense(s.services.ctx, system(a.t.tenantId), 'P2');
      expectOk(await call(s, 'GET', SIGN_INS, tok), 'signIns');

      // the change itself is audited
      const audits = await call<{ value: { activityDisplayName: string; category: string; operationType: string; targetResources: { id: string; modifiedProperties: { displayName: string; oldValue: string; newValue: string }[] }[] }[] }>(
        s, 'GET', `${AUDITS}?$filter=${encodeURIComponent("activityDisplayName eq 'Update company'")}`, tok);
      expect(audits.status).toBe(200);
      // both changes may fall in the same millisecond: compare independent of order
      expect(audits.body.value.map((v) => v.targetResources[0]!.modifiedProperties[0]).sort((x, y) => (x!.oldValue < y!.oldValue ? -1 : 1))).toEqual([
        { displayName: 'License', oldValue: '["P1"]', newValue: '["none"]' },
        { displayName: 'License', oldValue: '["none"]', newValue: '["P2"]' },
      ]);
      expect(audits.body.value.every((v) => v.category === 'DirectoryManagement' && v.operationType === 'Update' && v.targetResources[0]!.id === a.t.tenantId)).toBe(true);
    });

    it('an unknown licence is rejected and nothing changes', async () => {
      const a = await adminOf(s, { license: 'P1' });
      await expect(setLicense(s.services.ctx, system(a.t.tenantId), 'P3' as never)).rejects.toThrow("unknown licence 'P3'");
      expectOk(await call(s, 'GET', SIGN_INS, a.token), 'signIns');
    });
  });

  describe('directory permissions behind the prerequisites', () => {
    it('a non-admin user may neither grant admin consent nor assign directory roles', async () => {
      const a = await adminOf(s);
      const u = await memberUser(s, a);
      const app = await registerApp(s, a.token, []);
      const resourceId = await graphSpId(s, a.token);
      const consent = await call(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, u.token, {
        principalId: app.spId, resourceId, appRoleId: graphRoleId('AuditLog.Read.All'),
      });
      expectError(consent, 403, 'Authorization_RequestDenied', MSG.denied);
      const selfPromotion = await assignRole(s, u.token, u.id, ROLE.reportsReader);
      expectError(selfPromotion, 403, 'Authorization_RequestDenied', MSG.denied);
      const promoteOther = await assignRole(s, u.token, app.spId, ROLE.globalAdministrator);
      expectError(promoteOther, 403, 'Authorization_RequestDenied', MSG.denied);

      // neither attempt changed anything
      expectError(await call(s, 'GET', SIGN_INS, u.token), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
      const assigned = await call<{ value: { principalId: string }[] }>(s, 'GET', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, a.token);
      expect(assigned.body.value.filter((x) => x.principalId === app.spId)).toEqual([]);
      const tok = await appToken(s, a.t.tenantId, app);
      expectError(await call(s, 'GET', SIGN_INS, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    });

    it('Application.ReadWrite.All registers applications but cannot consent; AppRoleAssignment.ReadWrite.All can', async () => {
      const a = await adminOf(s);
      const manager = await registerApp(s, a.token, ['Application.ReadWrite.All'], 'App manager');
      const mtok = await appToken(s, a.t.tenantId, manager);

      const created = await call(s, 'POST', '/v1.0/applications', mtok, { displayName: 'Created by an app', signInAudience: 'AzureADMyOrg' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.displayName).toBe('Created by an app');
      const sp = await call(s, 'POST', '/v1.0/servicePrincipals', mtok, { appId: created.body.appId });
      expect(sp.status, JSON.stringify(sp.body)).toBe(201);
      const pw = await call(s, 'POST', `/v1.0/applications/${created.body.id as string}/addPassword`, mtok, { passwordCredential: { displayName: 'x' } });
      expect(pw.status, JSON.stringify(pw.body)).toBe(200);

      const resourceId = await graphSpId(s, mtok);
      const body = { principalId: sp.body.id, resourceId, appRoleId: graphRoleId('AuditLog.Read.All') };
      expectError(await call(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, mtok, body), 403, 'Authorization_RequestDenied', MSG.denied);
      // nor may it assign itself a directory role
      expectError(await assignRole(s, mtok, manager.spId, ROLE.globalAdministrator), 403, 'Authorization_RequestDenied', MSG.denied);

      // the created app has no permission: its token is still refused
      const createdTok = await appToken(s, a.t.tenantId, { appId: created.body.appId as string, secret: pw.body.secretText as string });
      expectError(await call(s, 'GET', SIGN_INS, createdTok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);

      // with AppRoleAssignment.ReadWrite.All added, the same request succeeds
      const grant = await call(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, a.token, {
        principalId: manager.spId, resourceId, appRoleId: graphRoleId('AppRoleAssignment.ReadWrite.All'),
      });
      expect(grant.status, JSON.stringify(grant.body)).toBe(201);
      const mtok2 = await appToken(s, a.t.tenantId, manager);
      const ok = await call(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, mtok2, body);
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body.principalId).toBe(sp.body.id);
      expect(ok.body.appRoleId).toBe('b0afded3-3588-46d8-8b3d-9842eff778da');
      expect(ok.body['@odata.context']).toBe(`https://localhost:8443/v1.0/$metadata#servicePrincipals('${resourceId}')/appRoleAssignedTo/$entity`);
      const createdTok2 = await appToken(s, a.t.tenantId, { appId: created.body.appId as string, secret: pw.body.secretText as string });
      expectOk(await call(s, 'GET', SIGN_INS, createdTok2), 'signIns');
    });

    it('an app without Application.ReadWrite.All cannot register applications', async () => {
      const a = await adminOf(s);
      const reader = await registerApp(s, a.token, ['AuditLog.Read.All', 'Directory.Read.All']);
      const tok = await appToken(s, a.t.tenantId, reader);
      const before = await call<{ value: unknown[] }>(s, 'GET', '/v1.0/applications', a.token);
      expectError(await call(s, 'POST', '/v1.0/applications', tok, { displayName: 'nope' }), 403, 'Authorization_RequestDenied', MSG.denied);
      const after = await call<{ value: unknown[] }>(s, 'GET', '/v1.0/applications', a.token);
      expect(after.body.value.length).toBe(before.body.value.length);
    });
  });
});

describe('strict compatibility mode (Directory.Read.All required for sign-ins)', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false, strictDirectoryRead: true }); });
  afterAll(async () => { await s?.close(); });

  it('AuditLog.Read.All alone reads directory audits but not sign-ins', async () => {
    const a = await adminOf(s);
    const app = await registerApp(s, a.token, ['AuditLog.Read.All']);
    const tok = await appToken(s, a.t.tenantId, app);
    expectError(await call(s, 'GET', SIGN_INS, tok), 403, 'Authentication_ApplicationHasNoDirectoryReadAccess', MSG.directoryPermission);
    expectError(await call(s, 'GET', '/beta/auditLogs/signIns', tok), 403, 'Authentication_ApplicationHasNoDirectoryReadAccess', MSG.directoryPermission);
    expectError(await call(s, 'GET', `${SIGN_INS}/${randomUUID()}`, tok), 403, 'Authentication_ApplicationHasNoDirectoryReadAccess', MSG.directoryPermission);
    expectOk(await call(s, 'GET', AUDITS, tok), 'directoryAudits');
  });

  it('AuditLog.Read.All with Directory.Read.All (or Directory.ReadWrite.All) reads sign-ins', async () => {
    const a = await adminOf(s);
    for (const roles of [['AuditLog.Read.All', 'Directory.Read.All'], ['AuditLog.Read.All', 'Directory.ReadWrite.All']]) {
      const app = await registerApp(s, a.token, roles);
      expectOk(await call(s, 'GET', SIGN_INS, await appToken(s, a.t.tenantId, app)), 'signIns');
    }
  });

  it('Directory.Read.All alone is still missing AuditLog.Read.All', async () => {
    const a = await adminOf(s);
    const app = await registerApp(s, a.token, ['Directory.Read.All']);
    expectError(await call(s, 'GET', SIGN_INS, await appToken(s, a.t.tenantId, app)), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
  });

  it('the default (non-strict) server accepts AuditLog.Read.All alone for sign-ins', async () => {
    const lax = await startServer({ listen: false });
    try {
      const a = await adminOf(lax);
      const app = await registerApp(lax, a.token, ['AuditLog.Read.All']);
      expectOk(await call(lax, 'GET', SIGN_INS, await appToken(lax, a.t.tenantId, app)), 'signIns');
    } finally {
      await lax.close();
    }
  });
});
