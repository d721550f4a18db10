import type { Executor } from '../db.js';
import type { Insertable, Selectable } from 'kysely';
import type { DomainsTable, TenantsTable } from '../schema.js';

export type TenantRow = Selectable<TenantsTable>;
export type DomainRow = DomainsTable;

export async function insertTenant(ex: Executor, row: Insertable<TenantsTable>): Promise<void> {
  await ex.insertInto('tenants').values(row).execute();
}

export async function getTenant(ex: Executor, tenantId: string): Promise<TenantRow | undefined> {
  return ex.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
}

export async function setTenantLicense(ex: Executor, tenantId: string, license: TenantRow['license']): Promise<void> {
  await ex.updateTable('tenants').set({ license }).where('id', '=', tenantId).execute();
}

export async function insertDomain(ex: Executor, row: DomainRow): Promise<void> {
  await ex.insertInto('domains').values({ ...row, name: row.name.toLowerCase() }).execute();
}

export async function findDomain(ex: Executor, name: string): Promise<DomainRow | undefined> {
  return ex.selectFrom('domains').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
}

export async function listDomains(ex: Executor, tenantId: string): Promise<DomainRow[]> {
  return ex.selectFrom('domains').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
}

export async function listTenants(ex: Executor): Promise<TenantRow[]> {
  return ex.selectFrom('tenants').selectAll().orderBy('created_at').execute();
}

/** The tenant owning a domain name, in one query. */
export async function findTenantByDomain(ex: Executor, name: string): Promise<TenantRow | undefined> {
  return ex
    .selectFrom('domains')
    .innerJoin('tenants', 'tenants.id', 'domains.tenant_id')
    .selectAll('tenants')
    .where('domains.name', '=', name.toLowerCase())
    .executeTakeFirst();
}

/** Marks the tenant's directory as changed; call it in the transaction of the change. */
export async function bumpDirectoryVersion(ex: Executor, tenantId: string): Promise<void> {
  await ex.updateTable('tenants').set((eb) => ({ directory_version: eb('directory_version', '+', 1) })).where('id', '=', tenantId).execute();
}
