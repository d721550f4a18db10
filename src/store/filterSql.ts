import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database } from './schema.js';
import type { FilterNode, Literal } from '../graph/odata/ast.js';
import { ODataError } from '../graph/odata/errors.js';

/**
 * Turns a validated $filter tree into a SQL boolean expression. Column and table names come only
 * from the mappings below (never from the request) and every literal is a bound parameter.
 *
 * Case-insensitive properties are stored twice, as written and lower-cased by JavaScript when the
 * row is written; the literal is lower-cased the same way. Comparisons are then exact on both
 * engines, so SQLite and PostgreSQL answer every filter identically (their own lower() and LIKE
 * disagree outside ASCII).
 */
export interface ColumnMapping {
  /** a column of the queried table, or of the dimension table when `dim` is set */
  column: string;
  /** the property lives in a dimension table, referenced by number from the queried table */
  dim?: { table: string; ref: string; tenantScoped: boolean };
  /** the column holds lower-cased text: lower-case the literal, and startswith is case-insensitive */
  lowerLiteral?: boolean;
  /** enum literal → the number stored */
  values?: Readonly<Record<string, number>>;
  /** the column may be NULL */
  nullable?: boolean;
  /** the property has this value on every row (nothing stored) */
  constant?: string;
  /** what a record without this dimension row shows for the property (e.g. "" for a location's city) */
  absentAs?: string;
}

export interface LambdaMapping {
  /** one comparison inside collection/any(t: …), relative property → column */
  element: Record<string, ColumnMapping>;
  /** wraps the element predicate; e.g. an EXISTS over a child table, or identity for single-valued columns */
  wrap: (predicate: Expression<SqlBool>) => Expression<SqlBool>;
}

export interface TableMapping {
  fields: Record<string, ColumnMapping>;
  collections: Record<string, LambdaMapping>;
}

export interface FilterContext {
  /** the tenant's number in tenant-scoped dimension tables */
  tenantRef?: number;
  /**
   * The dimension rows each dimension comparison matches, looked up beforehand
   * (resolveDimensions): the comparison then becomes `ref in (…)` over a short list of numbers,
   * which the planners estimate well, instead of a subquery they cannot see into.
   */
  refs?: ReadonlyMap<FilterNode, readonly number[]>;
  /** columns to test as `+column`: the same test, but no index can serve it (steers both planners away) */
  unindexed?: ReadonlySet<string>;
  /** conditions already decided for this query (e.g. on the event type it is run for): written as constants */
  decided?: (node: FilterNode) => boolean | undefined;
}

/** Up to this many matching dimension rows, an index on the reference may serve the comparison. */
export const INDEXED_LIST_MAX = 4;

/** Beyond this many matching dimension rows a comparison stays a subquery. */
export const MAX_LISTED_REFS = 500;
/** At most this many numbers listed in one filter, whatever its number of comparisons. */
export const MAX_LISTED_TOTAL = 2000;

/**
 * Looks up, for every comparison on a dimension property, the numbers of the dimension rows it
 * matches (at most MAX_LISTED_REFS + 1 of them; more means "too many to list").
 */
export async function resolveDimensions(db: Kysely<Database>, node: FilterNode, mapping: TableMapping, ctx: FilterContext): Promise<Map<FilterNode, number[]>> {
  const out = new Map<FilterNode, number[]>();
  let listed = 0;
  const visit = async (n: FilterNode, fields: Record<string, ColumnMapping>): Promise<void> => {
    switch (n.kind) {
      case 'and':
      case 'or':
        for (const item of n.items) await visit(item, fields);
        return;
      case 'not':
        return visit(n.operand, fields);
      case 'any':
        return; // lambdas run over their own child tables
      case 'compare':
      case 'function': {
        const m = fields[n.property];
        if (!m?.dim || (n.kind === 'compare' && n.value.kind === 'null')) return;
        const tenant = m.dim.tenantScoped ? sql`tenant_ref = ${ctx.tenantRef ?? -1} and ` : sql``;
        const r = await sql<{ ref: number }>`select ref from ${sql.table(m.dim.table)} where ${tenant}${columnTest(n, m)} limit ${MAX_LISTED_REFS + 1}`.execute(db);
        // all lists of one filter together stay far below the engines' bind-parameter limits
        // (PostgreSQL 65,535, SQLite 32,766); beyond the budget a comparison stays a subquery
        if (r.rows.length <= MAX_LISTED_REFS && listed + r.rows.length <= MAX_LISTED_TOTAL) {
          listed += r.rows.length;
          out.set(n, r.rows.map((x) => Number(x.ref)));
        }
      }
    }
  };
  await visit(node, mapping.fields);
  return out;
}

function literalValue(lit: Literal, m: ColumnMapping): string | number | null {
  switch (lit.kind) {
    case 'string':
    case 'guid': {
      if (m.values) {
        const code = m.values[lit.value];
        if (code === undefined) throw new ODataError(`no stored value for ${lit.value}`);
        return code;
      }
      return m.lowerLiteral ? lit.value.toLowerCase() : lit.value;
    }
    case 'number':
      return lit.value;
    case 'boolean':
      return lit.value ? 1 : 0;
    case 'datetime':
      return lit.epochMs;
    case 'null':
      return null;
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const TRUE = sql<SqlBool>`(1 = 1)`;
const FALSE = sql<SqlBool>`(1 = 0)`;

const OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** The test on the column itself (in its own table); op 'ne' is handled by the caller. */
function columnTest(node: Extract<FilterNode, { kind: 'compare' | 'function' }>, m: ColumnMapping, ctx: FilterContext = {}): Expression<SqlBool> {
  const col = ctx.unindexed?.has(m.column) ? sql`+${sql.ref(m.column)}` : sql.ref(m.column);
  if (node.kind === 'function') {
    if (node.value.kind !== 'string') throw new ODataError(`${node.name} needs a string`);
    const text = String(literalValue(node.value, m));
    if (m.lowerLiteral) {
      const pattern = node.name === 'startswith' ? `${escapeLike(text)}%` : node.name === 'endswith' ? `%${escapeLike(text)}` : `%${escapeLike(text)}%`;
      return sql<SqlBool>`(${col} like ${pattern} escape '\\')`;
    }
    // case-sensitive: compare characters, not LIKE (SQLite's LIKE ignores ASCII case, PostgreSQL's does not)
    const n = Array.from(text).length;
    if (node.name === 'startswith') return sql<SqlBool>`(substr(${col}, 1, ${n}) = ${text})`;
    if (node.name === 'endswith') return sql<SqlBool>`(length(${col}) >= ${n} and substr(${col}, length(${col}) - ${n - 1}) = ${text})`;
    throw new ODataError(`${node.name} is not supported on case-sensitive ${m.column}`);
  }
  const v = literalValue(node.value, m);
  if (v === null) return node.op === 'eq' ? sql<SqlBool>`(${col} is null)` : sql<SqlBool>`(${col} is not null)`;
  const op = node.op === 'ne' ? 'eq' : node.op;
  return sql<SqlBool>`(${col} ${sql.raw(OPS[op])} ${v})`;
}

function translate(node: FilterNode, fields: Record<string, ColumnMapping>, collections: Record<string, LambdaMapping>, ctx: FilterContext): Expression<SqlBool> {
  const decided = ctx.decided?.(node);
  if (decided !== undefined) return decided ? TRUE : FALSE;
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = node.items.map((n) => translate(n, fields, collections, ctx));
      const joiner = node.kind === 'and' ? sql` and ` : sql` or `;
      return sql<SqlBool>`(${sql.join(parts, joiner)})`;
    }
    case 'not':
      return sql<SqlBool>`(not ${translate(node.operand, fields, collections, ctx)})`;
    case 'compare':
    case 'function': {
      const m = fields[node.property];
      if (!m) throw new ODataError(`no column for ${node.property}`);
      const negate = node.kind === 'compare' && node.op === 'ne';
      if (m.constant !== undefined) return constantTest(node, m.constant) ? TRUE : FALSE;
      if (m.dim) {
        // the property is in a dimension table: the rows whose number is among the matching ones
        const ref = sql.ref(m.dim.ref);
        if (node.kind === 'compare' && node.value.kind === 'null') {
          // null: no dimension row at all, or one whose column is null (a failed sign-in's user has no display name)
          const tenantNull = m.dim.tenantScoped ? sql`tenant_ref = ${ctx.tenantRef ?? -1} and ` : sql``;
          const nullRows = sql`(select ref from ${sql.table(m.dim.table)} where ${tenantNull}${sql.ref(m.column)} is null)`;
          return node.op === 'eq'
            ? sql<SqlBool>`(${ref} is null or +${ref} in ${nullRows})`
            : sql<SqlBool>`(${ref} is not null and +${ref} not in ${nullRows})`;
        }
        const listed = ctx.refs?.get(node);
        // a row without this dimension shows `absentAs` (e.g. a location's city reads ""): it matches as that
        const absent = m.absentAs !== undefined && matchesValue(node, m.absentAs, m);
        const absentRows = negate ? !absent : absent;
        if (listed && listed.length === 0) return absentRows ? sql<SqlBool>`(${ref} is null)` : negate ? sql<SqlBool>`(${ref} is not null)` : FALSE;
        const tenant = m.dim.tenantScoped ? sql`tenant_ref = ${ctx.tenantRef ?? -1} and ` : sql``;
        const matching = listed && listed.length <= MAX_LISTED_REFS
          ? sql`(${sql.join(listed.map((r) => sql`${r}`))})`
          : sql`(select ref from ${sql.table(m.dim.table)} where ${tenant}${columnTest(node, m)})`;
        // Many numbers: walking the time index and testing each row beats gathering and sorting all of
        // their rows, so the test is written where no index can serve it (`+ref`), on both engines.
        const test = listed && listed.length <= INDEXED_LIST_MAX ? ref : sql`+${ref}`;
        const hit = negate ? sql`${test} not in ${matching}` : sql`${test} in ${matching}`;
        return absentRows ? sql<SqlBool>`(${ref} is null or ${hit})` : sql<SqlBool>`(${ref} is not null and ${hit})`;
      }
      const test = columnTest(node, m, ctx);
      if (node.kind === 'compare' && node.value.kind === 'null') return test;
      if (negate) return m.nullable ? sql<SqlBool>`(${sql.ref(m.column)} is null or not ${test})` : sql<SqlBool>`(not ${test})`;
      return m.nullable ? sql<SqlBool>`(${sql.ref(m.column)} is not null and ${test})` : test;
    }
    case 'any': {
      const lambda = collections[node.collection];
      if (!lambda) throw new ODataError(`no mapping for ${node.collection}`);
      return lambda.wrap(translate(node.predicate, lambda.element, {}, ctx));
    }
  }
}

/** Whether a comparison holds for a record whose property reads `value` (literals as the column stores them). */
function matchesValue(node: Extract<FilterNode, { kind: 'compare' | 'function' }>, value: string, m: ColumnMapping): boolean {
  if (node.value.kind !== 'string') return node.kind === 'compare' && node.op === 'ne';
  const lit = m.lowerLiteral ? node.value.value.toLowerCase() : node.value.value;
  const v = m.lowerLiteral ? value.toLowerCase() : value;
  if (node.kind === 'function') return node.name === 'startswith' ? v.startsWith(lit) : node.name === 'endswith' ? v.endsWith(lit) : v.includes(lit);
  return node.op === 'ne' ? v !== lit : node.op === 'eq' ? v === lit : false;
}

/** A comparison against a property every row has the same value of, decided here. */
function constantTest(node: Extract<FilterNode, { kind: 'compare' | 'function' }>, value: string): boolean {
  if (node.value.kind !== 'string') return node.kind === 'compare' && node.op === 'ne';
  const lit = node.value.value;
  if (node.kind === 'function') return node.name === 'startswith' ? value.startsWith(lit) : node.name === 'endswith' ? value.endsWith(lit) : value.includes(lit);
  switch (node.op) {
    case 'eq': return value === lit;
    case 'ne': return value !== lit;
    case 'gt': return value > lit;
    case 'ge': return value >= lit;
    case 'lt': return value < lit;
    case 'le': return value <= lit;
  }
}

export function filterToSql(node: FilterNode, mapping: TableMapping, ctx: FilterContext = {}): Expression<SqlBool> {
  return translate(node, mapping.fields, mapping.collections, ctx);
}
