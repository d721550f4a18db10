import type { Executor } from '../db.js';
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
