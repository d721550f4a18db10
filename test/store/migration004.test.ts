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
import * as m003 from '../../src/store/migrations/003_signin_dimensions.js';

const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const PORTAL = 'e1a04036-a8a6-4308-9125-f1a6b205551e';

/**
 * Refresh tokens issued before migration 004 keep the rule they were issued under: redeemable
 * without a secret only when their client is public; and every tenant gains the portal's principal.
 */
describe('migration 004: authorization codes, browser sessions, public refresh tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-m004-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('marks only public clients\' refresh tokens public, and adds the portal to every tenant', async () => {
    const path = join(dir, 'old.db');
    /* eslint-disable @typescript-eslint/no-explicit-any */
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
    const migrator = new Migrator({
      db: old, provider: { getMigrations: async () => ({ '001_initial': m001, '002_directory_version': m002, '003_signin_dimensions': m003 }) },
      migrationTableName: 'tenantry_migrations', migrationLockTableName: 'tenantry_migrations_lock',
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const tenant = randomUUID();
    await old.insertInto('tenants').values({ id: tenant, display_name: 'old', tenant_type: 'standard', license: 'P1', created_at: 1, directory_version: 0 }).execute();
    const sp = (appId: string, publicClient: number) => ({
      tenant_id: tenant, id: randomUUID(), app_id: appId, display_name: appId, app_owner_organization_id: null, service_principal_type: 'Application',
      builtin: publicClient, public_client: publicClient, body: '{}', created_at: 1,
    });
    const confidential = randomUUID();
    const fallback = randomUUID();
    await old.insertInto('service_principals').values([sp(AZURE_CLI, 1), sp(confidential, 0), sp(fallback, 0)]).execute();
    for (const [appId, isPublic] of [[confidential, 0], [fallback, 1]] as const) {
      await old.insertInto('applications').values({ tenant_id: tenant, id: randomUUID(), app_id: appId, display_name: appId, sign_in_audience: 'AzureADMyOrg', is_fallback_public_client: isPublic, body: '{}', created_at: 1 }).execute();
    }
    const rt = (hash: string, client: string) => ({ token_hash: hash, tenant_id: tenant, family_id: randomUUID(), client_id: client, user_id: randomUUID(), scope: 'openid', created_at: 1, expires_at: 9e12, consumed_at: null, revoked_at: null });
    await old.insertInto('refresh_tokens').values([rt('cli', AZURE_CLI), rt('web', confidential), rt('fallback', fallback)]).execute();
    await old.destroy();

    const store = await openStore({ sqlitePath: path });
    try {
      const rows = await store.db.selectFrom('refresh_tokens').select(['token_hash', 'public_client']).orderBy('token_hash').execute();
      expect(rows).toEqual([{ token_hash: 'cli', public_client: 1 }, { token_hash: 'fallback', public_client: 1 }, { token_hash: 'web', public_client: 0 }]);
      const portal = await store.db.selectFrom('service_principals').select(['tenant_id', 'public_client']).where('app_id', '=', PORTAL).execute();
      expect(portal).toEqual([{ tenant_id: tenant, public_client: 1 }]);
    } finally {
      await store.close();
    }
  });
});
