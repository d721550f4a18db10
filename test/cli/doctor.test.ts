import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { addPassword, createApplication } from '../../src/directory/applications.js';
import { MICROSOFT_GRAPH_APP_ID } from '../../src/directory/catalog.js';
import type { DirectoryContext } from '../../src/directory/context.js';
import { assignAppRole, createServicePrincipal } from '../../src/directory/servicePrincipals.js';
import { createTenant, type CreatedTenant } from '../../src/directory/tenants.js';
import { systemClock } from '../../src/lib/time.js';
import { openStore, type Store } from '../../src/store/db.js';
import * as spRepo from '../../src/store/repositories/servicePrincipals.js';
import { PG_URL, TEST_ENGINE, testSchemaName } from '../helpers/store.js';

/**
 * `tenantry doctor` as a command: exit codes (0 all pass, 1 a check failed, 2 usage errors), the
 * human report with ✓/✗ and fixes, and the --json object, on the store under test.
 */

const BIN = resolve('bin/tenantry.js');
const AUDIT_ROLE = 'b0afded3-3588-46d8-8b3d-9842eff778da';

let dataDir: string;
let storeArgs: string[];
let store: Store;
let ctx: DirectoryContext;
let t: CreatedTenant;
let good: { appId: string; spId: string };
let unconsented: { appId: string; spId: string };
let graphSp: string;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function reportingApp(consent: boolean): Promise<{ appId: string; spId: string }> {
  const actor: SystemActor = { kind: 'system', name: 'cli test', tenantId: t.tenantId, ipAddress: null, correlationId: randomUUID() };
  const app = await createApplication(ctx, actor, {
    displayName: 'Reporting API application', requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: AUDIT_ROLE, type: 'Role' }] }],
  });
  await addPassword(ctx, actor, { id: app.id }, {});
  const sp = await createServicePrincipal(ctx, actor, { appId: app.appId });
  if (consent) await assignAppRole(ctx, actor, graphSp, { principalId: sp.id, resourceId: graphSp, appRoleId: AUDIT_ROLE });
  return { appId: app.appId, spId: sp.id };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tenantry-doctor-'));
  if (TEST_ENGINE === 'postgres') {
    const url = `${PG_URL}?schema=${testSchemaName('doc')}`;
    storeArgs = ['--database', url];
    store = await openStore({ databaseUrl: url });
  } else {
    storeArgs = ['--data', dataDir];
    store = await openStore({ sqlitePath: join(dataDir, 'tenantry.db') });
  }
  ctx = { store, clock: systemClock, secretPepper: 'cli-doctor-pepper' };
  t = await createTenant(ctx, { domain: `doctor${Date.now().toString(36)}.example.test`, license: 'P1', type: 'standard', adminPassword: 'Adm1n!Passw0rd' });
  graphSp = (await spRepo.findServicePrincipalByAppId(store.db, t.tenantId, MICROSOFT_GRAPH_APP_ID))!.id;
  good = await reportingApp(true);
  unconsented = await reportingApp(false);
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tenantry doctor', () => {
  it('exit 0 and ✓ for every step when everything is in place', () => {
    const r = run(['doctor', '--tenant', t.domain, '--client-id', good.appId, ...storeArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`tenantry doctor: tenant ${t.domain}, client ${good.appId}`);
    expect(lines.filter((l) => l.startsWith('✓ '))).toHaveLength(7);
    expect(lines).toContain(`✓ Tenant exists: ${t.displayName} (${t.tenantId}), domain ${t.domain}`);
    expect(r.stdout).not.toContain('✗');
    expect(lines.at(-1)).toBe('All 7 checks passed.');
  });

  it('exit 1 with ✗ and the exact fix for a missing admin consent', () => {
    const r = run(['doctor', '--tenant', t.tenantId, '--client-id', unconsented.appId, ...storeArgs]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('✗ Admin consent granted: '));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toBe(`    fix: POST /v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo {"principalId":"${unconsented.spId}","resourceId":"${graphSp}","appRoleId":"${AUDIT_ROLE}"}`);
    expect(lines.at(-1)).toBe('1 of 7 checks failed.');
  });

  it('exit 1 for an unknown tenant, with the later steps skipped', () => {
    const r = run(['doctor', '--tenant', 'nowhere.example', '--client-id', good.appId, ...storeArgs]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ Tenant exists: ');
    expect(r.stdout).toContain('    fix: tenantry tenant create --domain nowhere.example --license P1');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('– '))).toHaveLength(6);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 of 7 checks failed, 6 skipped.');
  });

  it('--json prints exactly one object {tenant, clientId, user?, ok, steps}', () => {
    const ok = run(['doctor', '--tenant', t.domain, '--client-id', good.appId, '--json', ...storeArgs]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(ok.stdout);
    expect(Object.keys(report).sort()).toEqual(['clientId', 'ok', 'steps', 'tenant']);
    expect(report).toMatchObject({ tenant: t.domain, clientId: good.appId, ok: true });
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(['tenant', 'licence', 'application', 'servicePrincipal', 'clientSecret', 'permission', 'adminConsent']);
    for (const s of report.steps) {
      expect(Object.keys(s).sort()).toEqual(['detail', 'id', 'ok', 'skipped', 'title']);
      expect(s).toMatchObject({ ok: true, skipped: false });
    }

    const bad = run(['doctor', '--tenant', t.domain, '--client-id', unconsented.appId, '--user', t.admin.userPrincipalName, '--json', ...storeArgs]);
    expect(bad.code).toBe(1);
    const r2 = JSON.parse(bad.stdout);
    expect(Object.keys(r2).sort()).toEqual(['clientId', 'ok', 'steps', 'tenant', 'user']);
    expect(r2.user).toBe(t.admin.userPrincipalName);
    expect(r2.ok).toBe(false);
    expect(r2.steps).toHaveLength(10);
    // the user path wants the delegated permission and grant; the admin holds Global Administrator
    const byId = Object.fromEntries(r2.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId.permission).toMatchObject({ ok: false, skipped: false });
    expect(byId.adminConsent.fix).toBe(`POST /v1.0/oauth2PermissionGrants {"clientId":"${unconsented.spId}","consentType":"AllPrincipals","resourceId":"${graphSp}","scope":"AuditLog.Read.All"}`);
    expect(byId.userRole).toMatchObject({ ok: true, detail: 'Global Administrator' });
  });

  it('--strict-directory-read also requires Directory.Read.All', () => {
    const r = run(['doctor', '--tenant', t.domain, '--client-id', good.appId, '--strict-directory-read', '--json', ...storeArgs]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).steps.filter((s: { ok: boolean }) => !s.ok).map((s: { id: string }) => s.id)).toEqual(['permission', 'adminConsent']);
  });

  it.each([
    [['--tenant', 'x.example'], /required option '--client-id <appId>'/],
    [['--client-id', randomUUID()], /required option '--tenant <tenant>'/],
    [['--tenant', 'x.example', '--client-id', 'reporting-app'], /--client-id must be an application's appId \(a GUID\), got 'reporting-app'/],
    [['--tenant', 'x.example', '--client-id', randomUUID(), '--user', 'nobody'], /--user must be a user principal name/],
    [['--tenant', 'x.example', '--client-id', randomUUID(), '--database', 'mysql://x'], /--database must be a postgres:\/\/ URL/],
    [['--tenant', 'x.example', '--client-id', randomUUID(), '--bogus'], /unknown option '--bogus'/],
  ])('usage error %j: exit 2, one line on stderr, nothing on stdout', (args, message) => {
    const r = run(['doctor', ...(args as string[]), ...(TEST_ENGINE === 'postgres' ? [] : ['--data', dataDir])]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('a data directory without a store is a usage error, and no store is created there', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tenantry-doctor-empty-'));
    try {
      const r = run(['doctor', '--tenant', 'x.example', '--client-id', randomUUID(), '--data', empty]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no Tenantry store at .*tenantry\.db/);
      expect(existsSync(join(empty, 'tenantry.db'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
