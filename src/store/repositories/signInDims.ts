import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Executor } from '../db.js';
import { dimensionKey } from '../dimensionKey.js';
import type { Database } from '../schema.js';

/**
 * The dimension tables of the sign-in log (see SignInsTable). Rows are immutable and only ever
 * added, so a number once resolved stays valid: both directions are cached in the process.
 */
export type DimTable =
  | 'signin_users' | 'signin_apps' | 'signin_resources' | 'signin_clients' | 'signin_locations' | 'signin_statuses' | 'signin_assessments';

/** Locations and outcomes carry nothing of a tenant's and are shared; the rest are per tenant. */
export const GLOBAL_DIMS: ReadonlySet<DimTable> = new Set(['signin_locations', 'signin_statuses']);

export type DimValues<T extends DimTable> = Omit<Insertable<Database[T]>, 'ref' | 'k' | 'tenant_ref'>;
export type DimRow<T extends DimTable> = Selectable<Database[T]>;

/** A member of an assessment's collections (riskEventTypes_v2, appliedConditionalAccessPolicies). */
export interface AssessmentItem {
  kind: 'risk' | 'policy';
  value: string;
  display_name_lc: string | null;
  result: string | null;
}

const CACHE_MAX = 200_000;
const DAY_MS = 86_400_000;

/** The tenant's dimension tables (purged by last use), children first. */
export const TENANT_DIMS = ['signin_users', 'signin_apps', 'signin_resources', 'signin_clients', 'signin_assessments'] as const;

/**
 * Deletes up to `limit` rows of one of a tenant's dimension tables that no process has used since
 * `beforeDay` (an assessment's items with it); returns how many went.
 */
export async function purgeDimensions(ex: Executor, table: (typeof TENANT_DIMS)[number], tenantRef: number, beforeDay: number, limit: number): Promise<number> {
  const db = ex as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const refs = (await db.selectFrom(table).select('ref').where('tenant_ref', '=', tenantRef).where('last_used_day', '<', beforeDay).limit(limit).execute()).map((r) => Number(r.ref));
  if (refs.length === 0) return 0;
  if (table === 'signin_assessments') await db.deleteFrom('signin_assessment_items').where('assessment_ref', 'in', refs).execute();
  const res = await db.deleteFrom(table).where('ref', 'in', refs).executeTakeFirst();
  return Number(res.numDeletedRows);
}
/** New user or client rows per tenant per minute (per process) that failed, unauthenticated sign-ins may add. */
export const UNTRUSTED_NEW_PER_MINUTE = 300;

export class SignInDimensions {
  /** write side: table, tenant and values → number, and the day this process last stamped it as used */
  private readonly refs = new Map<string, { ref: number; day: number }>();
  /** read side: table and number → row */
  private readonly rows = new Map<string, unknown>();
  private readonly tenants = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly transaction: <R>(fn: (trx: Executor) => Promise<R>) => Promise<R>,
    /** today, as days since the epoch (tests move it) */
    private readonly today: () => number = () => Math.floor(Date.now() / DAY_MS),
  ) {}

  /** The log number of a tenant, created on first use. */
  async tenantRef(tenantId: string): Promise<number> {
    const known = this.tenants.get(tenantId);
    if (known !== undefined) return known;
    await this.db.insertInto('log_tenants').values({ tenant_id: tenantId }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
    return (await this.findTenantRef(tenantId))!;
  }

  /** The log number of a tenant, or undefined when it has never had a sign-in (read side: creates nothing). */
  async findTenantRef(tenantId: string): Promise<number | undefined> {
    const known = this.tenants.get(tenantId);
    if (known !== undefined) return known;
    const row = await this.db.selectFrom('log_tenants').select('ref').where('tenant_id', '=', tenantId).executeTakeFirst();
    if (row) this.tenants.set(tenantId, row.ref);
    return row?.ref;
  }

  /**
   * The number of the row holding these values, added if new (with the assessment's items).
   * `untrusted`: the values come from an unauthenticated caller (a failed sign-in's typed user name
   * and User-Agent); new rows of those are limited per tenant (UNTRUSTED_NEW_PER_MINUTE), beyond which
   * `fallback` is stored instead, so nobody can grow the tables at will.
   */
  async intern<T extends DimTable>(table: T, tenantRef: number, values: DimValues<T>, items: AssessmentItem[] = [], untrusted?: { fallback: DimValues<T> }): Promise<number> {
    const scoped = !GLOBAL_DIMS.has(table);
    const cacheKey = `${table}|${scoped ? tenantRef : ''}|${JSON.stringify(values)}`;
    const today = this.today();
    const known = this.refs.get(cacheKey);
    if (known !== undefined) {
      if (!scoped || known.day === today) return known.ref;
      // once a day a process stamps the rows it uses: the purge removes rows nobody has used for longer
      // than any sign-in that could refer to them is kept; a row already purged is made anew
      if (await this.stamp(table, known.ref, today)) {
        known.day = today;
        return known.ref;
      }
      this.refs.delete(cacheKey);
    }
    if (untrusted && !this.admitUntrusted(`${table}|${tenantRef}`)) return this.intern(table, tenantRef, untrusted.fallback, items);
    const k = dimensionKey(table, values as Record<string, unknown>);
    const ref = await this.transaction(async (trx) => {
      const db = trx as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const stampNew = scoped ? { last_used_day: today } : {};
      const inserted = await db
        .insertInto(table)
        .values({ k, ...(scoped ? { tenant_ref: tenantRef } : {}), ...stampNew, ...values })
        .onConflict((oc) => oc.columns(scoped ? ['tenant_ref', 'k'] : ['k']).doNothing())
        .returning('ref')
        .executeTakeFirst();
      if (inserted) {
        const newRef = Number(inserted.ref);
        if (items.length > 0) await db.insertInto('signin_assessment_items').values(items.map((i) => ({ assessment_ref: newRef, ...i }))).execute();
        return newRef;
      }
      const existing = await db
        .selectFrom(table as string)
        .select('ref')
        .where('k', '=', k)
        .where((eb) => (scoped ? eb('tenant_ref', '=', tenantRef) : eb.lit(true)))
        .executeTakeFirstOrThrow();
      if (scoped) await db.updateTable(table as string).set({ last_used_day: today }).where('ref', '=', existing.ref).where('last_used_day', '<', today).execute();
      return Number(existing.ref);
    });
    if (this.refs.size >= CACHE_MAX) this.refs.clear();
    this.refs.set(cacheKey, { ref, day: today });
    return ref;
  }

  /** Marks a row as used today; false when the row is gone (purged). */
  private async stamp(table: DimTable, ref: number, today: number): Promise<boolean> {
    const db = this.db as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await db.updateTable(table).set({ last_used_day: today }).where('ref', '=', ref).where('last_used_day', '<', today).executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) return true;
    return (await db.selectFrom(table).select('ref').where('ref', '=', ref).executeTakeFirst()) !== undefined;
  }

  private readonly untrustedBudget = new Map<string, { windowStart: number; used: number }>();

  /** One more new row from an unauthenticated caller for this table and tenant, within the minute's budget? */
  private admitUntrusted(key: string): boolean {
    const now = Date.now();
    let b = this.untrustedBudget.get(key);
    if (!b || now - b.windowStart >= 60_000) {
      if (this.untrustedBudget.size > 10_000) this.untrustedBudget.clear();
      b = { windowStart: now, used: 0 };
      this.untrustedBudget.set(key, b);
    }
    if (b.used >= UNTRUSTED_NEW_PER_MINUTE) return false;
    b.used++;
    return true;
  }

  /** The rows behind these numbers (unknown numbers are simply absent). */
  async load<T extends DimTable>(table: T, refs: Iterable<number | null>): Promise<Map<number, DimRow<T>>> {
    const out = new Map<number, DimRow<T>>();
    const wanted = new Set<number>();
    for (const ref of refs) {
      if (ref === null || out.has(ref)) continue;
      const row = this.rows.get(`${table}|${ref}`) as DimRow<T> | undefined;
      if (row) out.set(ref, row);
      else wanted.add(ref);
    }
    const missing = [...wanted];
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      const db = this.db as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const found = (await db.selectFrom(table).selectAll().where('ref', 'in', chunk).execute()) as DimRow<T>[];
      if (this.rows.size + found.length >= CACHE_MAX) this.rows.clear();
      for (const row of found) {
        const ref = Number((row as { ref: number }).ref);
        this.rows.set(`${table}|${ref}`, row);
        out.set(ref, row);
      }
    }
    return out;
  }
}
