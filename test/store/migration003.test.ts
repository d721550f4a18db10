import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import * as m001 from '../../src/store/migrations/001_initial.js';
import * as m002 from '../../src/store/migrations/002_directory_version.js';
import { signInRows } from '../helpers/signIns.js';

/** Sign-ins written in the first (one-table) layout survive the move to dimension tables. */
describe('migration 003: sign-ins carried over to the dimension layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-m003-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every old row with its user, app, resource, client and outcome, and the audits gain initiator names', async () => {
    const path = join(dir, 'old.db');
    /* eslint-disable @typescript-eslint/no-explicit-any */
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
    const migrator = new Migrator({ db: old, provider: { getMigrations: async () => ({ '001_initial': m001, '002_directory_version': m002 }) }, migrationTableName: 'tenantry_migrations', migrationLockTableName: 'tenantry_migrations_lock' });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const tenant = randomUUID();
    await old.insertInto('tenants').values({ id: tenant, display_name: 'old', tenant_type: 'standard', license: 'P1', created_at: 1, directory_version: 0 }).execute();
    const details = (over: object) => JSON.stringify({
      isInteractive: true, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36',
      deviceDetail: { browser: 'Chrome 120', operatingSystem: 'Windows 10' }, authenticationProtocol: 'ropc', clientCredentialType: 'none',
      servicePrincipalCredentialKeyId: '', resourceServicePrincipalId: '', originalRequestId: 'req-1', uniqueTokenIdentifier: 'uti-1',
      processingTimeInMilliseconds: 12, additionalDetails: null, ...over,
    });
    const user = randomUUID();
    const rows = [
      { id: randomUUID(), created_at: Date.now() - 1000, event_type: 'interactiveUser', user_id: user, user_principal_name: 'ann@old.test', user_display_name: 'Ann',
        app_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', app_display_name: 'Microsoft Azure CLI', service_principal_id: null, ip_address: '203.0.113.9',
        client_app_used: 'Mobile Apps and Desktop clients', resource_id: '00000003-0000-0000-c000-000000000000', resource_display_name: 'Microsoft Graph',
        correlation_id: randomUUID(), error_code: 0, failure_reason: null, details: details({}) },
      { id: randomUUID(), created_at: Date.now() - 500, event_type: 'servicePrincipal', user_id: null, user_principal_name: null, user_display_name: null,
        app_id: randomUUID(), app_display_name: 'Reporting app', service_principal_id: randomUUID(), ip_address: '203.0.113.10',
        client_app_used: 'Mobile Apps and Desktop clients', resource_id: null, resource_display_name: null,
        correlation_id: randomUUID(), error_code: 7000215, failure_reason: 'Invalid client secret provided.', details: details({ isInteractive: false, clientCredentialType: 'clientSecret' }) },
    ];
    for (const r of rows) await old.insertInto('sign_ins').values({ tenant_id: tenant, ...r }).execute();
    await old.insertInto('directory_audits').values({
      tenant_id: tenant, id: 'Directory_x_ABCDE_1', activity_at: 5, category: 'ApplicationManagement', activity_display_name: 'Add application',
      operation_type: 'Add', result: 'success', result_reason: '', correlation_id: randomUUID(), logged_by_service: 'Core Directory',
      initiator_user_id: null, initiator_user_principal_name: null, initiator_app_id: 'a',
      details: JSON.stringify({ initiatedBy: { user: null, app: { appId: 'a', displayName: 'Provisioner' } }, targetResources: [], additionalDetails: [] }),
    }).execute();
    await old.destroy();

    const store = await openStore({ sqlitePath: path });
    try {
      const got = await signInRows(store, { tenantId: tenant });
      expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      const [a, b] = got as [typeof got[0], typeof got[0]];
      expect({ upn: a.user_principal_name, name: a.user_display_name, user: a.user_id, app: a.app_id, res: a.resource_display_name, ip: a.ip_address, code: a.error_code, type: a.event_type })
        .toEqual({ upn: 'ann@old.test', name: 'Ann', user, app: rows[0]!.app_id, res: 'Microsoft Graph', ip: '203.0.113.9', code: 0, type: 'interactiveUser' });
      const ga = JSON.parse(a.details);
      expect(ga.deviceDetail.browser).toBe('Chrome 120');
      expect(ga.originalRequestId).toBe('req-1');
      expect(ga.uniqueTokenIdentifier).toBe('uti-1');
      expect({ code: b.error_code, reason: b.failure_reason, type: b.event_type, sp: b.service_principal_id }).toEqual({ code: 7000215, reason: 'Invalid client secret provided.', type: 'servicePrincipal', sp: rows[1]!.service_principal_id });
      expect(JSON.parse(b.details).clientCredentialType).toBe('clientSecret');
      const audit = await store.db.selectFrom('directory_audits').selectAll().executeTakeFirstOrThrow();
      expect(audit.initiator_app_display_name).toBe('Provisioner');
    } finally {
      await store.close();
    }
  });
});
