import { GraphError } from '../errors.js';
import { parseFilter } from '../odata/parser.js';
import { validateFilter, type FilterSpec } from '../odata/validate.js';
import type { FilterNode } from '../odata/ast.js';

/**
 * Reads OData system query options: each at most once, only those the endpoint supports, and no
 * parameter aliases. Anything else is a 400 in Graph's envelope.
 */
export function queryOptions(query: unknown, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const key = rawKey.startsWith('$') ? rawKey.toLowerCase() : rawKey;
    if (key.startsWith('@')) throw new GraphError(400, 'BadRequest', `Parameter aliases such as '${rawKey}' are not supported.`);
    if (!key.startsWith('$')) continue; // non-OData parameters are ignored, as Graph does
    if (Array.isArray(value)) throw new GraphError(400, 'BadRequest', `Query option '${rawKey}' was specified more than once, but it must be specified at most once.`);
    if (!allowed.includes(key)) {
      const name = key.slice(1, 2).toUpperCase() + key.slice(2);
      throw new GraphError(400, 'BadRequest', `Query option '${name}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`);
    }
    out[key] = String(value);
  }
  return out;
}

/** For directory collections: `$filter=appId eq '…'` style equality filters on a few properties. */
export function equalityFilter(filter: string | undefined, spec: FilterSpec): Record<string, string> {
  if (filter === undefined) return {};
  let node: FilterNode;
  try {
    node = validateFilter(parseFilter(filter), spec);
  } catch {
    throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
  }
  const items = node.kind === 'and' ? node.items : [node];
  const out: Record<string, string> = {};
  for (const n of items) {
    if (n.kind !== 'compare' || n.op !== 'eq' || (n.value.kind !== 'string' && n.value.kind !== 'guid')) {
      throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
    }
    out[n.property] = n.value.value;
  }
  return out;
}
