import { sql, type Expression, type SqlBool } from 'kysely';
import type { FilterNode, Literal } from '../graph/odata/ast.js';
import { ODataError } from '../graph/odata/errors.js';

/**
 * Turns a validated $filter tree into a SQL boolean expression. Column names come only from the
 * mapping below (never from the request) and every literal is a bound parameter.
 */
export interface ColumnMapping {
  column: string;
  /** lower-case the literal: the column is stored lower-cased (userPrincipalName, GUIDs) */
  lowerLiteral?: boolean;
  /** compare case-insensitively (lower() on both sides) */
  caseInsensitive?: boolean;
}

export interface LambdaMapping {
  /** builds the SQL for one comparison inside collection/any(t: …), relative property → expression */
  element: Record<string, ColumnMapping>;
  /** wraps the element predicate; e.g. an EXISTS over a child table, or identity for single-valued columns */
  wrap: (predicate: Expression<SqlBool>) => Expression<SqlBool>;
}

export interface TableMapping {
  fields: Record<string, ColumnMapping>;
  collections: Record<string, LambdaMapping>;
}

function literalValue(lit: Literal, m: ColumnMapping): string | number | boolean | null {
  switch (lit.kind) {
    case 'string':
    case 'guid':
      return m.lowerLiteral || m.caseInsensitive ? lit.value.toLowerCase() : lit.value;
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

const OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function columnExpr(m: ColumnMapping) {
  return m.caseInsensitive ? sql`lower(${sql.ref(m.column)})` : sql.ref(m.column);
}

function translate(node: FilterNode, fields: Record<string, ColumnMapping>, collections: Record<string, LambdaMapping>): Expression<SqlBool> {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = node.items.map((n) => translate(n, fields, collections));
      const joiner = node.kind === 'and' ? sql` and ` : sql` or `;
      return sql<SqlBool>`(${sql.join(parts, joiner)})`;
    }
    case 'not':
      return sql<SqlBool>`(not ${translate(node.operand, fields, collections)})`;
    case 'compare': {
      const m = fields[node.property];
      if (!m) throw new ODataError(`no column for ${node.property}`);
      const v = literalValue(node.value, m);
      if (v === null) return node.op === 'eq' ? sql<SqlBool>`(${sql.ref(m.column)} is null)` : sql<SqlBool>`(${sql.ref(m.column)} is not null)`;
      if (node.op === 'ne') return sql<SqlBool>`(${columnExpr(m)} <> ${v} or ${sql.ref(m.column)} is null)`;
      return sql<SqlBool>`(${columnExpr(m)} ${sql.raw(OPS[node.op])} ${v})`;
    }
    case 'function': {
      const m = fields[node.property];
      if (!m || node.value.kind !== 'string') throw new ODataError(`no column for ${node.property}`);
      const text = escapeLike(String(literalValue(node.value, { ...m, caseInsensitive: true })));
      const pattern = node.name === 'startswith' ? `${text}%` : node.name === 'endswith' ? `%${text}` : `%${text}%`;
      return sql<SqlBool>`(lower(${sql.ref(m.column)}) like ${pattern} escape '\\')`;
    }
    case 'any': {
      const lambda = collections[node.collection];
      if (!lambda) throw new ODataError(`no mapping for ${node.collection}`);
      return lambda.wrap(translate(node.predicate, lambda.element, {}));
    }
  }
}

export function filterToSql(node: FilterNode, mapping: TableMapping): Expression<SqlBool> {
  return translate(node, mapping.fields, mapping.collections);
}
