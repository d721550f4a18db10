import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { dimensionKey } from '../dimensionKey.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sign-ins move to a narrow fact table with dimension tables (users, apps, resources, clients,
 * locations, statuses, assessments), numbered per tenant through log_tenants. A sign-in then costs a
 * few hundred bytes on disk instead of kilobytes, and the string filters run over the small
 * dimension tables. Existing sign-ins are carried over.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  if (!sqlite) return apply(db, false); // PostgreSQL: Kysely runs each migration in a transaction
  // SQLite: Kysely runs migrations outside a transaction, so this one makes its own: a crash in the
  // middle of the carry-over leaves the old layout as it was, and the next start begins again
  const done = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'log_tenants'`.execute(db);
  if (Number(done.rows[0]?.n) > 0) return; // committed, but the crash came before Kysely recorded it
  await sql`begin immediate`.execute(db);
  try {
    await apply(db, true);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
}

async function apply(db: Kysely<any>, sqlite: boolean): Promise<void> {
  // an integer key the engine assigns: SQLite's rowid alias, a PostgreSQL identity
  const key = (t: any, name: string) =>
    sqlite ? t.addColumn(name, 'integer', (c: any) => c.primaryKey()) : t.addColumn(name, 'bigint', (c: any) => c.primaryKey().generatedByDefaultAsIdentity());

  await key(db.schema.createTable('log_tenants'), 'ref').addColumn('tenant_id', 'varchar(36)', (c: any) => c.notNull().unique()).execute();

  const dim = async (name: string, tenantScoped: boolean, build: (t: any) => any) => {
    let t = key(db.schema.createTable(name), 'ref').addColumn('k', 'varchar(24)', (c: any) => c.notNull());
    if (tenantScoped) t = t.addColumn('tenant_ref', 'integer', (c: any) => c.notNull()).addColumn('last_used_day', 'integer', (c: any) => c.notNull().defaultTo(0));
    await build(t).execute();
    await db.schema.createIndex(`${name}_k`).unique().on(name).columns(tenantScoped ? ['tenant_ref', 'k'] : ['k']).execute();
  };
  await dim('signin_users', true, (t) =>
    t.addColumn('user_id', 'varchar(36)').addColumn('user_principal_name', 'varchar(320)', (c: any) => c.notNull())
      .addColumn('user_display_name', 'text').addColumn('user_display_name_lc', 'text').addColumn('user_type', 'varchar(16)'));
  await dim('signin_apps', true, (t) =>
    t.addColumn('app_id', 'varchar(36)', (c: any) => c.notNull()).addColumn('app_display_name', 'text').addColumn('app_display_name_lc', 'text')
      .addColumn('service_principal_id', 'varchar(36)'));
  await dim('signin_resources', true, (t) =>
    t.addColumn('resource_id', 'varchar(64)', (c: any) => c.notNull()).addColumn('resource_display_name', 'text')
      .addColumn('resource_display_name_lc', 'text').addColumn('resource_service_principal_id', 'varchar(36)'));
  await dim('signin_clients', true, (t) =>
    t.addColumn('client_app_used', 'varchar(64)', (c: any) => c.notNull()).addColumn('client_app_used_lc', 'varchar(64)', (c: any) => c.notNull())
      .addColumn('user_agent', 'text', (c: any) => c.notNull()).addColumn('user_agent_lc', 'text', (c: any) => c.notNull())
      .addColumn('browser', 'varchar(64)', (c: any) => c.notNull()).addColumn('browser_lc', 'varchar(64)', (c: any) => c.notNull())
      .addColumn('operating_system', 'varchar(64)', (c: any) => c.notNull()).addColumn('operating_system_lc', 'varchar(64)', (c: any) => c.notNull())
      .addColumn('device', 'text', (c: any) => c.notNull())
      .addColumn('authentication_protocol', 'varchar(32)', (c: any) => c.notNull())
      .addColumn('client_credential_type', 'varchar(32)', (c: any) => c.notNull())
      .addColumn('credential_key_id', 'varchar(36)'));
  await dim('signin_locations', false, (t) =>
    t.addColumn('city', 'text', (c: any) => c.notNull()).addColumn('city_lc', 'text', (c: any) => c.notNull())
      .addColumn('state', 'text', (c: any) => c.notNull()).addColumn('state_lc', 'text', (c: any) => c.notNull())
      .addColumn('country_or_region', 'varchar(8)', (c: any) => c.notNull()).addColumn('country_or_region_lc', 'varchar(8)', (c: any) => c.notNull())
      .addColumn('latitude', 'double precision').addColumn('longitude', 'double precision'));
  await dim('signin_statuses', false, (t) =>
    t.addColumn('error_code', 'integer', (c: any) => c.notNull()).addColumn('failure_reason', 'text').addColumn('additional_details', 'text'));
  await dim('signin_assessments', true, (t) =>
    t.addColumn('conditional_access_status', 'varchar(32)', (c: any) => c.notNull())
      .addColumn('authentication_requirement', 'varchar(48)', (c: any) => c.notNull())
      .addColumn('risk_detail', 'varchar(64)', (c: any) => c.notNull())
      .addColumn('risk_level_aggregated', 'varchar(24)', (c: any) => c.notNull())
      .addColumn('risk_level_during_sign_in', 'varchar(24)', (c: any) => c.notNull())
      .addColumn('risk_state', 'varchar(32)', (c: any) => c.notNull())
      .addColumn('risk_event_types', 'text', (c: any) => c.notNull())
      .addColumn('policies', 'text', (c: any) => c.notNull())
      .addColumn('authentication_details', 'text', (c: any) => c.notNull())
      .addColumn('authentication_methods', 'text', (c: any) => c.notNull()));
  // the lookups a $filter makes before the main query (userPrincipalName eq, userId eq, appId eq)
  await db.schema.createIndex('signin_users_upn').on('signin_users').columns(['tenant_ref', 'user_principal_name']).execute();
  await db.schema.createIndex('signin_users_id').on('signin_users').columns(['tenant_ref', 'user_id']).execute();
  await db.schema.createIndex('signin_apps_app_id').on('signin_apps').columns(['tenant_ref', 'app_id']).execute();
  await db.schema
    .createTable('signin_assessment_items')
    .addColumn('assessment_ref', 'integer', (c: any) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c: any) => c.notNull())
    .addColumn('value', 'varchar(128)', (c: any) => c.notNull())
    .addColumn('display_name_lc', 'text')
    .addColumn('result', 'varchar(32)')
    .execute();
  await db.schema.createIndex('signin_assessment_items_value').on('signin_assessment_items').columns(['kind', 'value', 'assessment_ref']).execute();

  await db.schema.alterTable('sign_ins').renameTo('sign_ins_v1').execute();
  for (const ix of ['sign_ins_time', 'sign_ins_app', 'sign_ins_upn', 'sign_ins_correlation']) {
    await db.schema.dropIndex(ix).ifExists().execute();
  }
  await key(db.schema.createTable('sign_ins'), 'seq')
    .addColumn('tenant_ref', 'integer', (c: any) => c.notNull())
    .addColumn('id', 'varchar(36)', (c: any) => c.notNull())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('event_type', 'smallint', (c: any) => c.notNull())
    .addColumn('user_ref', 'integer')
    .addColumn('app_ref', 'integer')
    .addColumn('resource_ref', 'integer')
    .addColumn('client_ref', 'integer')
    .addColumn('location_ref', 'integer')
    .addColumn('status_ref', 'integer', (c: any) => c.notNull())
    .addColumn('assessment_ref', 'integer')
    .addColumn('ip_address', 'varchar(45)')
    .addColumn('correlation_id', 'varchar(36)', (c: any) => c.notNull())
    .addColumn('request_id', 'varchar(36)')
    .addColumn('token_id', 'varchar(64)')
    .addColumn('processing_ms', 'integer', (c: any) => c.notNull())
    .execute();
  // SQLite appends the rowid (= seq) to every index entry by itself; PostgreSQL is told.
  const withSeq = (cols: string[]) => (sqlite ? cols : [...cols, 'seq']);
  await db.schema.createIndex('sign_ins_time').on('sign_ins').columns(withSeq(['tenant_ref', 'event_type', 'created_at'])).execute();
  // a user's or an app's sign-ins of one event type, newest first (queries run per event type)
  await db.schema.createIndex('sign_ins_user').on('sign_ins').columns(withSeq(['tenant_ref', 'event_type', 'user_ref', 'created_at'])).execute();
  await db.schema.createIndex('sign_ins_app').on('sign_ins').columns(withSeq(['tenant_ref', 'event_type', 'app_ref', 'created_at'])).execute();
  await db.schema.createIndex('sign_ins_id').unique().on('sign_ins').columns(['tenant_ref', 'id']).execute();
  await db.schema.createIndex('sign_ins_correlation').on('sign_ins').columns(['tenant_ref', 'correlation_id']).execute();

  await carryOver(db);
  await db.schema.dropTable('sign_ins_v1').execute();

  // directory audits: the initiator's names, for $filter on initiatedBy/*/displayName
  await db.schema.alterTable('directory_audits').addColumn('initiator_user_display_name', 'text').execute();
  await db.schema.alterTable('directory_audits').addColumn('initiator_app_display_name', 'text').execute();
  // a page at a time, in (tenant_id, id) order
  let last: [string, string] | undefined;
  for (;;) {
    let q = db.selectFrom('directory_audits').select(['tenant_id', 'id', 'details']).orderBy('tenant_id').orderBy('id').limit(1000);
    if (last) {
      const [t, i] = last;
      q = q.where((eb: any) => eb.or([eb('tenant_id', '>', t), eb.and([eb('tenant_id', '=', t), eb('id', '>', i)])]));
    }
    const audits: any[] = await q.execute();
    if (audits.length === 0) break;
    for (const a of audits) {
      const by = JSON.parse(a.details).initiatedBy ?? {};
      await db.updateTable('directory_audits')
        .set({ initiator_user_display_name: by.user?.displayName ?? null, initiator_app_display_name: by.app?.displayName ?? null })
        .where('tenant_id', '=', a.tenant_id).where('id', '=', a.id).execute();
    }
    last = [audits[audits.length - 1].tenant_id, audits[audits.length - 1].id];
  }
}

const EVENT_TYPES: Record<string, number> = { interactiveUser: 0, nonInteractiveUser: 1, servicePrincipal: 2, managedIdentity: 3 };

/** Copies the old rows, creating their dimension rows on the way (self-contained: no later code). */
async function carryOver(db: Kysely<any>): Promise<void> {
  const refs = new Map<string, number>();
  const intern = async (table: string, tenantRef: number | null, values: Record<string, unknown>): Promise<number> => {
    const k = dimensionKey(table, values);
    const cacheKey = `${table}|${tenantRef}|${k}`;
    const known = refs.get(cacheKey);
    if (known !== undefined) return known;
    const row = { k, ...(tenantRef === null ? {} : { tenant_ref: tenantRef, last_used_day: Math.floor(Date.now() / 86_400_000) }), ...values };
    const { ref } = await db.insertInto(table).values(row).returning('ref').executeTakeFirstOrThrow();
    refs.set(cacheKey, Number(ref));
    return Number(ref);
  };
  const lc = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : null);
  let after: [number, string] | undefined;
  for (;;) {
    let q = db.selectFrom('sign_ins_v1').selectAll().orderBy('created_at').orderBy('id').limit(500);
    if (after) {
      const [at, id] = after;
      q = q.where((eb: any) => eb.or([eb('created_at', '>', at), eb.and([eb('created_at', '=', at), eb('id', '>', id)])]));
    }
    const rows: any[] = await q.execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const d = JSON.parse(r.details);
      let tref = refs.get(`tenant|${r.tenant_id}`);
      if (tref === undefined) {
        const got = await db.insertInto('log_tenants').values({ tenant_id: r.tenant_id }).returning('ref').executeTakeFirstOrThrow();
        tref = Number(got.ref);
        refs.set(`tenant|${r.tenant_id}`, tref);
      }
      const device = d.deviceDetail ?? {};
      await db.insertInto('sign_ins').values({
        tenant_ref: tref,
        id: r.id,
        created_at: Number(r.created_at),
        event_type: EVENT_TYPES[r.event_type] ?? 0,
        user_ref: r.user_principal_name === null ? null : await intern('signin_users', tref, {
          user_id: r.user_id, user_principal_name: r.user_principal_name, user_display_name: r.user_display_name,
          user_display_name_lc: lc(r.user_display_name), user_type: 'member',
        }),
        app_ref: r.app_id === null ? null : await intern('signin_apps', tref, {
          app_id: r.app_id, app_display_name: r.app_display_name, app_display_name_lc: lc(r.app_display_name), service_principal_id: r.service_principal_id,
        }),
        resource_ref: r.resource_id === null ? null : await intern('signin_resources', tref, {
          resource_id: r.resource_id, resource_display_name: r.resource_display_name, resource_display_name_lc: lc(r.resource_display_name),
          resource_service_principal_id: d.resourceServicePrincipalId || null,
        }),
        client_ref: await intern('signin_clients', tref, {
          client_app_used: r.client_app_used ?? '', client_app_used_lc: lc(r.client_app_used ?? ''),
          user_agent: d.userAgent ?? '', user_agent_lc: lc(d.userAgent ?? ''),
          browser: device.browser ?? '', browser_lc: lc(device.browser ?? ''),
          operating_system: device.operatingSystem ?? '', operating_system_lc: lc(device.operatingSystem ?? ''),
          device: JSON.stringify({ deviceId: '', displayName: '', isCompliant: false, isManaged: false, trustType: '' }),
          authentication_protocol: d.authenticationProtocol ?? 'none', client_credential_type: d.clientCredentialType ?? 'none',
          credential_key_id: d.servicePrincipalCredentialKeyId || null,
        }),
        location_ref: null,
        status_ref: await intern('signin_statuses', null, {
          error_code: r.error_code, failure_reason: r.error_code === 0 ? null : r.failure_reason, additional_details: d.additionalDetails ?? null,
        }),
        assessment_ref: null,
        ip_address: r.ip_address === null ? null : String(r.ip_address).slice(0, 45),
        correlation_id: String(r.correlation_id).slice(0, 36),
        request_id: d.originalRequestId || null,
        token_id: d.uniqueTokenIdentifier || null,
        processing_ms: Number(d.processingTimeInMilliseconds ?? 0),
      }).execute();
    }
    const last = rows[rows.length - 1];
    after = [Number(last.created_at), last.id];
  }
}

export async function down(): Promise<void> {
  throw new Error('003_signin_dimensions cannot be undone');
}
