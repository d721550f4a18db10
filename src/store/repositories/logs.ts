import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Executor } from '../db.js';
import type { Database, DirectoryAuditsTable, SignInsTable } from '../schema.js';

export type SignInRow = SignInsTable;
export type DirectoryAuditRow = DirectoryAuditsTable;

export interface AuditTarget {
  id: string;
  displayName: string | null;
}

export interface KeysetCursor {
  at: number;
  id: string;
}

export interface LogPageQuery<TB extends 'sign_ins' | 'directory_audits'> {
  tenantId: string;
  where?: (eb: ExpressionBuilder<Database, TB>) => Expression<SqlBool>;
  /** resume strictly after this (time, id) in the requested order */
  after?: KeysetCursor;
  order: 'desc' | 'asc';
  limit: number;
}

export async function insertSignIn(ex: Executor, row: SignInRow): Promise<void> {
  await ex.insertInto('sign_ins').values(row).execute();
}

export async function getSignIn(ex: Executor, tenantId: string, id: string): Promise<SignInRow | undefined> {
  return ex.selectFrom('sign_ins').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** One page of sign-ins in (created_at, id) order; keyset pagination, never OFFSET. */
export async function listSignIns(ex: Executor, q: LogPageQuery<'sign_ins'>): Promise<SignInRow[]> {
  let query = ex.selectFrom('sign_ins').selectAll().where('tenant_id', '=', q.tenantId);
  if (q.where) query = query.where(q.where);
  const after = q.after;
  if (after) {
    const cmp = q.order === 'desc' ? '<' : '>';
    query = query.where((eb) =>
      eb.or([eb('created_at', cmp, after.at), eb.and([eb('created_at', '=', after.at), eb('id', cmp, after.id)])]),
    );
  }
  return query.orderBy('created_at', q.order).orderBy('id', q.order).limit(q.limit).execute();
}

export async function insertDirectoryAudit(ex: Executor, row: DirectoryAuditRow, targets: AuditTarget[]): Promise<void> {
  await ex.insertInto('directory_audits').values(row).execute();
  const seen = new Set<string>();
  const unique = targets.filter((t) => t.id && !seen.has(t.id) && seen.add(t.id));
  if (unique.length > 0) {
    await ex
      .insertInto('audit_targets')
      .values(unique.map((t) => ({ tenant_id: row.tenant_id, audit_id: row.id, target_id: t.id, display_name: t.displayName })))
      .execute();
  }
}

export async function getDirectoryAudit(ex: Executor, tenantId: string, id: string): Promise<DirectoryAuditRow | undefined> {
  return ex.selectFrom('directory_audits').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listDirectoryAudits(ex: Executor, q: LogPageQuery<'directory_audits'>): Promise<DirectoryAuditRow[]> {
  let query = ex.selectFrom('directory_audits').selectAll().where('tenant_id', '=', q.tenantId);
  if (q.where) query = query.where(q.where);
  const after = q.after;
  if (after) {
    const cmp = q.order === 'desc' ? '<' : '>';
    query = query.where((eb) =>
      eb.or([eb('activity_at', cmp, after.at), eb.and([eb('activity_at', '=', after.at), eb('id', cmp, after.id)])]),
    );
  }
  return query.orderBy('activity_at', q.order).orderBy('id', q.order).limit(q.limit).execute();
}
