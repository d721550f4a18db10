import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Engine, Executor } from '../db.js';
import type { RoleAssignmentsTable, UsersTable } from '../schema.js';

export type UserRow = UsersTable;
export type RoleAssignmentRow = RoleAssignmentsTable;

export async function insertUser(ex: Executor, row: UserRow): Promise<void> {
  await ex.insertInto('users').values(row).execute();
}

export async function getUser(ex: Executor, tenantId: string, id: string): Promise<UserRow | undefined> {
  return ex.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findUserByUpn(ex: Executor, tenantId: string, upn: string): Promise<UserRow | undefined> {
  if (upn.includes('\u0000')) return undefined; // no stored UPN holds NUL, and PostgreSQL rejects it in a parameter
  return ex
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_principal_name', '=', upn.toLowerCase())
    .executeTakeFirst();
}

export async function listUsers(ex: Executor, tenantId: string, limit: number): Promise<UserRow[]> {
  return ex.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('user_principal_name').limit(limit).execute();
}

export async function insertRoleAssignment(ex: Executor, row: RoleAssignmentRow): Promise<void> {
  await ex.insertInto('role_assignments').values(row).execute();
}

export async function listRoleAssignments(ex: Executor, tenantId: string): Promise<RoleAssignmentRow[]> {
  return ex.selectFrom('role_assignments').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
}

export async function roleIdsOfPrincipal(ex: Executor, tenantId: string, principalId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('role_assignments')
    .select('role_definition_id')
    .where('tenant_id', '=', tenantId)
    .where('principal_id', '=', principalId)
    .where('directory_scope_id', '=', '/')
    .execute();
  return rows.map((r) => r.role_definition_id);
}

/** Columns of a user a Graph `$filter`/`$search` may test. */
export type UserColumn = 'id' | 'user_principal_name' | 'display_name' | 'given_name' | 'surname' | 'mail' | 'account_enabled';

/**
 * A condition on users, in column terms. `fold` compares ASCII letters case-insensitively (the literal
 * must already be ASCII-lower-cased); other characters compare exactly, the same on SQLite and
 * PostgreSQL. `word` is a word-prefix match (Graph's tokenized `$search` on displayName).
 */
export type UserPredicate =
  | { kind: 'and' | 'or'; items: UserPredicate[] }
  | { kind: 'eq'; column: UserColumn; value: string | number | null; fold?: boolean }
  | { kind: 'startswith'; column: UserColumn; value: string; fold?: boolean }
  | { kind: 'word'; column: UserColumn; value: string };

/** Characters after which a word starts, for `word` matches. */
const WORD_SEPARATORS = [' ', '-', '_', '.', '@', ','];
const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** ASCII-only lower-casing in SQL: SQLite's lower() is ASCII-only; PostgreSQL's is under the "C" collation. */
function folded(engine: Engine, column: UserColumn): RawBuilder<string> {
  return engine === 'postgres' ? sql<string>`lower(${sql.ref(column)} collate "C")` : sql<string>`lower(${sql.ref(column)})`;
}

function userCondition(engine: Engine, p: UserPredicate): Expression<SqlBool> {
  switch (p.kind) {
    case 'and':
    case 'or': {
      if (p.items.length === 0) return p.kind === 'and' ? sql<SqlBool>`(1 = 1)` : sql<SqlBool>`(1 = 0)`;
      return sql<SqlBool>`(${sql.join(p.items.map((i) => userCondition(engine, i)), p.kind === 'and' ? sql` and ` : sql` or `)})`;
    }
    case 'eq': {
      if (p.value === null) return sql<SqlBool>`(${sql.ref(p.column)} is null)`;
      const col = p.fold ? folded(engine, p.column) : sql.ref(p.column);
      return sql<SqlBool>`(${col} = ${p.value})`;
    }
    case 'startswith': {
      const col = p.fold ? folded(engine, p.column) : sql.ref(p.column);
      // characters, not LIKE: SQLite's LIKE ignores ASCII case where PostgreSQL's does not
      return sql<SqlBool>`(substr(${col}, 1, ${Array.from(p.value).length}) = ${p.value})`;
    }
    case 'word': {
      // both sides are ASCII-lower-cased, so LIKE's own case rules (which differ by engine) never apply
      const col = folded(engine, p.column);
      const term = escapeLike(p.value);
      const tests = [sql<SqlBool>`${col} like ${`${term}%`} escape '\\'`, ...WORD_SEPARATORS.map((sep) => sql<SqlBool>`${col} like ${`%${escapeLike(sep)}${term}%`} escape '\\'`)];
      return sql<SqlBool>`(${sql.join(tests, sql` or `)})`;
    }
  }
}

/**
 * One page of a tenant's users in userPrincipalName order (keyset: after the given UPN), optionally
 * restricted by a predicate.
 */
export async function listUsersPage(
  ex: Executor,
  engine: Engine,
  tenantId: string,
  opts: { where?: UserPredicate; afterUpn?: string; limit: number },
): Promise<UserRow[]> {
  let q = ex.selectFrom('users').selectAll().where('tenant_id', '=', tenantId);
  if (opts.where) q = q.where(userCondition(engine, opts.where));
  if (opts.afterUpn !== undefined) q = q.where('user_principal_name', '>', opts.afterUpn);
  return q.orderBy('user_principal_name').limit(opts.limit).execute();
}

export async function countUsers(ex: Executor, engine: Engine, tenantId: string, where?: UserPredicate): Promise<number> {
  let q = ex.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId);
  if (where) q = q.where(userCondition(engine, where));
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listUsersByIds(ex: Executor, tenantId: string, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return ex.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
}

export type UserPatch = Partial<Pick<UserRow, 'display_name' | 'given_name' | 'surname' | 'mail' | 'account_enabled' | 'password_hash'>>;

export async function updateUser(ex: Executor, tenantId: string, id: string, patch: UserPatch): Promise<number> {
  if (Object.keys(patch).length === 0) return 0;
  const r = await ex.updateTable('users').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Deletes the user with what only refers to it: its app role assignments and its personal delegated
 * grants. Directory role assignments are removed by the caller (each is audited); refresh tokens are
 * revoked by the caller (refreshTokens.revokeRefreshTokensOfUser). Run it in the caller's transaction.
 */
export async function deleteUser(ex: Executor, tenantId: string, id: string): Promise<number> {
  await ex.deleteFrom('app_role_assignments').where('tenant_id', '=', tenantId).where('principal_id', '=', id).execute();
  await ex.deleteFrom('permission_grants').where('tenant_id', '=', tenantId).where('principal_id', '=', id).execute();
  const r = await ex.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getRoleAssignment(ex: Executor, tenantId: string, id: string): Promise<RoleAssignmentRow | undefined> {
  return ex.selectFrom('role_assignments').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findRoleAssignments(
  ex: Executor,
  tenantId: string,
  filter: { principalId?: string; roleDefinitionId?: string; directoryScopeId?: string } = {},
): Promise<RoleAssignmentRow[]> {
  let q = ex.selectFrom('role_assignments').selectAll().where('tenant_id', '=', tenantId);
  if (filter.principalId !== undefined) q = q.where('principal_id', '=', filter.principalId);
  if (filter.roleDefinitionId !== undefined) q = q.where('role_definition_id', '=', filter.roleDefinitionId);
  if (filter.directoryScopeId !== undefined) q = q.where('directory_scope_id', '=', filter.directoryScopeId);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function deleteRoleAssignment(ex: Executor, tenantId: string, id: string): Promise<number> {
  const r = await ex.deleteFrom('role_assignments').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}
