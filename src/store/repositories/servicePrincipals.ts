import type { Executor } from '../db.js';
import type { AppRoleAssignmentsTable, PermissionGrantsTable, ServicePrincipalsTable } from '../schema.js';

export type ServicePrincipalRow = ServicePrincipalsTable;
export type AppRoleAssignmentRow = AppRoleAssignmentsTable;
export type PermissionGrantRow = PermissionGrantsTable;

export async function insertServicePrincipal(ex: Executor, row: ServicePrincipalRow): Promise<void> {
  await ex.insertInto('service_principals').values(row).execute();
}

export async function getServicePrincipal(ex: Executor, tenantId: string, id: string): Promise<ServicePrincipalRow | undefined> {
  return ex.selectFrom('service_principals').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findServicePrincipalByAppId(ex: Executor, tenantId: string, appId: string): Promise<ServicePrincipalRow | undefined> {
  return ex.selectFrom('service_principals').selectAll().where('tenant_id', '=', tenantId).where('app_id', '=', appId).executeTakeFirst();
}

export async function listServicePrincipals(
  ex: Executor,
  tenantId: string,
  opts: { appId?: string; limit: number },
): Promise<ServicePrincipalRow[]> {
  let q = ex.selectFrom('service_principals').selectAll().where('tenant_id', '=', tenantId);
  if (opts.appId !== undefined) q = q.where('app_id', '=', opts.appId);
  return q.orderBy('created_at').orderBy('id').limit(opts.limit).execute();
}

/**
 * Deletes the app's service principals with everything that refers to them: app role assignments
 * held by them or granted on them as the resource, delegated grants as client or resource, and their
 * directory role assignments. Run it inside the caller's transaction so nothing dangles.
 */
export async function deleteServicePrincipalsOfApp(ex: Executor, tenantId: string, appId: string): Promise<void> {
  const sps = await ex.selectFrom('service_principals').select('id').where('tenant_id', '=', tenantId).where('app_id', '=', appId).execute();
  for (const sp of sps) {
    await ex
      .deleteFrom('app_role_assignments')
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('principal_id', '=', sp.id), eb('resource_id', '=', sp.id)]))
      .execute();
    await ex
      .deleteFrom('permission_grants')
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('client_id', '=', sp.id), eb('resource_id', '=', sp.id)]))
      .execute();
    await ex.deleteFrom('role_assignments').where('tenant_id', '=', tenantId).where('principal_id', '=', sp.id).execute();
    await ex.deleteFrom('service_principals').where('tenant_id', '=', tenantId).where('id', '=', sp.id).execute();
  }
}

export async function insertAppRoleAssignment(ex: Executor, row: AppRoleAssignmentRow): Promise<void> {
  await ex.insertInto('app_role_assignments').values(row).execute();
}

export async function getAppRoleAssignment(ex: Executor, tenantId: string, id: string): Promise<AppRoleAssignmentRow | undefined> {
  return ex.selectFrom('app_role_assignments').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listAppRoleAssignmentsToResource(ex: Executor, tenantId: string, resourceId: string): Promise<AppRoleAssignmentRow[]> {
  return ex
    .selectFrom('app_role_assignments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('resource_id', '=', resourceId)
    .orderBy('created_at')
    .execute();
}

export async function listAppRoleAssignmentsOfPrincipal(ex: Executor, tenantId: string, principalId: string): Promise<AppRoleAssignmentRow[]> {
  return ex
    .selectFrom('app_role_assignments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('principal_id', '=', principalId)
    .orderBy('created_at')
    .execute();
}

export async function deleteAppRoleAssignment(ex: Executor, tenantId: string, id: string): Promise<void> {
  await ex.deleteFrom('app_role_assignments').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function insertPermissionGrant(ex: Executor, row: PermissionGrantRow): Promise<void> {
  await ex.insertInto('permission_grants').values(row).execute();
}

export async function listPermissionGrants(
  ex: Executor,
  tenantId: string,
  filter: { clientId?: string; resourceId?: string } = {},
): Promise<PermissionGrantRow[]> {
  let q = ex.selectFrom('permission_grants').selectAll().where('tenant_id', '=', tenantId);
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId);
  if (filter.resourceId !== undefined) q = q.where('resource_id', '=', filter.resourceId);
  return q.orderBy('created_at').execute();
}

/** Widens or narrows an existing delegated grant's scopes. */
export async function updatePermissionGrantScope(ex: Executor, tenantId: string, id: string, scope: string): Promise<void> {
  await ex.updateTable('permission_grants').set({ scope }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function getPermissionGrant(ex: Executor, tenantId: string, id: string): Promise<PermissionGrantRow | undefined> {
  return ex.selectFrom('permission_grants').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function deletePermissionGrant(ex: Executor, tenantId: string, id: string): Promise<void> {
  await ex.deleteFrom('permission_grants').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/**
 * Serialises writes that read-then-write one client's grants (consent): on PostgreSQL the client's
 * service principal row is locked until the transaction ends; SQLite transactions are already
 * serial (BEGIN IMMEDIATE).
 */
export async function lockServicePrincipal(ex: Executor, engine: 'sqlite' | 'postgres', tenantId: string, id: string): Promise<void> {
  if (engine !== 'postgres') return;
  await ex.selectFrom('service_principals').select('id').where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().execute();
}
