import type { Executor } from '../db.js';
import type { ApplicationsTable, PasswordCredentialsTable } from '../schema.js';

export type ApplicationRow = ApplicationsTable;
export type PasswordCredentialRow = PasswordCredentialsTable;

export async function insertApplication(ex: Executor, row: ApplicationRow): Promise<void> {
  await ex.insertInto('applications').values(row).execute();
}

export async function getApplication(ex: Executor, tenantId: string, id: string): Promise<ApplicationRow | undefined> {
  return ex.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findApplicationByAppId(ex: Executor, tenantId: string, appId: string): Promise<ApplicationRow | undefined> {
  return ex.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId).where('app_id', '=', appId).executeTakeFirst();
}

export async function listApplications(
  ex: Executor,
  tenantId: string,
  opts: { displayName?: string; appId?: string; limit: number },
): Promise<ApplicationRow[]> {
  let q = ex.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId);
  if (opts.displayName !== undefined) q = q.where('display_name', '=', opts.displayName);
  if (opts.appId !== undefined) q = q.where('app_id', '=', opts.appId);
  return q.orderBy('created_at').orderBy('id').limit(opts.limit).execute();
}

export async function updateApplication(
  ex: Executor,
  tenantId: string,
  id: string,
  patch: Partial<Pick<ApplicationRow, 'display_name' | 'sign_in_audience' | 'is_fallback_public_client' | 'body'>>,
): Promise<void> {
  await ex.updateTable('applications').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function deleteApplication(ex: Executor, tenantId: string, id: string): Promise<void> {
  await ex.deleteFrom('password_credentials').where('tenant_id', '=', tenantId).where('application_id', '=', id).execute();
  await ex.deleteFrom('applications').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function insertPasswordCredential(ex: Executor, row: PasswordCredentialRow): Promise<void> {
  await ex.insertInto('password_credentials').values(row).execute();
}

export async function listPasswordCredentials(ex: Executor, tenantId: string, applicationId: string): Promise<PasswordCredentialRow[]> {
  return ex
    .selectFrom('password_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .orderBy('start_at')
    .execute();
}

/** The credentials of several applications at once, in start order (bound parameters in chunks). */
export async function listPasswordCredentialsOf(ex: Executor, tenantId: string, applicationIds: readonly string[]): Promise<PasswordCredentialRow[]> {
  const out: PasswordCredentialRow[] = [];
  for (let i = 0; i < applicationIds.length; i += 500) {
    const chunk = applicationIds.slice(i, i + 500);
    out.push(
      ...(await ex
        .selectFrom('password_credentials')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('application_id', 'in', chunk)
        .orderBy('start_at')
        .execute()),
    );
  }
  return out;
}

export async function deletePasswordCredential(ex: Executor, tenantId: string, applicationId: string, keyId: string): Promise<number> {
  const r = await ex
    .deleteFrom('password_credentials')
    .where('tenant_id', '=', tenantId)
    .where('application_id', '=', applicationId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
