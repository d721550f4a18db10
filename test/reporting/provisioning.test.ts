import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from '../../src/directory/catalog.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, graph, registerApp, userToken, type Res } from '../helpers/api.js';

/**
 * `GET /{v1.0,beta}/auditLogs/provisioning` (contract §1.5, §2.5): Tenantry runs no provisioning, so
 * the list is empty, behind the same prerequisites and query validation Graph applies.
 */

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const PROVISIONING = '/v1.0/auditLogs/provisioning';
const MSG = {
  permission: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
  role: 'User is not in the allowed roles',
};

type ErrorBody = { error: { code: string; message: string; innerError: Record<string, unknown> } };

async function call(s: TestServer, method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<Res> {
  const r = await graph(s, method, path, token, body);
  expect(r.headers['content-type'], `${method} ${path}`).toBe(GRAPH_JSON);
  return r;
}

function expectError(r: Res, status: number, code: string, message?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const e = (r.body as unknown as ErrorBody).error;
  expect(e.code).toBe(code);
  if (message !== undefined) expect(e.message).toBe(message);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
}

function expectEmpty(r: Res, version: 'v1.0' | 'beta' = 'v1.0'): void {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body).toEqual({ '@odata.context': `https://localhost:8443/${version}/$metadata#auditLogs/provisioning`, value: [] });
}

const q = (params: Record<string, string>) => `${PROVISIONING}?${Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;

let userCounter = 0;

describe('GET /auditLogs/provisioning', () => {
  let s: TestServer;
  let t: CreatedTenant;
  let admin: string;

  /** A member user created by the admin, optionally with a directory role, and a delegated token (Azure CLI client). */
  async function member(role?: string): Promise<string> {
    const n = ++userCounter;
    const upn = `prov${n}@${t.domain}`;
    const password = 'Memb3r!Passw0rd';
    const u = await call(s, 'POST', '/v1.0/users', admin, {
      accountEnabled: true, displayName: `Member ${n}`, mailNickname: `prov${n}`, userPrincipalName: upn, passwordProfile: { password, forceChangePasswordNextSignIn: false },
    });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    if (role) {
      const a = await call(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', admin, {
        '@odata.type': '#microsoft.graph.unifiedRoleAssignment', roleDefinitionId: role, principalId: u.body.id, directoryScopeId: '/',
      });
      expect(a.status, JSON.stringify(a.body)).toBe(201);
    }
    return userToken(s, t.tenantId, upn, password);
  }

  beforeAll(async () => {
    s = await startServer({ listen: false });
    t = await s.tenant();
    admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
  });
  afterAll(async () => { await s?.close(); });

  it('answers an empty collection with the real envelope on v1.0 and beta', async () => {
    const app = await registerApp(s, admin, ['AuditLog.Read.All']);
    const tok = await appToken(s, t.tenantId, app);
    expectEmpty(await call(s, 'GET', PROVISIONING, tok));
    expectEmpty(await call(s, 'GET', '/beta/auditLogs/provisioning', tok), 'beta');
    expectEmpty(await call(s, 'GET', PROVISIONING, admin)); // Global Administrator, delegated
  });

  it('needs AuditLog.Read.All, and refuses a missing token with 401', async () => {
    const app = await registerApp(s, admin, ['Directory.Read.All']);
    const tok = await appToken(s, t.tenantId, app);
    expectError(await call(s, 'GET', PROVISIONING, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    expectError(await call(s, 'GET', '/beta/auditLogs/provisioning', tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    expectError(await call(s, 'GET', `${PROVISIONING}/some-id`, tok), 403, 'Authentication_MSGraphPermissionMissing', MSG.permission);
    expectError(await call(s, 'GET', PROVISIONING), 401, 'InvalidAuthenticationToken', 'Access token is empty.');
  });

  it('lets delegated users with a provisioning-log role read, and no one else', async () => {
    expectError(await call(s, 'GET', PROVISIONING, await member()), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
    expectError(await call(s, 'GET', PROVISIONING, await member(ROLE.userAdministrator)), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
    for (const role of [ROLE.reportsReader, ROLE.securityReader, ROLE.securityAdministrator, ROLE.globalReader, ROLE.securityOperator]) {
      expectEmpty(await call(s, 'GET', PROVISIONING, await member(role)));
    }
    // the application administrators read provisioning logs, but not the directory audits
    for (const role of [ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator]) {
      const tok = await member(role);
      expectEmpty(await call(s, 'GET', PROVISIONING, tok));
      expectError(await call(s, 'GET', '/v1.0/auditLogs/directoryAudits', tok), 403, 'Authentication_RequestFromUnsupportedUserRole', MSG.role);
    }
  });

  it('needs no premium licence, like the directory audits', async () => {
    const free = await s.tenant({ license: 'none' });
    const tok = await userToken(s, free.tenantId, free.admin.userPrincipalName, free.admin.password);
    expectEmpty(await call(s, 'GET', PROVISIONING, tok));
    expectError(await call(s, 'GET', '/v1.0/auditLogs/signIns', tok), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
  });

  it('accepts $filter on provisioningObjectSummary properties with their operators', async () => {
    for (const filter of [
      'activityDateTime gt 2024-01-01T00:00:00Z and activityDateTime lt 2024-02-01T00:00:00Z',
      'activityDateTime ge 2024-01-01T00:00:00Z and activityDateTime le 2024-02-01T00:00:00.123Z',
      "jobId eq 'aws.74beb1753b704b63b8d56f0b76082b16.10a7a801-7101-4c69-ae00-ce9f75f8460a'",
      "cycleId eq 'b6502552-018d-79bd-8869-j47194dc65c1' or changeId eq 'x'",
      "id eq '75b5b0ae-9fc5-8d0e-e0a9-7y6a4728de56'",
      "servicePrincipal/id eq '6cc35b93-185a-4485-a519-50c09549f3ad'",
      "contains(servicePrincipal/displayName, 'Contoso')",
      "provisioningAction eq 'create' and provisioningStatusInfo/status eq 'failure'",
      "provisioningAction eq 'stagedDelete'",
      "contains(initiatedBy/displayName, 'Provisioning') or initiatedBy/displayName eq 'Azure AD Provisioning Service'",
      "(sourceIdentity/id eq 'a' or targetIdentity/id eq 'a') and contains(targetIdentity/displayName, 'Pilot')",
    ]) {
      expectEmpty(await call(s, 'GET', q({ $filter: filter }), admin));
    }
  });

  it('refuses any other $filter with 400 BadRequest "Invalid filter clause"', async () => {
    for (const filter of [
      "userPrincipalName eq 'a@b.c'",                     // a sign-in property
      "startswith(jobId, 'aws')",                           // not an operator of jobId
      "jobId gt 'a'",
      "activityDateTime eq 'yesterday'",                    // not a date literal
      'activityDateTime ne 2024-01-01T00:00:00Z',
      "provisioningAction eq 'explode'",                    // not a member of the enum
      "provisioningStatusInfo/status eq 'done'",
      "not (jobId eq 'a')",
      "targetResources/any(t: t/id eq 'a')",
      'jobId eq',                                           // syntax
      "jobId eq 'a' and",
    ]) {
      expectError(await call(s, 'GET', q({ $filter: filter }), admin), 400, 'BadRequest', 'Invalid filter clause');
    }
  });

  it('validates $top (1 to 1000), $orderby (activityDateTime) and $skiptoken (none was ever issued)', async () => {
    for (const top of ['1', '999', '1000']) expectEmpty(await call(s, 'GET', q({ $top: top }), admin));
    for (const top of ['0', '-1', 'ten', '1.5']) expectError(await call(s, 'GET', q({ $top: top }), admin), 400, 'BadRequest');
    for (const orderby of ['activityDateTime', 'activityDateTime desc', 'activityDateTime asc']) expectEmpty(await call(s, 'GET', q({ $orderby: orderby }), admin));
    for (const orderby of ['jobId', 'activityDateTime sideways']) expectError(await call(s, 'GET', q({ $orderby: orderby }), admin), 400, 'BadRequest');
    for (const token of ['abc', '9177f2e3532fcd4c4d225f68f7b9bdf7_1', '']) {
      expectError(await call(s, 'GET', q({ $skiptoken: token }), admin), 400, 'BadRequest', 'Invalid $skiptoken: it is malformed, expired, or was issued for another query.');
    }
    expectError(await call(s, 'GET', q({ $select: 'id' }), admin), 400, 'BadRequest');
    expectError(await call(s, 'GET', q({ $count: 'true' }), admin), 400, 'BadRequest');
  });

  it('answers a single item with 404 ResourceNotFound', async () => {
    for (const id of ['75b5b0ae-9fc5-8d0e-e0a9-7y6a4728de56', 'x', encodeURIComponent("' or 1=1")]) {
      expectError(await call(s, 'GET', `${PROVISIONING}/${id}`, admin), 404, 'ResourceNotFound', 'Resource not found.');
      expectError(await call(s, 'GET', `/beta/auditLogs/provisioning/${id}`, admin), 404, 'ResourceNotFound', 'Resource not found.');
    }
  });
});
