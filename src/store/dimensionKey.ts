import { createHash } from 'node:crypto';

/**
 * The identity of a dimension row: 128 bits of SHA-256 over its table and values, so equal values
 * share one row and the unique index stays small whatever the values' length.
 */
export function dimensionKey(table: string, values: Record<string, unknown>): string {
  const h = createHash('sha256').update(table);
  for (const [name, v] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update('\u0000').update(name).update('\u0001').update(v === null || v === undefined ? '\u0002' : String(v));
  return h.digest('base64url').slice(0, 22);
}
