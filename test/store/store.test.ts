import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { ActivityLogs } from '../../src/reporting/logs.js';
import { SkipTokens } from '../../src/reporting/skiptoken.js';
import { isUniqueViolation, openStore, type Store } from '../../src/store/db.js';
import * as appsRepo from '../../src/store/repositories/applications.js';
import * as logsRepo from '../../src/store/repositories/logs.js';
import * as refreshRepo from '../../src/store/repositories/refreshTokens.js';
import * as spRepo from '../../src/store/repositories/servicePrincipals.js';
import * as tenantsRepo from '../../src/store/repositories/tenants.js';
import * as usersRepo from '../../src/store/repositories/users.js';
import type { DirectoryAuditRow, NewSignInRow, SignInRow } from '../../src/store/repositories/logs.js';
import { loadSignInDims, toSignInRow } from '../../src/reporting/records.js';
import { createTestStore, TEST_ENGINE, type TestStore } from '../helpers/store.js';

const ALL_MIGRATIONS = ['001_initial', '002_directory_version', '003_signin_dimensions', '004_authorization'];

/** Repository-level behaviour that must be identical on SQLite and PostgreSQL. */

const TABLES = [
  'app_role_assignments', 'applications', 'audit_targets', 'authorization_codes', 'browser_sessions', 'directory_audits', 'domains', 'log_tenants', 'password_credentials', 'permission_grants',
  'refresh_tokens', 'role_assignments', 'server_secrets', 'service_principals', 'sign_ins', 'signin_apps', 'signin_assessment_items',
  'signin_assessments', 'signin_clients', 'signin_locations', 'signin_resources', 'signin_statuses', 'signin_users', 'signing_keys', 'tenants', 'users',
];

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

async function userTables(store: Store): Promise<string[]> {
  const r = store.engine === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'tenantry_%' order by name`.execute(store.db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_name not like 'tenantry_%' order by table_name`.execute(store.db);
  return r.rows.map((x) => x.name);
}

async function migrationNames(store: Store): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from tenantry_migrations order by name`.execute(store.db);
  return r.rows.map((x) => x.name);
}

/** Opens another handle on the very same database the test store uses. */
const reopen = (ts: TestStore): Promise<Store> => (ts.url ? openStore({ databaseUrl: ts.url }) : openStore({ sqlitePath: ts.path! }));

const tenantRow = (id: string) => ({ id, display_name: `tenant ${id.slice(0, 4)}`, tenant_type: 'standard' as const, license: 'P1' as const, created_at: 1 });

/** An interactive sign-in of u@x.test, stored the way the token service stores one. */
function signInRow(store: Store, tenantId: string, id: string, createdAt: number, over: { errorCode?: number; userDisplayName?: string } = {}): Promise<NewSignInRow> {
  return toSignInRow(store.signInDims, {
    id, tenantId, createdAt, eventType: 'interactiveUser', correlationId: randomUUID(), requestId: null, ipAddress: null, userAgent: null,
    clientAppUsed: 'Browser', authenticationProtocol: 'none', clientCredentialType: 'none',
    user: { id: null, userPrincipalName: 'u@x.test', displayName: over.userDisplayName ?? null },
    status: { errorCode: over.errorCode ?? 0, failureReason: over.errorCode ? 'failed' : null },
  });
}

async function displayNames(store: Store, rows: SignInRow[]): Promise<(string | null)[]> {
  const dims = await loadSignInDims(store.signInDims, rows);
  return rows.map((r) => (r.user_ref === null ? null : dims.users.get(r.user_ref)?.user_display_name ?? null));
}

function auditRow(tenantId: string, id: string, at: number, over: Partial<DirectoryAuditRow> = {}): DirectoryAuditRow {
  return {
    tenant_id: tenantId, id, activity_at: at, category: 'ApplicationManagement', activity_display_name: 'Add application', operation_type: 'Add', result: 'success',
    result_reason: '', correlation_id: randomUUID(), logged_by_service: 'Core Directory', initiator_user_id: null, initiator_user_principal_name: null,
    initiator_app_id: null, initiator_user_display_name: null, initiator_app_display_name: null, details: JSON.stringify({ initiatedBy: {}, targetResources: [], additionalDetails: [], userAgent: null }), ...over,
  };
}

/** created_at desc, id desc (byte order; both engines compare these ASCII ids the same way) */
const keysetOrder = <T extends { id: string }>(rows: T[], at: (r: T) => number, dir: 'asc' | 'desc'): string[] => {
  const sorted = [...rows].sort((a, b) => (at(a) !== at(b) ? at(b) - at(a) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);
  return dir === 'desc' ? sorted : sorted.reverse();
};

describe(`store (${TEST_ENGINE})`, () => {
  let ts: TestStore;
  let db: Store['db'];
  let store: Store;
  beforeAll(async () => {
    ts = await createTestStore();
    store = ts.store;
    db = ts.store.db;
  });
  afterAll(async () => { await ts?.cleanup(); });

  describe('migrations', () => {
    it('create every table once; opening the same store again changes nothing and keeps the data', async () => {
      expect(ts.store.engine).toBe(TEST_ENGINE);
      expect(await userTables(ts.store)).toEqual(TABLES);
      expect(await migrationNames(ts.store)).toEqual(ALL_MIGRATIONS);
      const id = randomUUID();
      await tenantsRepo.insertTenant(db, tenantRow(id));

      const second = await reopen(ts);
      try {
        expect(second.engine).toBe(TEST_ENGINE);
        expect(await migrationNames(second)).toEqual(ALL_MIGRATIONS);
        expect(await userTables(second)).toEqual(TABLES);
        expect((await tenantsRepo.getTenant(second.db, id))?.display_name).toBe(`tenant ${id.slice(0, 4)}`);
      } finally {
        await second.close();
      }
      // two more handles at the same time
      const [third, fourth] = await Promise.all([reopen(ts), reopen(ts)]);
      try {
        expect(await migrationNames(third)).toEqual(ALL_MIGRATIONS);
        expect(await migrationNames(fourth)).toEqual(ALL_MIGRATIONS);
      } finally {
        await third.close();
        await fourth.close();
      }
      expect(await tenantsRepo.getTenant(db, id)).toBeDefined();
    });

    it('a fresh store next to an existing one gets its own, empty tables', async () => {
      const other = await createTestStore();
      try {
        expect(await userTables(other.store)).toEqual(TABLES);
        expect(await migrationNames(other.store)).toEqual(ALL_MIGRATIONS);
        expect(await tenantsRepo.listTenants(other.store.db)).toEqual([]);
        expect((await tenantsRepo.listTenants(db)).length).toBeGreaterThan(0);
      } finally {
        await other.cleanup();
      }
    });
  });

  describe('isUniqueViolation', () => {
    it('is true for primary-key and unique-index violations', async () => {
      const t = randomUUID();
      await tenantsRepo.insertTenant(db, tenantRow(t));
      expect(isUniqueViolation(await caught(tenantsRepo.insertTenant(db, tenantRow(t))))).toBe(true);

      const domain = `d${randomUUID().slice(0, 8)}.example.test`;
      await tenantsRepo.insertDomain(db, { name: domain, tenant_id: t, is_default: 1, is_initial: 1, is_verified: 1, created_at: 1 });
      // domain names are unique across the installation, case-insensitively (stored lower-case)
      expect(isUniqueViolation(await caught(tenantsRepo.insertDomain(db, { name: domain.toUpperCase(), tenant_id: t, is_default: 0, is_initial: 0, is_verified: 0, created_at: 2 })))).toBe(true);

      const user = { tenant_id: t, id: randomUUID(), user_principal_name: 'dup@x.test', display_name: 'u', given_name: null, surname: null, mail: null, password_hash: 'h', account_enabled: 1, created_at: 1 };
      await usersRepo.insertUser(db, user);
      expect(isUniqueViolation(await caught(usersRepo.insertUser(db, { ...user, id: randomUUID() })))).toBe(true); // (tenant, upn) unique index
      expect(isUniqueViolation(await caught(usersRepo.insertUser(db, { ...user, user_principal_name: 'other@x.test' })))).toBe(true); // (tenant, id) primary key

      const err = await caught(ts.store.transaction(async (trx) => {
        await usersRepo.insertUser(trx, { ...user, id: randomUUID(), user_principal_name: 'in-trx@x.test' });
        await usersRepo.insertUser(trx, { ...user, id: randomUUID() });
      }));
      expect(isUniqueViolation(err)).toBe(true);
      // the transaction rolled back: the first insert is gone too
      expect(await usersRepo.findUserByUpn(db, t, 'in-trx@x.test')).toBeUndefined();
    });

    it('is false for other failures and for non-database values', async () => {
      const fk = await caught(usersRepo.insertUser(db, { tenant_id: randomUUID(), id: randomUUID(), user_principal_name: 'fk@x.test', display_name: 'u', given_name: null, surname: null, mail: null, password_hash: 'h', account_enabled: 1, created_at: 1 }));
      expect(fk).toBeInstanceOf(Error);
      expect(isUniqueViolation(fk)).toBe(false);
      const notNull = await caught(sql`insert into tenants (id, display_name, tenant_type, license, created_at) values (${randomUUID()}, null, 'standard', 'P1', 1)`.execute(db));
      expect(notNull).toBeInstanceOf(Error);
      expect(isUniqueViolation(notNull)).toBe(false);
      const syntax = await caught(sql`select from where`.execute(db));
      expect(isUniqueViolation(syntax)).toBe(false);
      for (const v of [null, undefined, 0, '23505', new Error('unique constraint failed'), { code: '23503' }, { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }, { message: 'UNIQUE constraint failed' }]) {
        expect(isUniqueViolation(v), String(v)).toBe(false);
      }
    });
  });

  describe('refresh tokens', () => {
    let tenant: string;
    beforeAll(async () => {
      tenant = randomUUID();
      await tenantsRepo.insertTenant(db, tenantRow(tenant));
    });
    const rt = (hash: string, family = randomUUID()) => ({
      token_hash: hash, tenant_id: tenant, family_id: family, client_id: randomUUID(), user_id: randomUUID(), scope: 'openid', created_at: 1, expires_at: 9e12, consumed_at: null, revoked_at: null, public_client: 1,
    });

    it('20 concurrent consumes of one token: exactly one wins', async () => {
      const hash = `h-${randomUUID()}`;
      await refreshRepo.insertRefreshToken(db, rt(hash));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => refreshRepo.consumeRefreshToken(db, hash, 1000 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const row = await refreshRepo.findRefreshToken(db, hash);
      expect(row?.consumed_at).toBe(1000 + results.indexOf(true));
      expect(await refreshRepo.consumeRefreshToken(db, hash, 5000)).toBe(false);
      expect((await refreshRepo.findRefreshToken(db, hash))?.consumed_at).toBe(1000 + results.indexOf(true));
    });

    it('20 concurrent consumes, each in its own transaction: exactly one commits a win', async () => {
      const hash = `h-${randomUUID()}`;
      await refreshRepo.insertRefreshToken(db, rt(hash));
      const results = await Promise.all(Array.from({ length: 20 }, () => ts.store.transaction((trx) => refreshRepo.consumeRefreshToken(trx, hash, 7))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('revoked or unknown tokens cannot be consumed; revoking a family spares other families', async () => {
      const family = randomUUID();
      const [a, b, c] = [`h-${randomUUID()}`, `h-${randomUUID()}`, `h-${randomUUID()}`];
      await refreshRepo.insertRefreshToken(db, rt(a, family));
      await refreshRepo.insertRefreshToken(db, rt(b, family));
      await refreshRepo.insertRefreshToken(db, rt(c));
      await refreshRepo.revokeRefreshFamily(db, family, 42);
      expect(await refreshRepo.consumeRefreshToken(db, a, 50)).toBe(false);
      expect(await refreshRepo.consumeRefreshToken(db, b, 50)).toBe(false);
      expect((await refreshRepo.findRefreshToken(db, a))?.revoked_at).toBe(42);
      expect((await refreshRepo.findRefreshToken(db, c))?.revoked_at).toBeNull();
      expect(await refreshRepo.consumeRefreshToken(db, c, 50)).toBe(true);
      expect(await refreshRepo.consumeRefreshToken(db, `h-${randomUUID()}`, 50)).toBe(false);
    });
  });

  describe('keyset paging', () => {
    let tenant: string;
    let rows: NewSignInRow[];
    let ref: number;
    beforeAll(async () => {
      tenant = randomUUID();
      await tenantsRepo.insertTenant(db, tenantRow(tenant));
      // 4 rows on each of 3 timestamps, plus one failure, inserted out of order
      rows = [];
      for (const [i, at] of [3000, 1000, 2000, 1000, 3000, 2000, 2000, 1000, 3000, 1000, 2000, 3000].entries()) {
        rows.push(await signInRow(store, tenant, randomUUID(), at, { errorCode: i === 5 ? 50126 : 0 }));
      }
      for (const r of rows) await logsRepo.insertSignIn(db, r);
      ref = await store.signInDims.tenantRef(tenant);
    });

    async function pageAll(order: 'asc' | 'desc', limit: number, where?: logsRepo.LogPageQuery<'sign_ins'>['where']): Promise<string[]> {
      const out: string[] = [];
      let after: logsRepo.KeysetCursor | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const page = await logsRepo.listSignIns(db, ref, { order, limit, after, where, floor: 0 });
        out.push(...page.map((r) => r.id));
        if (page.length < limit) return out;
        const last = page[page.length - 1]!;
        after = { at: last.created_at, id: last.seq };
      }
      throw new Error('paging did not end');
    }

    // sign-ins tie-break on insertion order (seq), which is their index in rows
    const seqOrder = (rs: NewSignInRow[], dir: 'asc' | 'desc') => {
      const sorted = rs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.created_at !== b.r.created_at ? b.r.created_at - a.r.created_at : b.i - a.i)).map((x) => x.r.id);
      return dir === 'desc' ? sorted : sorted.reverse();
    };

    it('orders by created_at then insertion, and resumes strictly after the cursor across ties', async () => {
      const desc = seqOrder(rows, 'desc');
      expect((await logsRepo.listSignIns(db, ref, { order: 'desc', limit: 100, floor: 0 })).map((r) => r.id)).toEqual(desc);
      for (const limit of [1, 2, 3, 5, 12]) expect(await pageAll('desc', limit), `limit ${limit}`).toEqual(desc);
      const asc = seqOrder(rows, 'asc');
      for (const limit of [1, 3, 4, 7]) expect(await pageAll('asc', limit), `asc limit ${limit}`).toEqual(asc);
    });

    it('a cursor in the middle of a tie returns exactly the rest', async () => {
      const desc = seqOrder(rows, 'desc');
      const mid = desc.filter((id) => rows.find((r) => r.id === id)!.created_at === 2000)[1]!;
      const all = await logsRepo.listSignIns(db, ref, { order: 'desc', limit: 100, floor: 0 });
      const got = await logsRepo.listSignIns(db, ref, { order: 'desc', limit: 100, floor: 0, after: { at: 2000, id: all.find((r) => r.id === mid)!.seq } });
      expect(got.map((r) => r.id)).toEqual(desc.slice(desc.indexOf(mid) + 1));
    });

    it('combines with a where clause', async () => {
      const okStatus = rows[0]!.status_ref;
      const ok = rows.filter((r) => r.status_ref === okStatus);
      expect(ok).toHaveLength(11);
      expect(await pageAll('desc', 2, (eb) => eb('status_ref', '=', okStatus))).toEqual(seqOrder(ok, 'desc'));
    });

    it('directory audits page the same way on (activity_at, id)', async () => {
      const audits = [5, 5, 5, 4, 4, 6].map((k) => auditRow(tenant, `Directory_${randomUUID()}_ABCDE_${k}`, k * 1000));
      for (const a of audits) await logsRepo.insertDirectoryAudit(db, a, []);
      const expected = keysetOrder(audits, (r) => r.activity_at, 'desc');
      const out: string[] = [];
      let after: logsRepo.KeysetCursor | undefined;
      for (;;) {
        const page = await logsRepo.listDirectoryAudits(db, tenant, { order: 'desc', limit: 2, after, floor: 0 });
        out.push(...page.map((r) => r.id));
        if (page.length < 2) break;
        after = { at: page[1]!.activity_at, id: page[1]!.id };
      }
      expect(out).toEqual(expected);
    });
  });

  describe('tenant isolation', () => {
    const A = randomUUID();
    const B = randomUUID();
    // the same object ids exist in both tenants: only tenant_id tells them apart
    const ids = { user: randomUUID(), app: randomUUID(), appId: randomUUID(), key: randomUUID(), sp: randomUUID(), resource: randomUUID(), assignment: randomUUID(), grant: randomUUID(), role: randomUUID(), signIn: randomUUID(), audit: `Directory_${randomUUID()}_ABCDE_1` };
    const onlyB = { appId: randomUUID(), upn: 'only-b@b.test' };

    beforeAll(async () => {
      for (const t of [A, B]) {
        const tag = t === A ? 'A' : 'B';
        await tenantsRepo.insertTenant(db, tenantRow(t));
        await tenantsRepo.insertDomain(db, { name: `${tag.toLowerCase()}-${t.slice(0, 8)}.example.test`, tenant_id: t, is_default: 1, is_initial: 1, is_verified: 1, created_at: 1 });
        await usersRepo.insertUser(db, { tenant_id: t, id: ids.user, user_principal_name: `user@${tag.toLowerCase()}.test`, display_name: tag, given_name: null, surname: null, mail: null, password_hash: 'h', account_enabled: 1, created_at: 1 });
        await usersRepo.insertRoleAssignment(db, { tenant_id: t, id: ids.role, principal_id: ids.user, role_definition_id: t === A ? 'role-a' : 'role-b', directory_scope_id: '/', created_at: 1 });
        await appsRepo.insertApplication(db, { tenant_id: t, id: ids.app, app_id: ids.appId, display_name: tag, sign_in_audience: 'AzureADMyOrg', is_fallback_public_client: 0, body: '{}', created_at: 1 });
        await appsRepo.insertPasswordCredential(db, { tenant_id: t, key_id: ids.key, application_id: ids.app, display_name: tag, hint: tag, secret_hash: `hash-${tag}`, start_at: 1, end_at: 2 });
        await spRepo.insertServicePrincipal(db, { tenant_id: t, id: ids.sp, app_id: ids.appId, display_name: tag, app_owner_organization_id: t, service_principal_type: 'Application', builtin: 0, public_client: 0, body: '{}', created_at: 1 });
        await spRepo.insertServicePrincipal(db, { tenant_id: t, id: ids.resource, app_id: randomUUID(), display_name: `${tag} resource`, app_owner_organization_id: t, service_principal_type: 'Application', builtin: 1, public_client: 0, body: '{}', created_at: 1 });
        await spRepo.insertAppRoleAssignment(db, { tenant_id: t, id: ids.assignment, principal_id: ids.sp, principal_type: 'ServicePrincipal', principal_display_name: tag, resource_id: ids.resource, resource_display_name: tag, app_role_id: randomUUID(), created_at: 1 });
        await spRepo.insertPermissionGrant(db, { tenant_id: t, id: ids.grant, client_id: ids.sp, consent_type: 'AllPrincipals', principal_id: null, resource_id: ids.resource, scope: tag, created_at: 1 });
        await logsRepo.insertSignIn(db, await signInRow(store, t, ids.signIn, 1000, { userDisplayName: tag }));
        await logsRepo.insertDirectoryAudit(db, auditRow(t, ids.audit, 1000, { activity_display_name: tag }), [{ id: ids.app, displayName: tag }]);
      }
      await appsRepo.insertApplication(db, { tenant_id: B, id: randomUUID(), app_id: onlyB.appId, display_name: 'B only', sign_in_audience: 'AzureADMyOrg', is_fallback_public_client: 0, body: '{}', created_at: 2 });
      await spRepo.insertServicePrincipal(db, { tenant_id: B, id: randomUUID(), app_id: onlyB.appId, display_name: 'B only', app_owner_organization_id: B, service_principal_type: 'Application', builtin: 0, public_client: 0, body: '{}', created_at: 2 });
      await usersRepo.insertUser(db, { tenant_id: B, id: randomUUID(), user_principal_name: onlyB.upn, display_name: 'B only', given_name: null, surname: null, mail: null, password_hash: 'h', account_enabled: 1, created_at: 2 });
      await logsRepo.insertSignIn(db, await signInRow(store, B, randomUUID(), 2000, { userDisplayName: 'B only' }));
      await logsRepo.insertDirectoryAudit(db, auditRow(B, `Directory_${randomUUID()}_ABCDE_2`, 2000, { activity_display_name: 'B only' }), [{ id: ids.app, displayName: 'B only' }]);
    });

    it('every list and lookup returns only the asking tenant’s rows', async () => {
      for (const [t, tag, other] of [[A, 'A', 'B'], [B, 'B', 'A']] as const) {
        const only = <R extends { tenant_id: string }>(rows: R[]) => {
          expect(rows.length, tag).toBeGreaterThan(0);
          expect(rows.every((r) => r.tenant_id === t), tag).toBe(true);
          return rows;
        };
        expect(only(await usersRepo.listUsers(db, t, 100)).map((u) => u.display_name).sort()).toEqual(tag === 'A' ? ['A'] : ['B', 'B only']);
        expect((await usersRepo.getUser(db, t, ids.user))?.display_name).toBe(tag);
        expect(await usersRepo.findUserByUpn(db, t, `user@${other.toLowerCase()}.test`)).toBeUndefined();
        expect(only(await usersRepo.listRoleAssignments(db, t)).map((r) => r.role_definition_id)).toEqual([`role-${tag.toLowerCase()}`]);
        expect(await usersRepo.roleIdsOfPrincipal(db, t, ids.user)).toEqual([`role-${tag.toLowerCase()}`]);

        expect(only(await appsRepo.listApplications(db, t, { limit: 100 })).map((a) => a.display_name)).toEqual(tag === 'A' ? ['A'] : ['B', 'B only']);
        expect((await appsRepo.getApplication(db, t, ids.app))?.display_name).toBe(tag);
        expect((await appsRepo.findApplicationByAppId(db, t, ids.appId))?.display_name).toBe(tag);
        expect(only(await appsRepo.listPasswordCredentials(db, t, ids.app)).map((c) => c.secret_hash)).toEqual([`hash-${tag}`]);

        expect(only(await spRepo.listServicePrincipals(db, t, { limit: 100 })).length).toBe(tag === 'A' ? 2 : 3);
        expect(only(await spRepo.listServicePrincipals(db, t, { appId: ids.appId, limit: 100 })).map((s) => s.display_name)).toEqual([tag]);
        expect((await spRepo.getServicePrincipal(db, t, ids.sp))?.display_name).toBe(tag);
        expect((await spRepo.findServicePrincipalByAppId(db, t, ids.appId))?.display_name).toBe(tag);
        expect(only(await spRepo.listAppRoleAssignmentsToResource(db, t, ids.resource)).map((x) => x.principal_display_name)).toEqual([tag]);
        expect(only(await spRepo.listAppRoleAssignmentsOfPrincipal(db, t, ids.sp)).map((x) => x.principal_display_name)).toEqual([tag]);
        expect((await spRepo.getAppRoleAssignment(db, t, ids.assignment))?.principal_display_name).toBe(tag);
        expect(only(await spRepo.listPermissionGrants(db, t)).map((g) => g.scope)).toEqual([tag]);
        expect(only(await spRepo.listPermissionGrants(db, t, { clientId: ids.sp, resourceId: ids.resource })).map((g) => g.scope)).toEqual([tag]);

        expect(only(await tenantsRepo.listDomains(db, t)).map((d) => d.name)).toEqual([`${tag.toLowerCase()}-${t.slice(0, 8)}.example.test`]);

        const tref = await store.signInDims.tenantRef(t);
        const signIns = await logsRepo.listSignIns(db, tref, { order: 'desc', limit: 100, floor: 0 });
        expect(signIns.length > 0 && signIns.every((r) => r.tenant_ref === tref), tag).toBe(true);
        expect(await displayNames(store, signIns)).toEqual(tag === 'A' ? ['A'] : ['B only', 'B']);
        const one = await logsRepo.getSignIn(db, tref, ids.signIn, 0);
        expect(await displayNames(store, one ? [one] : [])).toEqual([tag]);
        expect(only(await logsRepo.listDirectoryAudits(db, t, { order: 'desc', limit: 100, floor: 0 })).map((r) => r.activity_display_name)).toEqual(tag === 'A' ? ['A'] : ['B only', 'B']);
        expect((await logsRepo.getDirectoryAudit(db, t, ids.audit, 0))?.activity_display_name).toBe(tag);
      }
      expect(await appsRepo.findApplicationByAppId(db, A, onlyB.appId)).toBeUndefined();
      expect(await spRepo.findServicePrincipalByAppId(db, A, onlyB.appId)).toBeUndefined();
      expect(await spRepo.listServicePrincipals(db, A, { appId: onlyB.appId, limit: 100 })).toEqual([]);
      expect(await usersRepo.findUserByUpn(db, A, onlyB.upn)).toBeUndefined();
    });

    it('targetResources/any(...) on audits only matches the asking tenant’s targets', async () => {
      const logs = new ActivityLogs({ store: ts.store, clock: () => Date.now(), secretPepper: 'p' }, new SkipTokens('k'), { strictDirectoryRead: false }, { freeDays: 36_500, premiumDays: 36_500 });
      const system = (tenantId: string): SystemActor => ({ kind: 'system', name: 'store test', tenantId, ipAddress: null, correlationId: randomUUID() });
      const filter = `targetResources/any(t: t/id eq '${ids.app}')`;
      const a = await logs.listDirectoryAudits(system(A), { version: 'v1.0', filter });
      expect(a.items.map((x) => x.activityDisplayName)).toEqual(['A']);
      const b = await logs.listDirectoryAudits(system(B), { version: 'v1.0', filter });
      expect(b.items.map((x) => x.activityDisplayName)).toEqual(['B only', 'B']);
      const si = await logs.listSignIns(system(A), { version: 'v1.0', filter: "userPrincipalName eq 'u@x.test'" });
      expect(si.items.map((x) => x.userDisplayName)).toEqual(['A']);
    });

    it('deletes in one tenant leave the other tenant’s rows alone', async () => {
      expect(await appsRepo.deletePasswordCredential(db, A, ids.app, ids.key)).toBe(1);
      expect(await appsRepo.listPasswordCredentials(db, B, ids.app)).toHaveLength(1);
      await spRepo.deleteAppRoleAssignment(db, A, ids.assignment);
      expect(await spRepo.getAppRoleAssignment(db, B, ids.assignment)).toBeDefined();
      await spRepo.deleteServicePrincipalsOfApp(db, A, ids.appId);
      expect(await spRepo.getServicePrincipal(db, A, ids.sp)).toBeUndefined();
      expect((await spRepo.getServicePrincipal(db, B, ids.sp))?.display_name).toBe('B');
      expect(await spRepo.listPermissionGrants(db, B, { clientId: ids.sp })).toHaveLength(1);
      await appsRepo.deleteApplication(db, A, ids.app);
      expect(await appsRepo.getApplication(db, A, ids.app)).toBeUndefined();
      expect((await appsRepo.getApplication(db, B, ids.app))?.display_name).toBe('B');
      expect(await appsRepo.listPasswordCredentials(db, B, ids.app)).toHaveLength(1);
      await tenantsRepo.setTenantLicense(db, A, 'none');
      expect((await tenantsRepo.getTenant(db, A))?.license).toBe('none');
      expect((await tenantsRepo.getTenant(db, B))?.license).toBe('P1');
    });
  });

  describe('deleting the service principals of an application', () => {
    const T = randomUUID();
    const U = randomUUID(); // same object ids in another tenant: untouched
    const ids = { appId: randomUUID(), sp: randomUUID(), resource: randomUUID(), client: randomUUID(), user: randomUUID() };
    const sp = (t: string, id: string, appId: string, name: string) => spRepo.insertServicePrincipal(db, {
      tenant_id: t, id, app_id: appId, display_name: name, app_owner_organization_id: t, service_principal_type: 'Application', builtin: 0, public_client: 0, body: '{}', created_at: 1,
    });
    const assignment = (t: string, principal: string, resource: string) => spRepo.insertAppRoleAssignment(db, {
      tenant_id: t, id: randomUUID(), principal_id: principal, principal_type: 'ServicePrincipal', principal_display_name: principal, resource_id: resource, resource_display_name: resource, app_role_id: randomUUID(), created_at: 1,
    });
    const grant = (t: string, client: string, resource: string) => spRepo.insertPermissionGrant(db, {
      tenant_id: t, id: randomUUID(), client_id: client, consent_type: 'AllPrincipals', principal_id: null, resource_id: resource, scope: `${client}->${resource}`, created_at: 1,
    });
    const role = (t: string, principal: string) => usersRepo.insertRoleAssignment(db, {
      tenant_id: t, id: randomUUID(), principal_id: principal, role_definition_id: randomUUID(), directory_scope_id: '/', created_at: 1,
    });
    /** what refers to each principal, as "principal->resource" pairs and role holders */
    const snapshot = async (t: string) => ({
      sps: (await spRepo.listServicePrincipals(db, t, { limit: 100 })).map((x) => x.id).sort(),
      assignments: (await db.selectFrom('app_role_assignments').select(['principal_id', 'resource_id']).where('tenant_id', '=', t).execute()).map((x) => `${x.principal_id}->${x.resource_id}`).sort(),
      grants: (await spRepo.listPermissionGrants(db, t)).map((g) => g.scope).sort(),
      roles: (await usersRepo.listRoleAssignments(db, t)).map((r) => r.principal_id).sort(),
    });

    beforeAll(async () => {
      for (const t of [T, U]) {
        await tenantsRepo.insertTenant(db, tenantRow(t));
        await sp(t, ids.sp, ids.appId, 'deleted');
        await sp(t, ids.resource, randomUUID(), 'resource');
        await sp(t, ids.client, randomUUID(), 'client');
        await assignment(t, ids.sp, ids.resource); // held by the deleted principal
        await assignment(t, ids.client, ids.sp); // granted on the deleted principal as the resource
        await assignment(t, ids.client, ids.resource); // unrelated
        await grant(t, ids.sp, ids.resource);
        await grant(t, ids.client, ids.sp);
        await grant(t, ids.client, ids.resource);
        await role(t, ids.sp);
        await role(t, ids.user);
      }
    });

    it('takes every reference along, in the caller’s transaction, in the caller’s tenant only', async () => {
      const before = await snapshot(T);
      expect(before.assignments).toHaveLength(3);
      expect(before.roles).toHaveLength(2);
      // rolled back with the transaction it runs in
      await expect(ts.store.transaction(async (trx) => {
        await spRepo.deleteServicePrincipalsOfApp(trx, T, ids.appId);
        throw new Error('roll back');
      })).rejects.toThrow('roll back');
      expect(await snapshot(T)).toEqual(before);

      await ts.store.transaction((trx) => spRepo.deleteServicePrincipalsOfApp(trx, T, ids.appId));
      expect(await snapshot(T)).toEqual({
        sps: [ids.client, ids.resource].sort(),
        assignments: [`${ids.client}->${ids.resource}`],
        grants: [`${ids.client}->${ids.resource}`],
        roles: [ids.user],
      });
      expect(await snapshot(U)).toEqual(before);
    });
  });
});
