import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { createTenant } from '../../src/directory/tenants.js';
import { main } from '../../src/cli/main.js';
import { Progress } from '../../src/cli/generate.js';
import { Alias, GenerateError, generateSignIns, localTime, Rng, type GenerateResult } from '../../src/reporting/generate.js';
import { generateAudits } from '../../src/reporting/generateAudits.js';
import { ActivityLogs } from '../../src/reporting/logs.js';
import { SkipTokens } from '../../src/reporting/skiptoken.js';
import * as tenantsRepo from '../../src/store/repositories/tenants.js';
import type { Store } from '../../src/store/db.js';
import { createTestStore, type TestStore } from '../helpers/store.js';
import { signInRows, type FlatSignIn } from '../helpers/signIns.js';

const NOW = Date.parse('2026-03-18T15:20:00.000Z');
const DAY = 86_400_000;
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

const system = (tenantId: string): SystemActor => ({ kind: 'system', name: 'generate test', tenantId, ipAddress: null, correlationId: randomUUID() });
const logsOf = (store: Store) =>
  new ActivityLogs({ store, clock: () => NOW, secretPepper: 'p' }, new SkipTokens('k'), { strictDirectoryRead: false }, { freeDays: 36_500, premiumDays: 36_500 });

/** A tenant with a fixed id, straight through the repositories (so two stores can hold the same one). */
async function fixedTenant(store: Store, id: string, domain: string, license: 'none' | 'P1' | 'P2'): Promise<void> {
  await tenantsRepo.insertTenant(store.db, { id, display_name: domain.split('.')[0]!, tenant_type: 'standard', license, created_at: NOW - 400 * DAY });
  await tenantsRepo.insertDomain(store.db, { name: domain, tenant_id: id, is_default: 1, is_initial: 1, is_verified: 1, created_at: NOW - 400 * DAY });
}

type Beta = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const beta = (r: FlatSignIn): Beta => JSON.parse(r.details) as Beta;

describe('the seeded generator', () => {
  it('xoshiro128** is reproducible and uniform enough; alias tables follow their weights', () => {
    const a = Rng.from('x');
    const b = Rng.from('x');
    const seq = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seq);
    expect(Array.from({ length: 5 }, () => Rng.from('y').next())).not.toEqual(seq);
    const r = Rng.from('alias');
    const alias = new Alias([1, 2, 7]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[alias.sample(r)]!++;
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 100_000).toBeCloseTo(0.7, 1);
  });
});

describe('generate signins', () => {
  const stores: TestStore[] = [];
  const T = '3f0c7a2e-51d4-4c1b-9a57-2b8e6d9c1f40';
  let a: TestStore;
  let b: TestStore;
  let first: GenerateResult;

  beforeAll(async () => {
    a = await createTestStore();
    b = await createTestStore();
    stores.push(a, b);
    for (const s of [a, b]) await fixedTenant(s.store, T, 'contoso.example', 'P2');
    first = await generateSignIns(a.store, { tenantId: T, count: 20_000, days: 7, seed: 's1', now: NOW });
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.cleanup();
  });

  it('gives identical rows, ids included, for the same seed, tenant, count, days and end time; other ids for another seed', async () => {
    const progress: number[] = [];
    await generateSignIns(b.store, { tenantId: T, count: 20_000, days: 7, seed: 's1', now: NOW, batchSize: 3000, onProgress: (d) => progress.push(d) });
    expect(progress.at(-1)).toBe(20_000);
    const rowsA = await signInRows(a.store, { tenantId: T });
    const rowsB = await signInRows(b.store, { tenantId: T });
    expect(rowsA).toHaveLength(20_000);
    expect(rowsB).toEqual(rowsA);

    await generateSignIns(b.store, { tenantId: T, count: 20_000, days: 7, seed: 's2', now: NOW });
    const both = await signInRows(b.store, { tenantId: T });
    expect(both).toHaveLength(40_000);
    expect(new Set(both.map((r) => r.id)).size).toBe(40_000);
    const s2 = both.slice(20_000);
    expect(s2.slice(0, 50).map((r) => r.created_at)).not.toEqual(rowsA.slice(0, 50).map((r) => r.created_at));
  });

  it('refuses to write the same records twice', async () => {
    await expect(generateSignIns(a.store, { tenantId: T, count: 10, days: 7, seed: 's1', now: NOW + 1 })).resolves.toBeDefined();
    await expect(generateSignIns(a.store, { tenantId: T, count: 10, days: 7, seed: 's1', now: NOW + 1 })).rejects.toThrow(GenerateError);
    await expect(generateSignIns(a.store, { tenantId: randomUUID(), count: 10, seed: 'x', now: NOW })).rejects.toThrow(/not found/);
    await expect(generateSignIns(a.store, { tenantId: T, count: 0, seed: 'x', now: NOW })).rejects.toThrow(GenerateError);
    await expect(generateSignIns(a.store, { tenantId: T, count: 5, days: 366, seed: 'x', now: NOW })).rejects.toThrow(GenerateError);
  });

  describe('looks like a real tenant', () => {
    let rows: FlatSignIn[];
    beforeAll(async () => {
      rows = (await signInRows(a.store, { tenantId: T })).slice(0, 20_000);
    });

    it('spreads over the window on a working-hours curve', () => {
      expect(rows.every((r) => r.created_at >= NOW - 7 * DAY && r.created_at < NOW)).toBe(true);
      // in time order (seq follows created_at)
      expect(rows.every((r, i) => i === 0 || r.created_at >= rows[i - 1]!.created_at)).toBe(true);
      let work = 0;
      let night = 0;
      for (const r of rows) {
        const { hour, weekend } = localTime(r.created_at, first.utcOffsetMinutes);
        if (!weekend && hour >= 8 && hour < 18) work++;
        else if (hour < 6) night++;
      }
      // per hour of the week: 50 working hours, 42 night hours
      expect(work / 50).toBeGreaterThan((night / 42) * 4);
    });

    it('mixes event types and fails 5–10 % of the time with real AADSTS codes', () => {
      const types = new Map<string, number>();
      for (const r of rows) types.set(r.event_type, (types.get(r.event_type) ?? 0) + 1);
      expect([...types.keys()].sort()).toEqual(['interactiveUser', 'managedIdentity', 'nonInteractiveUser', 'servicePrincipal']);
      expect(types.get('interactiveUser')! + types.get('nonInteractiveUser')!).toBeGreaterThan(rows.length * 0.7);
      expect(types.get('servicePrincipal')!).toBeGreaterThan(types.get('managedIdentity')!);
      const failures = rows.filter((r) => r.error_code !== 0);
      expect(failures.length / rows.length).toBeGreaterThan(0.05);
      expect(failures.length / rows.length).toBeLessThan(0.1);
      const codes = new Set(failures.map((r) => r.error_code));
      for (const c of [50126, 50074, 50076, 50140, 53003, 500121, 7000215]) expect(codes.has(c), String(c)).toBe(true);
      const bad = failures.find((r) => r.error_code === 50126)!;
      expect(bad.failure_reason).toBe('Error validating credentials due to invalid username or password.');
      expect(failures.find((r) => r.error_code === 53003)!.failure_reason).toBe('Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
      expect(rows.filter((r) => r.error_code === 0).every((r) => r.failure_reason === null)).toBe(true);
    });

    it('has skewed popularity of users and apps, guests, devices and well-known apps', () => {
      const users = new Map<string, number>();
      const apps = new Map<string, number>();
      for (const r of rows) {
        if (r.user_id) users.set(r.user_id, (users.get(r.user_id) ?? 0) + 1);
        if (r.app_id) apps.set(r.app_id, (apps.get(r.app_id) ?? 0) + 1);
      }
      const userRows = [...users.values()].reduce((s, n) => s + n, 0);
      expect(users.size).toBeGreaterThanOrEqual(45);
      expect(Math.max(...users.values()) / userRows).toBeGreaterThan(3 / users.size);
      expect(apps.size).toBeGreaterThanOrEqual(25);
      expect(Math.max(...apps.values()) / rows.length).toBeGreaterThan(0.15);
      expect(apps.has(AZURE_CLI)).toBe(true);
      expect(rows.find((r) => r.app_id === AZURE_CLI)!.app_display_name).toBe('Microsoft Azure CLI');
      const details = rows.map(beta);
      expect(details.some((d) => d.userType === 'guest' && !String(d.userPrincipalName).endsWith('@contoso.example'))).toBe(true);
      expect(details.filter((d) => d.userType === 'member').every((d) => String(d.userPrincipalName).endsWith('@contoso.example'))).toBe(true);
      expect(details.every((d) => d.userPrincipalName === null || d.userPrincipalName === String(d.userPrincipalName).toLowerCase())).toBe(true);
      const joined = details.find((d) => d.deviceDetail.trustType === 'Azure AD joined')!;
      expect(joined.deviceDetail).toMatchObject({ isManaged: true, operatingSystem: expect.stringMatching(/^Windows/) });
      expect(joined.deviceDetail.deviceId).toMatch(/^[0-9a-f-]{36}$/);
      const browsers = new Set(details.filter((d) => d.clientAppUsed === 'Browser').map((d) => String(d.deviceDetail.browser)));
      for (const b of ['Edge 124.0.0', 'Chrome 124.0.0', 'Firefox 125.0', 'Safari 17.4.1', 'Mobile Safari 17.4.1', 'Chrome Mobile 124.0.0']) expect(browsers.has(b), b).toBe(true);
      const systems = new Set(details.map((d) => String(d.deviceDetail.operatingSystem)));
      for (const o of ['Windows10', 'MacOs', 'Ios', 'Android', 'Linux']) expect(systems.has(o), o).toBe(true);
      expect(details.some((d) => d.clientAppUsed === 'Mobile Apps and Desktop clients')).toBe(true);
      expect(details.some((d) => d.location.city !== '' && typeof d.location.geoCoordinates.latitude === 'number')).toBe(true);
      expect(rows.filter((r) => r.ip_address).every((r) => /^198\.(18|19)\./.test(r.ip_address!))).toBe(true);
    });

    it('carries MFA details and Conditional Access results consistent with the status', () => {
      const details = rows.map(beta).filter((d) => d.signInEventTypes[0] === 'interactiveUser');
      const mfa = details.filter((d) => d.authenticationRequirement === 'multiFactorAuthentication');
      expect(mfa.length / details.length).toBeGreaterThan(0.2);
      expect(mfa.length / details.length).toBeLessThan(0.9);
      const steps = new Set(details.flatMap((d) => d.authenticationDetails.map((s: Beta) => `${s.authenticationMethod}: ${s.authenticationStepResultDetail}`)));
      for (const s of ['Password: Correct password', 'Mobile app notification: MFA successfully completed', 'Text message: MFA successfully completed',
        'Previously satisfied: MFA requirement satisfied by claim in the token']) expect(steps.has(s), s).toBe(true);
      const results = new Set(details.flatMap((d) => d.appliedConditionalAccessPolicies.map((p: Beta) => p.result)));
      for (const r of ['success', 'failure', 'notApplied', 'notEnabled', 'reportOnlySuccess', 'reportOnlyFailure']) expect(results.has(r), r).toBe(true);
      const policyIds = new Set(details.flatMap((d) => d.appliedConditionalAccessPolicies.map((p: Beta) => p.id)));
      expect(policyIds.size).toBeLessThanOrEqual(8);
      for (const d of details) {
        const r: string[] = d.appliedConditionalAccessPolicies.map((p: Beta) => p.result);
        const expected = r.includes('failure') ? 'failure' : r.includes('success') ? 'success' : 'notApplied';
        expect(d.conditionalAccessStatus).toBe(expected);
      }
      expect(details.filter((d) => d.status.errorCode === 53003).every((d) => d.conditionalAccessStatus === 'failure')).toBe(true);
    });

    it('has sign-in risk on a P2 tenant', () => {
      const risky = rows.map(beta).filter((d) => d.riskLevelDuringSignIn !== 'none');
      expect(risky.length).toBeGreaterThan(0);
      expect(risky.length / rows.length).toBeLessThan(0.03);
      expect(new Set(risky.flatMap((d) => d.riskEventTypes_v2))).toContain('unfamiliarFeatures');
      expect(new Set(risky.map((d) => d.riskState))).toEqual(new Set(['atRisk', 'remediated']));
    });
  });

  it('is readable through the reporting API', async () => {
    const logs = logsOf(a.store);
    const actor = system(T);
    const page = await logs.listSignIns(actor, { version: 'v1.0', top: '50' });
    expect(page.items).toHaveLength(50);
    expect(page.items.every((i) => i.isInteractive === true)).toBe(true);
    expect(page.next).toBeDefined();
    const next = await logs.listSignIns(actor, { version: 'v1.0', top: '50', skiptoken: page.next });
    expect(String(next.items[0]!.createdDateTime) <= String(page.items.at(-1)!.createdDateTime)).toBe(true);
    const one = await logs.getSignIn(actor, 'v1.0', String(page.items[0]!.id));
    expect(one.id).toBe(page.items[0]!.id);
    const sp = await logs.listSignIns(actor, { version: 'beta', filter: "signInEventTypes/any(t: t eq 'servicePrincipal')", top: '20' });
    expect(sp.items.length).toBe(20);
    expect(sp.items.every((i) => i.userPrincipalName === null && i.userId === '')).toBe(true);
    const cli = await logs.listSignIns(actor, { version: 'v1.0', filter: `appId eq '${AZURE_CLI}'`, top: '5' });
    expect(cli.items.length).toBeGreaterThan(0);
    expect(cli.items.every((i) => i.appDisplayName === 'Microsoft Azure CLI')).toBe(true);
    const bad = await logs.listSignIns(actor, { version: 'v1.0', filter: 'status/errorCode eq 50126', top: '5' });
    expect(bad.items.length).toBeGreaterThan(0);
    const risky = await logs.listSignIns(actor, { version: 'v1.0', filter: "riskEventTypes_v2/any(t: t eq 'unfamiliarFeatures')", top: '5' });
    expect(risky.items.length).toBeGreaterThan(0);
    const policy = await logs.listSignIns(actor, { version: 'beta', filter: "appliedConditionalAccessPolicies/any(p: p/result eq 'failure')", top: '5' });
    expect(policy.items.length).toBeGreaterThan(0);
  });

  it('leaves risk out on a P1 tenant', async () => {
    const P1 = 'a6e1b9d2-0c4f-4e3a-8b71-5d2f9c0e7a13';
    await fixedTenant(b.store, P1, 'fabrikam.example', 'P1');
    await generateSignIns(b.store, { tenantId: P1, count: 5000, seed: 'p1', now: NOW });
    const rows = (await signInRows(b.store, { tenantId: P1 })).map(beta);
    expect(rows).toHaveLength(5000);
    expect(rows.every((d) => d.riskLevelDuringSignIn === 'none' && d.riskState === 'none' && d.riskEventTypes_v2.length === 0)).toBe(true);
    expect(rows.some((d) => d.appliedConditionalAccessPolicies.length > 0)).toBe(true);
    expect(rows.filter((d) => d.userType === 'member').every((d) => String(d.userPrincipalName).endsWith('@fabrikam.example'))).toBe(true);
  });
});

describe('generate audits', () => {
  let ts: TestStore;
  let tenantId: string;
  let adminId: string;

  beforeAll(async () => {
    ts = await createTestStore();
    const created = await createTenant({ store: ts.store, clock: () => NOW - 30 * DAY, secretPepper: 'p' }, { domain: 'northwind.example', license: 'P1', type: 'standard', adminPassword: 'Adm1n!Passw0rd' });
    tenantId = created.tenantId;
    adminId = created.admin.id;
  }, 60_000);

  afterAll(async () => {
    await ts.cleanup();
  });

  it('writes Entra-style directory audits without touching the directory version', async () => {
    const before = (await tenantsRepo.getTenant(ts.store.db, tenantId))!.directory_version;
    const res = await generateAudits(ts.store, { tenantId, count: 3000, days: 14, seed: 'a1', now: NOW });
    expect(res.count).toBe(3000);
    expect((await tenantsRepo.getTenant(ts.store.db, tenantId))!.directory_version).toBe(before);
    const logs = logsOf(ts.store);
    const items: Beta[] = [];
    let next: string | undefined;
    do {
      const page = await logs.listDirectoryAudits(system(tenantId), { version: 'beta', skiptoken: next, filter: `activityDateTime ge ${new Date(NOW - 14 * DAY).toISOString()}` });
      items.push(...page.items);
      next = page.next;
    } while (next);
    expect(items).toHaveLength(3000);
    const categories = new Set(items.map((i) => i.category));
    expect(categories).toEqual(new Set(['UserManagement', 'GroupManagement', 'RoleManagement', 'ApplicationManagement', 'Policy']));
    expect(new Set(items.map((i) => i.operationType))).toEqual(new Set(['Add', 'Update', 'Delete', 'Assign', 'Unassign']));
    const failures = items.filter((i) => i.result === 'failure');
    expect(failures.length / items.length).toBeGreaterThan(0.005);
    expect(failures.length / items.length).toBeLessThan(0.03);
    expect(failures.every((f) => f.resultReason !== '')).toBe(true);
    expect(items.every((i) => /^Directory_[0-9a-f-]{36}_[A-Z0-9]{5}_\d+$/.test(i.id) && i.id.includes(i.correlationId) && i.loggedByService === 'Core Directory')).toBe(true);
    const activities = new Set(items.map((i) => i.activityDisplayName));
    for (const a of ['Add user', 'Update user', 'Add member to role', 'Add application', 'Update application – Certificates and secrets management', 'Consent to application', 'Add service principal']) {
      expect(activities.has(a), a).toBe(true);
    }
    // initiators: the tenant's administrators (its real admin among them) and automation
    expect(items.some((i) => i.initiatedBy.user?.id === adminId)).toBe(true);
    expect(items.some((i) => i.initiatedBy.app?.displayName === 'HR Sync Service')).toBe(true);
    const update = items.find((i) => i.activityDisplayName === 'Update user')!;
    const prop = update.targetResources[0].modifiedProperties[0];
    expect(JSON.parse(prop.oldValue)).toHaveLength(1);
    expect(JSON.parse(prop.newValue)).toHaveLength(1);
    const role = await logs.listDirectoryAudits(system(tenantId), { version: 'v1.0', filter: "category eq 'RoleManagement'", top: '5' });
    expect(role.items.length).toBe(5);
    const target = items.find((i) => i.activityDisplayName === 'Add member to group')!.targetResources[1];
    const byTarget = await logs.listDirectoryAudits(system(tenantId), { version: 'v1.0', filter: `targetResources/any(t: t/id eq '${target.id}')` });
    expect(byTarget.items.length).toBeGreaterThan(0);
    // the same run again is refused rather than half-written
    await expect(generateAudits(ts.store, { tenantId, count: 3000, days: 14, seed: 'a1', now: NOW })).rejects.toThrow(GenerateError);
  });
});

describe('tenantry generate (command line)', () => {
  let ts: TestStore;
  let storeArgs: string[];
  let tenantId: string;

  beforeAll(async () => {
    ts = await createTestStore();
    storeArgs = ts.url ? ['--database', ts.url] : ['--data', dirname(ts.path!)];
    tenantId = (await createTenant({ store: ts.store, clock: () => NOW, secretPepper: 'p' }, { domain: 'tailspin.example', license: 'P2', type: 'standard' })).tenantId;
  }, 60_000);

  afterAll(async () => {
    await ts.cleanup();
  });

  async function run(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    try {
      const code = await main(['node', 'tenantry', 'generate', ...args]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('prints one summary line and a final progress line', async () => {
    const r = await run('signins', '--tenant', 'tailspin.example', '--count', '2500', '--seed', '7', '--until', '2026-03-18T12:00:00Z', ...storeArgs);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Generated 2500 sign-ins for tenant ${tenantId} in \\d+\\.\\d s \\(\\d+ rows/s\\), seed 7\\n$`));
    expect(r.stderr).toMatch(/^sign-ins: 2500\/2500 written \(\d+ rows\/s\)\n$/);
    const rows = await signInRows(ts.store, { tenantId });
    expect(rows).toHaveLength(2500);
    expect(Math.max(...rows.map((x) => x.created_at))).toBeLessThan(Date.parse('2026-03-18T12:00:00Z'));
  });

  it('prints JSON with --json, and does audits by tenant id', async () => {
    const r = await run('audits', '--tenant', tenantId, '--count', '40', '--days', '3', '--json', ...storeArgs);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ kind: 'directoryAudits', tenantId, count: 40, days: 3 });
    expect(out.seed).toMatch(/^\d+$/);
  });

  it('draws a progress bar with rate and ETA on a terminal', () => {
    let out = '';
    const tty = { isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const bar = new Progress('sign-ins', 1000, tty);
    bar.update(0);
    bar.update(500);
    bar.finish(1000);
    const frames = out.split('\r').filter(Boolean);
    expect(frames[0]).toMatch(/^sign-ins \[\.{30}\] {3}0% 0\/1000 +\d+ rows\/s +ETA/);
    expect(frames.at(-1)).toMatch(/^sign-ins \[#{30}\] 100% 1000\/1000 +\d+ rows\/s +done/);
    expect(out.endsWith('done\u001b[K\n')).toBe(true);
  });

  it.each([
    [['signins', '--tenant', 'nowhere.example', '--count', '10'], /tenant 'nowhere\.example' not found/],
    [['signins', '--tenant', 'tailspin.example', '--count', '0'], /--count must be a whole number from 1 to 100000000/],
    [['signins', '--tenant', 'tailspin.example', '--count', '100000001'], /--count/],
    [['signins', '--tenant', 'tailspin.example', '--count', '1.5'], /--count/],
    [['signins', '--tenant', 'tailspin.example', '--count', '-3'], /--count/],
    [['signins', '--tenant', 'tailspin.example', '--count', '10', '--days', '0'], /--days must be a whole number from 1 to 365/],
    [['signins', '--tenant', 'tailspin.example', '--count', '10', '--days', '366'], /--days/],
    [['signins', '--tenant', 'tailspin.example', '--count', '10', '--until', 'yesterday'], /--until/],
    [['logins', '--tenant', 'tailspin.example', '--count', '10'], /unknown record kind 'logins'/],
  ])('rejects %j with exit code 2 and one line', async (args, message) => {
    const r = await run(...(args as string[]), ...storeArgs);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
