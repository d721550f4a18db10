import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Executor } from '../db.js';
import type { Database, DirectoryAuditsTable, SignInsTable } from '../schema.js';

/** A sign-in as stored: the fact row, its dimensions by number. */
export type SignInRow = Selectable<SignInsTable>;
export type NewSignInRow = Insertable<SignInsTable>;
export type DirectoryAuditRow = DirectoryAuditsTable;

export interface AuditTarget {
  id: string;
  displayName: string | null;
}

export interface KeysetCursor {
  at: number;
  /** seq for sign-ins, id for directory audits */
  id: string | number;
}

export interface LogPageQuery<TB extends 'sign_ins' | 'directory_audits'> {
  where?: (eb: ExpressionBuilder<Database, TB>) => Expression<SqlBool>;
  /** resume strictly after this position in the requested order */
  after?: KeysetCursor;
  /** nothing older than this (retention), epoch ms */
  floor: number;
  order: 'desc' | 'asc';
  limit: number;
}

export async function insertSignIn(ex: Executor, row: NewSignInRow): Promise<void> {
  await ex.insertInto('sign_ins').values(row).execute();
}

export async function getSignIn(ex: Executor, tenantRef: number, id: string, floor: number): Promise<SignInRow | undefined> {
  return ex.selectFrom('sign_ins').selectAll().where('tenant_ref', '=', tenantRef).where('id', '=', id).where('created_at', '>=', floor).executeTakeFirst();
}

/** One page of sign-ins in (created_at, seq) order; keyset pagination, never OFFSET. */
export async function listSignIns(ex: Executor, tenantRef: number, q: LogPageQuery<'sign_ins'>): Promise<SignInRow[]> {
  let query = ex.selectFrom('sign_ins').selectAll().where('tenant_ref', '=', tenantRef).where('created_at', '>=', q.floor);
  if (q.where) query = query.where(q.where);
  const after = q.after;
  if (after) {
    // a row-value comparison: both engines run it as one index range (an OR of the two cases they do not)
    const seq = Number(after.id);
    query = query.where(q.order === 'desc' ? sql<SqlBool>`(created_at, seq) < (${after.at}, ${seq})` : sql<SqlBool>`(created_at, seq) > (${after.at}, ${seq})`);
  }
  return query.orderBy('created_at', q.order).orderBy('seq', q.order).limit(q.limit).execute();
}

/** Deletes up to `limit` sign-ins of a tenant older than `before`; returns how many went. */
export async function purgeSignIns(ex: Executor, tenantRef: number, before: number, limit: number): Promise<number> {
  let deleted = 0;
  // per event type, so each search runs down the (tenant, event_type, created_at) index
  for (const eventType of [0, 1, 2, 3]) {
    const victims = ex.selectFrom('sign_ins').select('seq').where('tenant_ref', '=', tenantRef).where('event_type', '=', eventType)
      .where('created_at', '<', before).orderBy('created_at').limit(limit - deleted);
    deleted += Number((await ex.deleteFrom('sign_ins').where('seq', 'in', victims).executeTakeFirst()).numDeletedRows);
    if (deleted >= limit) break;
  }
  return deleted;
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

export async function getDirectoryAudit(ex: Executor, tenantId: string, id: string, floor: number): Promise<DirectoryAuditRow | undefined> {
  return ex.selectFrom('directory_audits').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).where('activity_at', '>=', floor).executeTakeFirst();
}

/** Deletes up to `limit` audit records of a tenant older than `before` (and their targets). */
export async function purgeDirectoryAudits(ex: Executor, tenantId: string, before: number, limit: number): Promise<number> {
  const ids = (await ex.selectFrom('directory_audits').select('id').where('tenant_id', '=', tenantId).where('activity_at', '<', before).limit(limit).execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  await ex.deleteFrom('audit_targets').where('tenant_id', '=', tenantId).where('audit_id', 'in', ids).execute();
  const res = await ex.deleteFrom('directory_audits').where('tenant_id', '=', tenantId).where('id', 'in', ids).executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function listDirectoryAudits(ex: Executor, tenantId: string, q: LogPageQuery<'directory_audits'>): Promise<DirectoryAuditRow[]> {
  let query = ex.selectFrom('directory_audits').selectAll().where('tenant_id', '=', tenantId).where('activity_at', '>=', q.floor);
  if (q.where) query = query.where(q.where);
  const after = q.after;
  if (after) {
    const id = String(after.id);
    query = query.where(q.order === 'desc' ? sql<SqlBool>`(activity_at, id) < (${after.at}, ${id})` : sql<SqlBool>`(activity_at, id) > (${after.at}, ${id})`);
  }
  return query.orderBy('activity_at', q.order).orderBy('id', q.order).limit(q.limit).execute();
}
