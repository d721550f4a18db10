import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { addPassword, createApplication } from '../../src/directory/applications.js';
import { MICROSOFT_GRAPH_APP_ID, ROLE } from '../../src/directory/catalog.js';
import type { DirectoryContext } from '../../src/directory/context.js';
import { DirectoryError } from '../../src/directory/errors.js';
import { assignAppRole, createPermissionGrant, createServicePrincipal } from '../../src/directory/servicePrincipals.js';
import { createTenant, type CreatedTenant, type CreateTenantInput } from '../../src/directory/tenants.js';
import { assignRole, createUser } from '../../src/directory/users.js';
import { authorizeDoctor, formatDoctorReport, runDoctor, type DoctorReport, type DoctorStep, type DoctorStepId } from '../../src/reporting/doctor.js';
import * as spRepo from '../../src/store/repositories/servicePrincipals.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

/**
 * `tenantry doctor`'s domain logic: every prerequisite of the seed failing in turn, with the exact
 * fix it prints, steps that cannot be evaluated shown as skipped, and the all-pass reports.
 */

const AUDIT_ROLE = 'b0afded3-3588-46d8-8b3d-9842eff778da';
const AUDIT_SCOPE = 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20';
const DIR_ROLE = '7ab1d382-f21e-4acd-a863-ba3e13f7da61';
const DIR_SCOPE = '06da0dbc-49e2-44d2-8312-53f166ab848a';
const DIR_RW_ROLE = '19dbc75e-c2e2-444c-a770-ec69d8559fc7';
const USER_READ_SCOPE = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const DAY = 86_400_000;
const APP_PATH: DoctorStepId[] = ['tenant', 'licence', 'application', 'servicePrincipal', 'clientSecret', 'permission', 'adminConsent'];
const USER_PATH: DoctorStepId[] = [...APP_PATH, 'user', 'userEnabled', 'userRole'];
const LAX = { strictDirectoryRead: false };
const STRICT = { strictDirectoryRead: true };

let ts: TestStore;
let ctx: DirectoryContext;
let now = Date.now();
let counter = 0;

beforeAll(async () => {
  ts = await createTestStore();
  ctx = { store: ts.store, clock: () => now, secretPepper: 'doctor-test-pepper' };
});
afterAll(async () => { await ts?.cleanup(); });

const sys = (tenantId: string): SystemActor => ({ kind: 'system', name: 'doctor test', tenantId, ipAddress: null, correlationId: randomUUID() });

async function tenant(input: Partial<CreateTenantInput> = {}): Promise<CreatedTenant> {
  return createTenant(ctx, { domain: `doc${process.pid}x${++counter}${Date.now().toString(36)}.example.test`, license: 'P1', type: 'standard', adminPassword: 'Adm1n!Passw0rd', ...input });
}

async function graphSpId(tenantId: string): Promise<string> {
  return (await spRepo.findServicePrincipalByAppId(ctx.store.db, tenantId, MICROSOFT_GRAPH_APP_ID))!.id;
}

interface AppOptions {
  /** requiredResourceAccess entries (default: AuditLog.Read.All as Role, or as Scope with delegated) */
  declare?: { id: string; type: 'Role' | 'Scope' }[];
  /** extra requiredResourceAccess entries for another resource */
  other?: { resourceAppId: string; resourceAccess: { id: string; type: 'Role' | 'Scope' }[] }[];
  sp?: boolean;
  /** secret validity; false = none */
  secret?: { start?: number; end?: number } | false;
  /** app roles consented on Microsoft Graph (app path) */
  consent?: string[];
  /** delegated grant on Microsoft Graph (user path) */
  grant?: { consentType: 'AllPrincipals' | 'Principal'; principalId?: string; scope: string };
  delegated?: boolean;
}

interface Fixture {
  t: CreatedTenant;
  objectId: string;
  appId: string;
  spId?: string;
  graphSp: string;
}

async function reportingApp(t: CreatedTenant, o: AppOptions = {}): Promise<Fixture> {
  const actor = sys(t.tenantId);
  const declare = o.declare ?? [o.delegated ? { id: AUDIT_SCOPE, type: 'Scope' } : { id: AUDIT_ROLE, type: 'Role' }];
  const app = await createApplication(ctx, actor, {
    displayName: 'Reporting API application', signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
    requiredResourceAccess: [...(declare.length ? [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: declare }] : []), ...(o.other ?? [])],
  });
  const graphSp = await graphSpId(t.tenantId);
  const f: Fixture = { t, objectId: app.id, appId: app.appId, graphSp };
  if (o.secret !== false) {
    const s = o.secret ?? {};
    await addPassword(ctx, actor, { id: app.id }, { passwordCredential: {
      displayName: 'Reporting API',
      ...(s.start !== undefined ? { startDateTime: new Date(s.start).toISOString() } : {}),
      ...(s.end !== undefined ? { endDateTime: new Date(s.end).toISOString() } : {}),
    } });
  }
  if (o.sp !== false) {
    f.spId = (await createServicePrincipal(ctx, actor, { appId: app.appId })).id;
    for (const roleId of o.consent ?? (o.delegated ? [] : [AUDIT_ROLE])) {
      await assignAppRole(ctx, actor, graphSp, { principalId: f.spId, resourceId: graphSp, appRoleId: roleId });
    }
    if (o.grant) {
      await createPermissionGrant(ctx, actor, {
        clientId: f.spId, consentType: o.grant.consentType, resourceId: graphSp, scope: o.grant.scope,
        ...(o.grant.principalId ? { principalId: o.grant.principalId } : {}),
      });
    }
  }
  return f;
}

async function user(t: CreatedTenant, name: string, opts: { enabled?: boolean; roles?: string[] } = {}): Promise<{ id: string; upn: string }> {
  const upn = `${name}@${t.domain}`;
  const u = await createUser(ctx, sys(t.tenantId), {
    accountEnabled: opts.enabled ?? true, displayName: name, mailNickname: name, userPrincipalName: upn, passwordProfile: { password: 'Us3r!Passw0rd' },
  });
  for (const r of opts.roles ?? []) await assignRole(ctx, sys(t.tenantId), { principalId: u.id, roleDefinitionId: r, directoryScopeId: '/' });
  return { id: u.id, upn };
}

function step(r: DoctorReport, id: DoctorStepId): DoctorStep {
  const s = r.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${JSON.stringify(r)}`);
  return s;
}

/** The failing and skipped step ids; every other step must have passed. */
function outcome(r: DoctorReport): { failed: DoctorStepId[]; skipped: DoctorStepId[] } {
  for (const s of r.steps) {
    if (s.ok) {
      expect(s.skipped).toBe(false);
      expect(s.fix).toBeUndefined();
    }
    if (s.skipped) {
      expect(s.ok).toBe(false);
      expect(s.detail).toMatch(/^skipped: /);
      expect(s.fix).toBeUndefined();
    }
  }
  expect(r.ok).toBe(r.steps.every((s) => s.ok));
  return { failed: r.steps.filter((s) => !s.ok && !s.skipped).map((s) => s.id), skipped: r.steps.filter((s) => s.skipped).map((s) => s.id) };
}

describe('doctor: app-only path (client credentials)', () => {
  it('all pass: steps in the seed order, every one ✓, details with the real ids', async () => {
    const t = await tenant();
    const f = await reportingApp(t);
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId.toUpperCase() }, LAX);
    expect(r.steps.map((s) => s.id)).toEqual(APP_PATH);
    expect(outcome(r)).toEqual({ failed: [], skipped: [] });
    expect(r).toMatchObject({ tenant: t.domain, clientId: f.appId, ok: true });
    expect('user' in r).toBe(false);
    expect(step(r, 'tenant').detail).toContain(t.tenantId);
    expect(step(r, 'application').detail).toContain(f.objectId);
    expect(step(r, 'servicePrincipal').detail).toContain(f.spId!);
    expect(step(r, 'clientSecret').detail).toMatch(/^1 valid secret; '.{3}…' expires \d{4}-\d\d-\d\d$/);
    expect(step(r, 'permission').detail).toContain(`AuditLog.Read.All (${AUDIT_ROLE}, Role) declared`);
    // Directory.Read.All is a recommendation outside strict mode
    expect(step(r, 'permission').detail).toContain(`Directory.Read.All (${DIR_ROLE}, Role) is not declared: recommended`);
    expect(step(r, 'adminConsent').detail).toContain(`on Microsoft Graph (${f.graphSp})`);
    // the tenant may be named by id as well
    const byId = await runDoctor(ctx, { tenant: t.tenantId, clientId: f.appId }, LAX);
    expect(byId.ok).toBe(true);
  });

  it('tenant missing: create it; everything after is skipped', async () => {
    const r = await runDoctor(ctx, { tenant: 'Nowhere.Example.Test', clientId: randomUUID() }, LAX);
    expect(outcome(r)).toEqual({ failed: ['tenant'], skipped: APP_PATH.slice(1) });
    expect(step(r, 'tenant').fix).toBe('tenantry tenant create --domain nowhere.example.test --license P1');
    expect(step(r, 'licence').detail).toBe('skipped: the tenant does not exist');
    const byId = await runDoctor(ctx, { tenant: randomUUID(), clientId: randomUUID(), user: 'a@b.example' }, LAX);
    expect(step(byId, 'tenant').fix).toBe('tenantry tenant create --domain <domain> --license P1');
    expect(step(byId, 'tenant').detail).toContain('tenant ids are generated');
    expect(outcome(byId)).toEqual({ failed: ['tenant'], skipped: USER_PATH.slice(1) });
  });

  it('no licence on a standard tenant: tenantry tenant license; directory audits need none; the other steps still run', async () => {
    const t = await tenant({ license: 'none' });
    const f = await reportingApp(t);
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(outcome(r)).toEqual({ failed: ['licence'], skipped: [] });
    expect(step(r, 'licence').fix).toBe(`tenantry tenant license ${t.tenantId} P1`);
    expect(step(r, 'licence').detail).toContain('403 Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    expect(step(r, 'licence').detail).toContain('/auditLogs/directoryAudits needs no licence');
  });

  it('a B2C tenant needs no licence; P2 passes', async () => {
    const b2c = await tenant({ license: 'none', type: 'b2c' });
    const f = await reportingApp(b2c);
    const r = await runDoctor(ctx, { tenant: b2c.domain, clientId: f.appId }, LAX);
    expect(r.ok).toBe(true);
    expect(step(r, 'licence').detail).toContain('B2C tenant');
    const p2 = await tenant({ license: 'P2' });
    const g = await reportingApp(p2);
    expect(step(await runDoctor(ctx, { tenant: p2.tenantId, clientId: g.appId }, LAX), 'licence').detail).toContain('licence P2');
  });

  it('application not registered: POST /v1.0/applications; the app steps are skipped', async () => {
    const t = await tenant();
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: randomUUID() }, LAX);
    expect(outcome(r)).toEqual({ failed: ['application'], skipped: ['servicePrincipal', 'clientSecret', 'permission', 'adminConsent'] });
    expect(step(r, 'application').fix).toBe(
      'POST /v1.0/applications {"displayName":"Reporting API application","signInAudience":"AzureADMyOrg","web":{"redirectUris":["https://localhost"]},' +
      `"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"${AUDIT_ROLE}","type":"Role"}]}]}`,
    );
    // strict mode registers Directory.Read.All as well
    const strict = await runDoctor(ctx, { tenant: t.domain, clientId: randomUUID() }, STRICT);
    expect(step(strict, 'application').fix).toContain(`"resourceAccess":[{"id":"${AUDIT_ROLE}","type":"Role"},{"id":"${DIR_ROLE}","type":"Role"}]`);
  });

  it('an application of another tenant is not found in this one', async () => {
    const a = await tenant();
    const b = await tenant();
    const f = await reportingApp(a);
    const r = await runDoctor(ctx, { tenant: b.domain, clientId: f.appId }, LAX);
    expect(outcome(r).failed).toEqual(['application']);
    expect(step(r, 'application').detail).toContain(`no application with appId ${f.appId} in tenant ${b.tenantId}`);
  });

  it('no service principal: POST /v1.0/servicePrincipals; consent is skipped, secret and permission still checked', async () => {
    const t = await tenant();
    const f = await reportingApp(t, { sp: false });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(outcome(r)).toEqual({ failed: ['servicePrincipal'], skipped: ['adminConsent'] });
    expect(step(r, 'servicePrincipal').fix).toBe(`POST /v1.0/servicePrincipals {"appId":"${f.appId}"}`);
    expect(step(r, 'servicePrincipal').detail).toContain('AADSTS7000229');
  });

  it('no client secret / only an expired one / only one not yet valid: addPassword', async () => {
    const t = await tenant();
    const fix = (f: Fixture) => `POST /v1.0/applications/${f.objectId}/addPassword {"passwordCredential":{"displayName":"Reporting API"}}`;
    const none = await reportingApp(t, { secret: false });
    const r1 = await runDoctor(ctx, { tenant: t.domain, clientId: none.appId }, LAX);
    expect(outcome(r1)).toEqual({ failed: ['clientSecret'], skipped: [] });
    expect(step(r1, 'clientSecret').fix).toBe(fix(none));
    expect(step(r1, 'clientSecret').detail).toContain('no client secret');

    const expired = await reportingApp(t, { secret: { start: now - 800 * DAY, end: now - DAY } });
    const r2 = await runDoctor(ctx, { tenant: t.domain, clientId: expired.appId }, LAX);
    expect(outcome(r2)).toEqual({ failed: ['clientSecret'], skipped: [] });
    expect(step(r2, 'clientSecret').fix).toBe(fix(expired));
    expect(step(r2, 'clientSecret').detail).toMatch(/expired \d{4}-.*AADSTS7000222/);

    const future = await reportingApp(t, { secret: { start: now + DAY, end: now + 400 * DAY } });
    const r3 = await runDoctor(ctx, { tenant: t.domain, clientId: future.appId }, LAX);
    expect(outcome(r3)).toEqual({ failed: ['clientSecret'], skipped: [] });
    expect(step(r3, 'clientSecret').fix).toBe(fix(future));
    expect(step(r3, 'clientSecret').detail).toContain('not valid before');

    // the same secret passes once the clock reaches its start, and fails again after its end
    const saved = now;
    try {
      now = saved + 2 * DAY;
      expect(step(await runDoctor(ctx, { tenant: t.domain, clientId: future.appId }, LAX), 'clientSecret').ok).toBe(true);
      now = saved + 401 * DAY;
      expect(step(await runDoctor(ctx, { tenant: t.domain, clientId: future.appId }, LAX), 'clientSecret').ok).toBe(false);
    } finally {
      now = saved;
    }
  });

  it('a secret about to expire passes with a warning', async () => {
    const t = await tenant();
    const f = await reportingApp(t, { secret: { start: now - DAY, end: now + 10 * DAY + 3_600_000 } });
    const s = step(await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX), 'clientSecret');
    expect(s.ok).toBe(true);
    expect(s.detail).toContain('(in 10 days: add a new one soon)');
  });

  it('AuditLog.Read.All not declared: PATCH requiredResourceAccess keeping the other entries', async () => {
    const t = await tenant();
    const other = [{ resourceAppId: '00000002-0000-0000-c000-000000000000', resourceAccess: [{ id: '311a71cc-e848-46a1-bdf8-97ff7156d8e6', type: 'Scope' as const }] }];
    const f = await reportingApp(t, { declare: [{ id: USER_READ_SCOPE, type: 'Scope' }], other });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(outcome(r)).toEqual({ failed: ['permission'], skipped: [] });
    expect(step(r, 'permission').fix).toBe(
      `PATCH /v1.0/applications/${f.objectId} {"requiredResourceAccess":[` +
      `{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"${USER_READ_SCOPE}","type":"Scope"},{"id":"${AUDIT_ROLE}","type":"Role"}]},` +
      '{"resourceAppId":"00000002-0000-0000-c000-000000000000","resourceAccess":[{"id":"311a71cc-e848-46a1-bdf8-97ff7156d8e6","type":"Scope"}]}]}',
    );
    // with no Microsoft Graph entry at all, one is added
    const bare = await reportingApp(t, { declare: [] });
    expect(step(await runDoctor(ctx, { tenant: t.domain, clientId: bare.appId }, LAX), 'permission').fix).toBe(
      `PATCH /v1.0/applications/${bare.objectId} {"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"${AUDIT_ROLE}","type":"Role"}]}]}`,
    );
  });

  it('no admin consent: POST appRoleAssignedTo on the Microsoft Graph service principal with the real ids', async () => {
    const t = await tenant();
    const f = await reportingApp(t, { consent: [] });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(outcome(r)).toEqual({ failed: ['adminConsent'], skipped: [] });
    expect(step(r, 'adminConsent').fix).toBe(
      `POST /v1.0/servicePrincipals/${f.graphSp}/appRoleAssignedTo {"principalId":"${f.spId!}","resourceId":"${f.graphSp}","appRoleId":"${AUDIT_ROLE}"}`,
    );
    expect(step(r, 'adminConsent').detail).toContain('403 Authentication_MSGraphPermissionMissing');
    // consent to another permission only does not count
    const wrong = await reportingApp(t, { consent: [DIR_ROLE] });
    expect(outcome(await runDoctor(ctx, { tenant: t.domain, clientId: wrong.appId }, LAX)).failed).toEqual(['adminConsent']);
  });

  it('strict mode: Directory.Read.All must be declared and consented too', async () => {
    const t = await tenant();
    const f = await reportingApp(t);
    const lax = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(lax.ok).toBe(true);
    expect(step(lax, 'adminConsent').detail).toContain('Directory.Read.All not consented (recommended; required for sign-ins with --strict-directory-read)');
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, STRICT);
    expect(outcome(r)).toEqual({ failed: ['permission', 'adminConsent'], skipped: [] });
    expect(step(r, 'permission').fix).toBe(
      `PATCH /v1.0/applications/${f.objectId} {"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"${AUDIT_ROLE}","type":"Role"},{"id":"${DIR_ROLE}","type":"Role"}]}]}`,
    );
    expect(step(r, 'permission').detail).toContain('required because of --strict-directory-read');
    expect(step(r, 'adminConsent').fix).toBe(
      `POST /v1.0/servicePrincipals/${f.graphSp}/appRoleAssignedTo {"principalId":"${f.spId!}","resourceId":"${f.graphSp}","appRoleId":"${DIR_ROLE}"}`,
    );
    // nothing consented: two calls, one per line
    const none = await reportingApp(t, { consent: [], declare: [{ id: AUDIT_ROLE, type: 'Role' }, { id: DIR_ROLE, type: 'Role' }] });
    const r2 = await runDoctor(ctx, { tenant: t.domain, clientId: none.appId }, STRICT);
    expect(outcome(r2).failed).toEqual(['adminConsent']);
    expect(step(r2, 'adminConsent').fix!.split('\n')).toEqual([AUDIT_ROLE, DIR_ROLE].map((id) =>
      `POST /v1.0/servicePrincipals/${none.graphSp}/appRoleAssignedTo {"principalId":"${none.spId!}","resourceId":"${none.graphSp}","appRoleId":"${id}"}`));
    const full = await reportingApp(t, { consent: [AUDIT_ROLE, DIR_ROLE], declare: [{ id: AUDIT_ROLE, type: 'Role' }, { id: DIR_ROLE, type: 'Role' }] });
    expect((await runDoctor(ctx, { tenant: t.domain, clientId: full.appId }, STRICT)).ok).toBe(true);
    // Directory.ReadWrite.All satisfies strict mode as well, as the reporting API accepts it
    const rw = await reportingApp(t, { consent: [AUDIT_ROLE, DIR_RW_ROLE], declare: [{ id: AUDIT_ROLE, type: 'Role' }, { id: DIR_RW_ROLE, type: 'Role' }] });
    expect((await runDoctor(ctx, { tenant: t.domain, clientId: rw.appId }, STRICT)).ok).toBe(true);
  });

  it('several failures at once are all reported', async () => {
    const t = await tenant({ license: 'none' });
    const f = await reportingApp(t, { secret: false, declare: [], consent: [] });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX);
    expect(outcome(r)).toEqual({ failed: ['licence', 'clientSecret', 'permission', 'adminConsent'], skipped: [] });
  });

  it('a client id that is not a GUID is not a question: BadRequest', async () => {
    const t = await tenant();
    await expect(runDoctor(ctx, { tenant: t.domain, clientId: 'reporting-app' }, LAX)).rejects.toSatisfy(
      (e: unknown) => e instanceof DirectoryError && e.kind === 'badRequest' && e.code === 'BadRequest' && e.message.includes("'reporting-app' is not a GUID"),
    );
    await expect(runDoctor(ctx, { tenant: t.domain, clientId: randomUUID(), user: 'a b@c.example' }, LAX)).rejects.toBeInstanceOf(DirectoryError);
  });
});

describe('doctor: delegated path (--user)', () => {
  async function delegatedSetup(o: { license?: 'none' | 'P1'; grant?: 'all' | 'self' | 'other' | 'none'; enabled?: boolean; roles?: string[]; scope?: string } = {}) {
    const t = await tenant({ license: o.license ?? 'P1' });
    const u = await user(t, 'analyst', { enabled: o.enabled, roles: o.roles ?? [ROLE.reportsReader] });
    const someoneElse = await user(t, 'other');
    const kind = o.grant ?? 'all';
    const scope = o.scope ?? 'AuditLog.Read.All';
    const f = await reportingApp(t, {
      delegated: true,
      grant: kind === 'none' ? undefined
        : kind === 'all' ? { consentType: 'AllPrincipals', scope }
        : { consentType: 'Principal', principalId: kind === 'self' ? u.id : someoneElse.id, scope },
    });
    return { t, u, f };
  }

  it('all pass: ten steps, with the user steps last', async () => {
    const { t, u, f } = await delegatedSetup();
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn.toUpperCase() }, LAX);
    expect(r.steps.map((s) => s.id)).toEqual(USER_PATH);
    expect(outcome(r)).toEqual({ failed: [], skipped: [] });
    expect(r.user).toBe(u.upn.toUpperCase());
    expect(step(r, 'permission').detail).toContain(`AuditLog.Read.All (${AUDIT_SCOPE}, Scope) declared`);
    expect(step(r, 'adminConsent').detail).toContain('for all users');
    expect(step(r, 'userRole').detail).toBe('Reports Reader');
  });

  it('a personal grant for this user counts; one for another user does not', async () => {
    const self = await delegatedSetup({ grant: 'self' });
    const r = await runDoctor(ctx, { tenant: self.t.domain, clientId: self.f.appId, user: self.u.upn }, LAX);
    expect(r.ok).toBe(true);
    expect(step(r, 'adminConsent').detail).toContain('for this user');
    const other = await delegatedSetup({ grant: 'other' });
    const r2 = await runDoctor(ctx, { tenant: other.t.domain, clientId: other.f.appId, user: other.u.upn }, LAX);
    expect(outcome(r2)).toEqual({ failed: ['adminConsent'], skipped: [] });
  });

  it('no delegated grant: POST /v1.0/oauth2PermissionGrants with the real ids', async () => {
    const { t, u, f } = await delegatedSetup({ grant: 'none' });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, LAX);
    expect(outcome(r)).toEqual({ failed: ['adminConsent'], skipped: [] });
    expect(step(r, 'adminConsent').fix).toBe(
      `POST /v1.0/oauth2PermissionGrants {"clientId":"${f.spId!}","consentType":"AllPrincipals","resourceId":"${f.graphSp}","scope":"AuditLog.Read.All"}`,
    );
    // a grant of other scopes only does not count
    const userRead = await delegatedSetup({ scope: 'User.Read' });
    expect(outcome(await runDoctor(ctx, { tenant: userRead.t.domain, clientId: userRead.f.appId, user: userRead.u.upn }, LAX)).failed).toEqual(['adminConsent']);
    // the app role assignment of the app-only path is not a delegated grant
    expect(step(r, 'adminConsent').ok).toBe(false);
  });

  it('delegated permission not declared: PATCH adds the Scope entry', async () => {
    const t = await tenant();
    const u = await user(t, 'analyst', { roles: [ROLE.securityReader] });
    const f = await reportingApp(t, { delegated: true, declare: [{ id: AUDIT_ROLE, type: 'Role' }], grant: { consentType: 'AllPrincipals', scope: 'AuditLog.Read.All' } });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, LAX);
    expect(outcome(r)).toEqual({ failed: ['permission'], skipped: [] });
    expect(step(r, 'permission').fix).toBe(
      `PATCH /v1.0/applications/${f.objectId} {"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"${AUDIT_ROLE}","type":"Role"},{"id":"${AUDIT_SCOPE}","type":"Scope"}]}]}`,
    );
    const strict = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, STRICT);
    expect(step(strict, 'permission').fix).toContain(`{"id":"${AUDIT_SCOPE}","type":"Scope"},{"id":"${DIR_SCOPE}","type":"Scope"}`);
    expect(step(strict, 'adminConsent').fix).toBe(
      `POST /v1.0/oauth2PermissionGrants {"clientId":"${f.spId!}","consentType":"AllPrincipals","resourceId":"${f.graphSp}","scope":"Directory.Read.All"}`,
    );
  });

  it('user missing: POST /v1.0/users; enabled and role are skipped', async () => {
    const { t, f } = await delegatedSetup();
    const upn = `Ghost@${t.domain}`;
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: upn }, LAX);
    expect(outcome(r)).toEqual({ failed: ['user'], skipped: ['userEnabled', 'userRole'] });
    expect(step(r, 'user').fix).toBe(
      `POST /v1.0/users {"accountEnabled":true,"displayName":"Ghost","mailNickname":"Ghost","userPrincipalName":"ghost@${t.domain}","passwordProfile":{"password":"<password>"}}`,
    );
    expect(step(r, 'userRole').detail).toBe('skipped: the user does not exist');
  });

  it('user disabled', async () => {
    const { t, u, f } = await delegatedSetup({ enabled: false });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, LAX);
    expect(outcome(r)).toEqual({ failed: ['userEnabled'], skipped: [] });
    expect(step(r, 'userEnabled').detail).toContain('AADSTS50057');
    expect(step(r, 'userEnabled').fix).toBe(`PATCH /v1.0/users/${u.id} {"accountEnabled":true}`);
  });

  it('user without a reporting role: assign Reports Reader', async () => {
    const { t, u, f } = await delegatedSetup({ roles: [ROLE.applicationAdministrator] });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, LAX);
    expect(outcome(r)).toEqual({ failed: ['userRole'], skipped: [] });
    expect(step(r, 'userRole').fix).toBe(
      `POST /v1.0/roleManagement/directory/roleAssignments {"principalId":"${u.id}","roleDefinitionId":"${ROLE.reportsReader}","directoryScopeId":"/"}`,
    );
    expect(step(r, 'userRole').detail).toContain('roles Application Administrator;');
    expect(step(r, 'userRole').detail).toContain('403 Authentication_RequestFromUnsupportedUserRole');
    const none = await delegatedSetup({ roles: [] });
    expect(step(await runDoctor(ctx, { tenant: none.t.domain, clientId: none.f.appId, user: none.u.upn }, LAX), 'userRole').detail).toMatch(/^no directory role; /);
  });

  it.each([
    ['Global Administrator', ROLE.globalAdministrator], ['Security Administrator', ROLE.securityAdministrator], ['Security Reader', ROLE.securityReader],
    ['Security Operator', ROLE.securityOperator], ['Reports Reader', ROLE.reportsReader], ['Global Reader', ROLE.globalReader],
  ])('%s is a reporting role', async (name, id) => {
    const { t, u, f } = await delegatedSetup({ roles: [id] });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: f.appId, user: u.upn }, LAX);
    expect(step(r, 'userRole')).toMatchObject({ ok: true, detail: name });
  });

  it('a public client (isFallbackPublicClient) needs no secret on the user path, but does on the app path', async () => {
    const t = await tenant();
    const u = await user(t, 'analyst', { roles: [ROLE.reportsReader] });
    const actor = sys(t.tenantId);
    const app = await createApplication(ctx, actor, {
      displayName: 'Public reporting client', isFallbackPublicClient: true,
      requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: AUDIT_SCOPE, type: 'Scope' }] }],
    });
    const sp = await createServicePrincipal(ctx, actor, { appId: app.appId });
    await createPermissionGrant(ctx, actor, { clientId: sp.id, consentType: 'AllPrincipals', resourceId: await graphSpId(t.tenantId), scope: 'AuditLog.Read.All' });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: app.appId, user: u.upn }, LAX);
    expect(r.ok).toBe(true);
    expect(step(r, 'clientSecret').detail).toContain('public client');
    expect(step(await runDoctor(ctx, { tenant: t.domain, clientId: app.appId }, LAX), 'clientSecret').ok).toBe(false);
  });

  it("Microsoft's first-party clients (Azure CLI) are pre-authorised for the user path, and have no app-only path", async () => {
    const t = await tenant();
    const u = await user(t, 'analyst', { roles: [ROLE.securityReader] });
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: AZURE_CLI, user: u.upn }, LAX);
    expect(outcome(r)).toEqual({ failed: [], skipped: [] });
    expect(step(r, 'application').detail).toContain('Microsoft Azure CLI');
    const appOnly = await runDoctor(ctx, { tenant: t.domain, clientId: AZURE_CLI }, LAX);
    expect(outcome(appOnly)).toEqual({ failed: ['application'], skipped: ['servicePrincipal', 'clientSecret', 'permission', 'adminConsent'] });
    expect(step(appOnly, 'application').detail).toContain('cannot use the client credentials flow');
  });
});

describe('doctor: rendering and HTTP authorisation rule', () => {
  it('formatDoctorReport: ✓, ✗ with the fix under it, – for skipped, and a summary', async () => {
    const t = await tenant();
    const r = await runDoctor(ctx, { tenant: t.domain, clientId: '11111111-2222-3333-4444-555555555555' }, LAX);
    const text = formatDoctorReport(r);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`tenantry doctor: tenant ${t.domain}, client 11111111-2222-3333-4444-555555555555`);
    expect(lines).toContain(`✓ Tenant exists: ${step(r, 'tenant').detail}`);
    const i = lines.findIndex((l) => l.startsWith('✗ Application registered: '));
    expect(lines[i + 1]).toBe(`    fix: ${step(r, 'application').fix!}`);
    expect(lines).toContain('– Service principal exists: skipped: the application is not registered');
    expect(text.endsWith('1 of 7 checks failed, 4 skipped.\n')).toBe(true);
    const f = await reportingApp(t);
    expect(formatDoctorReport(await runDoctor(ctx, { tenant: t.domain, clientId: f.appId }, LAX)).endsWith('All 7 checks passed.\n')).toBe(true);
  });

  it('authorizeDoctor: directory/application admins and readers, or apps that may read applications', () => {
    const base = { tenantId: randomUUID(), ipAddress: null, correlationId: randomUUID() };
    const userWith = (roles: string[], scopes = ['Directory.Read.All']) => ({ ...base, kind: 'user' as const, userId: randomUUID(), userPrincipalName: 'u@x.example', displayName: 'u', roles, scopes: new Set<string>(scopes), clientAppId: AZURE_CLI });
    const appWith = (appRoles: string[]) => ({ ...base, kind: 'app' as const, appId: randomUUID(), servicePrincipalId: randomUUID(), displayName: 'a', appRoles: new Set(appRoles), roles: [] });
    for (const r of [ROLE.globalAdministrator, ROLE.globalReader, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator]) {
      expect(() => authorizeDoctor(userWith([r]))).not.toThrow();
      expect(() => authorizeDoctor(userWith([r], ['Application.Read.All']))).not.toThrow();
      // delegated access is scope and role together: an admin's User.Read-only token reads nothing here
      expect(() => authorizeDoctor(userWith([r], ['User.Read']))).toThrow('Insufficient privileges to complete the operation.');
    }
    for (const r of [ROLE.reportsReader, ROLE.securityReader, ROLE.userAdministrator]) {
      expect(() => authorizeDoctor(userWith([r]))).toThrow('Insufficient privileges to complete the operation.');
    }
    expect(() => authorizeDoctor(userWith([]))).toThrow(DirectoryError);
    for (const p of ['Application.Read.All', 'Directory.Read.All']) expect(() => authorizeDoctor(appWith([p]))).not.toThrow();
    expect(() => authorizeDoctor(appWith(['AuditLog.Read.All', 'User.Read.All']))).toThrow('Insufficient privileges to complete the operation.');
  });
});
