import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { graph, userToken } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** PATCH and DELETE /oauth2PermissionGrants/{id}: changing and withdrawing delegated consent (the portal's "Grant admin consent" and its undo). */

const GRAPH = '00000003-0000-0000-c000-000000000000';
let s: TestServer;
let t: CreatedTenant;
let t2: CreatedTenant;
let admin: string;
let admin2: string;
let grantId: string;

beforeAll(async () => {
  s = await startServer({ listen: false });
  t = await s.tenant();
  t2 = await s.tenant();
  admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
  admin2 = await userToken(s, t2.tenantId, t2.admin.userPrincipalName, t2.admin.password);
  const app = await graph(s, 'POST', '/v1.0/applications', admin, { displayName: 'Delegated reader', signInAudience: 'AzureADMyOrg' });
  const sp = await graph(s, 'POST', '/v1.0/servicePrincipals', admin, { appId: app.body.appId });
  const graphSp = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${GRAPH}'`)}`, admin);
  const g = await graph(s, 'POST', '/v1.0/oauth2PermissionGrants', admin, { clientId: sp.body.id, consentType: 'AllPrincipals', resourceId: graphSp.body.value[0]!.id, scope: 'AuditLog.Read.All' });
  expect(g.status).toBe(201);
  grantId = g.body.id as string;
});
afterAll(async () => s?.close());

const scopeOf = async () => (await graph<{ value: { id: string; scope: string }[] }>(s, 'GET', '/v1.0/oauth2PermissionGrants', admin)).body.value.find((x) => x.id === grantId)?.scope;

describe('PATCH and DELETE /oauth2PermissionGrants/{id}', () => {
  it('widens the scope, audited as "Update delegated permission grant"', async () => {
    const r = await graph(s, 'PATCH', `/v1.0/oauth2PermissionGrants/${grantId}`, admin, { scope: 'AuditLog.Read.All Directory.Read.All' });
    expect(r.status).toBe(204);
    expect(await scopeOf()).toBe('AuditLog.Read.All Directory.Read.All');
    const audits = await graph<{ value: { activityDisplayName: string }[] }>(s, 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Update delegated permission grant'")}`, admin);
    expect(audits.body.value).toHaveLength(1);
  });

  it('refuses bad input, other tenants and callers without a consent role, changing nothing', async () => {
    for (const [body, status] of [[{ scope: 'Not.A.Scope' }, 400], [{ scope: '' }, 400], [{ scope: 'AuditLog.Read.All', consentType: 'Principal' }, 400], ['x', 400]] as const) {
      expect((await graph(s, 'PATCH', `/v1.0/oauth2PermissionGrants/${grantId}`, admin, body)).status).toBe(status);
    }
    expect((await graph(s, 'PATCH', `/v1.0/oauth2PermissionGrants/${grantId}`, admin2, { scope: 'User.Read' })).status).toBe(404);
    expect((await graph(s, 'DELETE', `/v1.0/oauth2PermissionGrants/${grantId}`, admin2)).status).toBe(404);
    const user = await graph(s, 'POST', '/v1.0/users', admin, {
      accountEnabled: true, displayName: 'Plain', mailNickname: 'plain', userPrincipalName: `plain@${t.domain}`, passwordProfile: { password: 'Us3r!Passw0rd', forceChangePasswordNextSignIn: false },
    });
    expect(user.status).toBe(201);
    const plain = await userToken(s, t.tenantId, `plain@${t.domain}`, 'Us3r!Passw0rd');
    const denied = await graph<{ error: { code: string } }>(s, 'PATCH', `/v1.0/oauth2PermissionGrants/${grantId}`, plain, { scope: 'User.Read' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect((await graph(s, 'DELETE', '/v1.0/oauth2PermissionGrants/00000000-0000-0000-0000-000000000000', admin)).status).toBe(404);
    expect(await scopeOf()).toBe('AuditLog.Read.All Directory.Read.All');
  });

  it('DELETE withdraws the consent (204), audited', async () => {
    expect((await graph(s, 'DELETE', `/v1.0/oauth2PermissionGrants/${grantId}`, admin)).status).toBe(204);
    expect(await scopeOf()).toBeUndefined();
    expect((await graph(s, 'DELETE', `/v1.0/oauth2PermissionGrants/${grantId}`, admin)).status).toBe(404);
    const audits = await graph<{ value: unknown[] }>(s, 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'Remove delegated permission grant'")}`, admin);
    expect(audits.body.value).toHaveLength(1);
  });
});
