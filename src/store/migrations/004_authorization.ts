import { randomUUID } from 'node:crypto';
import { SqliteAdapter, sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The portal's first-party client (src/directory/catalog.ts PORTAL_APP_ID), frozen here as migrations must be. */
const PORTAL_APP_ID = 'e1a04036-a8a6-4308-9125-f1a6b205551e';
const MICROSOFT_SERVICES_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/**
 * The authorization-code flow: codes (stored as keyed hashes, single use by compare-and-swap) and
 * browser sessions (the single sign-on cookie, also hashed); and the portal's service principal in
 * every existing tenant. Each step is idempotent, so a crash part-way on SQLite (where Kysely runs
 * migrations outside a transaction) is finished by the next start.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('authorization_codes')
    .ifNotExists()
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('redirect_uri_sent', 'smallint', (c) => c.notNull())
    .addColumn('public_client', 'smallint', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('code_challenge', 'varchar(128)')
    .addColumn('session_hash', 'varchar(64)')
    .addColumn('correlation_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('family_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('authorization_codes_expiry').ifNotExists().on('authorization_codes').columns(['expires_at']).execute();

  await db.schema
    .createTable('browser_sessions')
    .ifNotExists()
    .addColumn('session_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('browser_sessions_user').ifNotExists().on('browser_sessions').columns(['tenant_id', 'user_id']).execute();
  await db.schema.createIndex('browser_sessions_expiry').ifNotExists().on('browser_sessions').columns(['expires_at']).execute();

  // a refresh token issued to a SPA or native redirect URI is redeemed without a secret; a confidential client's is not
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const hasColumn = sqlite
    ? (await sql<{ name: string }>`pragma table_info(refresh_tokens)`.execute(db)).rows.some((r) => r.name === 'public_client')
    : false; // PostgreSQL runs the whole migration in one transaction
  // revoking a user's refresh tokens (password reset, deletion) looks them up by user
  await db.schema.createIndex('refresh_tokens_user').ifNotExists().on('refresh_tokens').columns(['tenant_id', 'user_id']).execute();
  if (!hasColumn) {
    // existing tokens stay as they were redeemed before: without a secret only for public clients
    // (first-party public clients and apps marked isFallbackPublicClient), never for confidential apps
    await db.schema.alterTable('refresh_tokens').addColumn('public_client', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
    await db.updateTable('refresh_tokens').set({ public_client: 1 }).where((eb: any) => eb.or([
      eb('client_id', 'in', eb.selectFrom('service_principals').select('app_id').where('builtin', '=', 1).where('public_client', '=', 1)),
      eb('client_id', 'in', eb.selectFrom('applications').select('app_id').where('is_fallback_public_client', '=', 1)),
    ])).execute();
  }

  const tenants = await db.selectFrom('tenants').select(['id', 'created_at']).execute();
  for (const t of tenants) {
    const has = await db.selectFrom('service_principals').select('id').where('tenant_id', '=', t.id).where('app_id', '=', PORTAL_APP_ID).executeTakeFirst();
    if (has) continue;
    await db.insertInto('service_principals').values({
      tenant_id: t.id, id: randomUUID(), app_id: PORTAL_APP_ID, display_name: 'Tenantry Portal', app_owner_organization_id: MICROSOFT_SERVICES_TENANT_ID,
      service_principal_type: 'Application', builtin: 1, public_client: 1,
      body: JSON.stringify({ appRoles: [], oauth2PermissionScopes: [], servicePrincipalNames: [PORTAL_APP_ID], tags: [], replyUrls: [] }), created_at: Number(t.created_at),
    }).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').dropColumn('public_client').execute();
  await db.deleteFrom('service_principals').where('app_id', '=', PORTAL_APP_ID).execute();
  await db.schema.dropTable('browser_sessions').ifExists().execute();
  await db.schema.dropTable('authorization_codes').ifExists().execute();
}
