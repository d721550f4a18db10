import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DoctorReport, DoctorStep, DoctorStepId } from '../../src/reporting/doctor.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, graph, registerApp, tokenRequest, userToken, type Res } from '../helpers/api.js';

/**
 * `GET /tenantry/doctor` (who may call it, its errors in Graph's envelope), and the doctor against
 * the real API: applying each printed fix, exactly as printed, makes its step pass, and the reporting
 * API answers as the report says before and after.
 */

type ErrorBody = { error: { code: string; message: string; innerError: Record<string, unknown> } };
const DENIED = 'Insufficient privileges to complete the operation.';

function expectError(r: Res, status: number, code: string, message?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const e = (r.body as unknown as ErrorBody).error;
  expect(e.code).toBe(code);
  if (message !== undefined) expect(e.message).toBe(message);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
}

const doctor = (s: TestServer, token: string | undefined, query: string) => graph<DoctorReport>(s, 'GET', `/tenantry/doctor?${query}`, token);
const step = (r: DoctorReport, id: DoctorStepId): DoctorStep => r.steps.find((x) => x.id === id)!;
const firstFailure = (r: DoctorReport) => r.steps.find((x) => !x.ok && !x.skipped);

let userCounter = 0;
async function member(s: TestServer, t: { tenantId: string; domain: string }, adminToken: string, roleDefinitionId?: string): Promise<{ id: string; upn: string; password: string }> {
  const upn = `m${++userCounter}@${t.domain}`;
  const password = 'Memb3r!Passw0rd';
  const r = await graph(s, 'POST', '/v1.0/users', adminToken, {
    accountEnabled: true, displayName: `Member ${userCounter}`, mailNickname: `m${userCounter}`, userPrincipalName: upn, passwordProfile: { password },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  if (roleDefinitionId) {
    const a = await graph(s, 'POST', '/v1.0/roleManagement/directory/roleAssignments', adminToken, { principalId: r.body.id, roleDefinitionId, directoryScopeId: '/' });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
  }
  return { id: r.body.id as string, upn, password };
}

/** Runs a printed Graph fix ("METHOD /path {json}") as the administrator; the answer must be a success. */
async function applyGraphFix(s: TestServer, adminToken: string, fix: string): Promise<Res> {
  const m = /^(POST|PATCH) (\/v1\.0\/\S+) (\{.*\})$/.exec(fix);
  if (!m) throw new Error(`not an executable Graph fix: ${fix}`);
  const r = await graph(s, m[1] as 'POST' | 'PATCH', m[2]!, adminToken, JSON.parse(m[3]!));
  expect(r.status, `${fix} → ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(200);
  expect(r.status, `${fix} → ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r;
}

/** Runs a printed CLI fix ("tenantry …") in process against the server's store. */
async function applyCliFix(s: TestServer, fix: string): Promise<void> {
  expect(fix).toMatch(/^tenantry /);
  const storeArgs = s.testStore.url ? ['--database', s.testStore.url] : ['--data', dirname(s.testStore.path!)];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await main(['node', 'tenantry', ...fix.split(' ').slice(1), ...storeArgs])).toBe(0);
  } finally {
    out.mockRestore();
  }
}

describe('GET /tenantry/doctor', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s?.close(); });

  it('answers 401 in the Graph envelope without a valid token', async () => {
    const r = await doctor(s, undefined, `clientId=${randomUUID()}`);
    expectError(r as unknown as Res, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    expect(String(r.headers['www-authenticate'])).toContain('Bearer realm=""');
    expectError(await doctor(s, 'not-a-token', `clientId=${randomUUID()}`) as unknown as Res, 401, 'InvalidAuthenticationToken');
  });

  it('a Global Administrator gets the report of the tenant of the token', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, ['AuditLog.Read.All']);
    const r = await doctor(s, admin, `clientId=${app.appId}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(Object.keys(r.body).sort()).toEqual(['clientId', 'ok', 'steps', 'tenant']);
    expect(r.body).toMatchObject({ tenant: t.tenantId, clientId: app.appId, ok: true });
    expect(r.body.steps.map((x) => x.id)).toEqual(['tenant', 'licence', 'application', 'servicePrincipal', 'clientSecret', 'permission', 'adminConsent']);
    for (const x of r.body.steps) expect(Object.keys(x).sort()).toEqual(['detail', 'id', 'ok', 'skipped', 'title']);
    // with a user: the delegated path, ten steps
    const u = await doctor(s, admin, `clientId=${app.appId}&user=${encodeURIComponent(t.admin.userPrincipalName)}`);
    expect(u.status).toBe(200);
    expect(u.body.user).toBe(t.admin.userPrincipalName);
    expect(u.body.steps).toHaveLength(10);
    expect(step(u.body, 'userRole')).toMatchObject({ ok: true, detail: 'Global Administrator' });
  });

  it('only the caller\'s tenant is examined: another tenant\'s application is not found', async () => {
    const a = await s.tenant();
    const b = await s.tenant();
    const adminA = await userToken(s, a.tenantId, a.admin.userPrincipalName, a.admin.password);
    const adminB = await userToken(s, b.tenantId, b.admin.userPrincipalName, b.admin.password);
    const app = await registerApp(s, adminA, ['AuditLog.Read.All']);
    const r = await doctor(s, adminB, `clientId=${app.appId}&tenant=${a.tenantId}`);
    expect(r.status).toBe(200);
    expect(r.body.tenant).toBe(b.tenantId);
    expect(r.body.ok).toBe(false);
    expect(firstFailure(r.body)?.id).toBe('application');
  });

  it('users need Global Administrator, Global Reader, Application Administrator or Cloud Application Administrator', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const q = `clientId=${randomUUID()}`;
    const plain = await member(s, t, admin);
    expectError(await doctor(s, await userToken(s, t.tenantId, plain.upn, plain.password), q) as unknown as Res, 403, 'Authorization_RequestDenied', DENIED);
    // a reporting role alone does not let one read app registrations
    const reader = await member(s, t, admin, '4a5d8f65-41da-4de4-8968-e035b65339cf');
    expectError(await doctor(s, await userToken(s, t.tenantId, reader.upn, reader.password), q) as unknown as Res, 403, 'Authorization_RequestDenied', DENIED);
    for (const role of ['f2ef992c-3afb-46b9-b7cf-a126ee74c451', '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', '158c047a-c907-4556-b7ef-446551a6b5f7']) {
      const u = await member(s, t, admin, role);
      const r = await doctor(s, await userToken(s, t.tenantId, u.upn, u.password), q);
      expect(r.status, `${role}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });

  it('apps need Application.Read.All or Directory.Read.All', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const auditOnly = await registerApp(s, admin, ['AuditLog.Read.All'], 'audit only');
    expectError(await doctor(s, await appToken(s, t.tenantId, auditOnly), `clientId=${auditOnly.appId}`) as unknown as Res, 403, 'Authorization_RequestDenied', DENIED);
    for (const p of ['Application.Read.All', 'Directory.Read.All']) {
      const reader = await registerApp(s, admin, [p], p);
      const r = await doctor(s, await appToken(s, t.tenantId, reader), `clientId=${auditOnly.appId}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.ok).toBe(true);
    }
  });

  it('bad or missing parameters answer 400 BadRequest', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    expectError(await doctor(s, admin, '') as unknown as Res, 400, 'BadRequest', "The query parameter 'clientId' is required.");
    expectError(await doctor(s, admin, 'clientId=reporting') as unknown as Res, 400, 'BadRequest', "The client id 'reporting' is not a GUID (an application's appId).");
    expectError(await doctor(s, admin, `clientId=${randomUUID()}&clientId=${randomUUID()}`) as unknown as Res, 400, 'BadRequest', "The query parameter 'clientId' was specified more than once.");
    expectError(await doctor(s, admin, `clientId=${randomUUID()}&user=a%00b`) as unknown as Res, 400, 'BadRequest');
  });

  it('follows the server\'s --strict-directory-read', async () => {
    const strict = await startServer({ listen: false, strictDirectoryRead: true });
    try {
      const t = await strict.tenant();
      const admin = await userToken(strict, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      const app = await registerApp(strict, admin, ['AuditLog.Read.All']);
      const r = await doctor(strict, admin, `clientId=${app.appId}`);
      expect(r.body.steps.filter((x) => !x.ok).map((x) => x.id)).toEqual(['permission', 'adminConsent']);
      const full = await registerApp(strict, admin, ['AuditLog.Read.All', 'Directory.Read.All']);
      expect((await doctor(strict, admin, `clientId=${full.appId}`)).body.ok).toBe(true);
    } finally {
      await strict.close();
    }
  });
});

describe('the doctor against the real API: its fixes, applied as printed, work', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s?.close(); });

  it('app-only: from a bare registration on an unlicensed tenant to reading sign-ins, one printed fix at a time', async () => {
    const t = await s.tenant({ license: 'none' });
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const created = await graph(s, 'POST', '/v1.0/applications', admin, { displayName: 'Bare app' });
    expect(created.status).toBe(201);
    const appId = created.body.appId as string;
    let secret: string | undefined;
    const fixed: DoctorStepId[] = [];
    for (let round = 0; round < 10; round++) {
      const r = (await doctor(s, admin, `clientId=${appId}`)).body;
      const failing = r.steps.filter((x) => !x.ok && !x.skipped && x.id !== 'licence');
      if (failing.length === 0) break;
      const f = failing[0]!;
      if (f.id === 'adminConsent') {
        // before consent the reporting API refuses the app's token exactly as the step says
        const tok = await appToken(s, t.tenantId, { appId, secret: secret! });
        const denied = await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', tok);
        expectError(denied, 403, 'Authentication_MSGraphPermissionMissing', 'Calling principal does not have required MSGraph permissions AuditLog.Read.All');
      }
      const res = await applyGraphFix(s, admin, f.fix!);
      if (f.id === 'clientSecret') secret = res.body.secretText as string;
      fixed.push(f.id);
      const after = (await doctor(s, admin, `clientId=${appId}`)).body;
      expect(step(after, f.id).ok, JSON.stringify(step(after, f.id))).toBe(true);
    }
    expect(fixed).toEqual(['servicePrincipal', 'clientSecret', 'permission', 'adminConsent']);
    // only the licence is left: directory audits are readable, sign-ins are refused as the step says
    const before = (await doctor(s, admin, `clientId=${appId}`)).body;
    expect(before.steps.filter((x) => !x.ok).map((x) => x.id)).toEqual(['licence']);
    const tok = await appToken(s, t.tenantId, { appId, secret: secret! });
    expect((await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', tok)).status).toBe(200);
    expectError(await graph(s, 'GET', '/v1.0/auditLogs/signIns', tok), 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    await applyCliFix(s, step(before, 'licence').fix!);
    const done = (await doctor(s, admin, `clientId=${appId}`)).body;
    expect(done.ok).toBe(true);
    expect((await graph(s, 'GET', '/v1.0/auditLogs/signIns', tok)).status).toBe(200);
  });

  it('delegated: grant and role fixes, applied as printed, let the user read the logs through the app', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, []);
    const upn = `analyst${Date.now().toString(36)}@${t.domain}`;
    const q = () => `clientId=${app.appId}&user=${encodeURIComponent(upn)}`;
    // the user does not exist yet: the printed POST /v1.0/users (with a real password) creates it
    const r0 = (await doctor(s, admin, q())).body;
    expect(firstFailure(r0)?.id).toBe('permission');
    expect(step(r0, 'user').ok).toBe(false);
    expect(step(r0, 'userRole').skipped).toBe(true);
    await applyGraphFix(s, admin, step(r0, 'user').fix!.replace('<password>', 'Analyst!Passw0rd1'));
    await applyGraphFix(s, admin, step(r0, 'permission').fix!);
    const r1 = (await doctor(s, admin, q())).body;
    expect(r1.steps.filter((x) => !x.ok).map((x) => x.id)).toEqual(['adminConsent', 'userRole']);
    // without the grant, the user's token request through the app is refused (consent missing)
    const ropc = () => tokenRequest(s, t.tenantId, {
      grant_type: 'password', client_id: app.appId, client_secret: app.secret, username: upn, password: 'Analyst!Passw0rd1', scope: 'https://graph.microsoft.com/AuditLog.Read.All',
    });
    const refused = await ropc();
    expect(refused.status).toBe(400);
    expect(refused.body.error_codes).toEqual([65001]);
    await applyGraphFix(s, admin, step(r1, 'adminConsent').fix!);
    const tok = await ropc();
    expect(tok.status, JSON.stringify(tok.body)).toBe(200);
    const userTok = tok.body.access_token as string;
    expectError(await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', userTok), 403, 'Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
    const r2 = (await doctor(s, admin, q())).body;
    expect(r2.steps.filter((x) => !x.ok).map((x) => x.id)).toEqual(['userRole']);
    await applyGraphFix(s, admin, step(r2, 'userRole').fix!);
    expect((await doctor(s, admin, q())).body.ok).toBe(true);
    // roles are read live: the same token now reads both logs
    expect((await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', userTok)).status).toBe(200);
    expect((await graph(s, 'GET', '/v1.0/auditLogs/signIns', userTok)).status).toBe(200);
  });
});
