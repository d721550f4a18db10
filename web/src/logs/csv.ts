/**
 * Flattening of log records (nested objects → dotted key paths) and CSV text (RFC 4180, with
 * spreadsheet formulas defused), shared by the activity-log pages' details and downloads.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A leaf of a flattened record: its dotted path and its value (a scalar, or an array kept whole). */
export interface FlatEntry {
  path: string;
  value: Json;
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The leaves of a record in property order: nested objects become dotted paths
 * (`status.errorCode`, `location.geoCoordinates.latitude`); arrays and scalars are leaves.
 * An empty object is a leaf of its own (`{}`) so that no property disappears.
 */
export function flatten(record: unknown, prefix = ''): FlatEntry[] {
  if (!isObject(record)) return prefix ? [{ path: prefix, value: (record ?? null) as Json }] : [];
  const keys = Object.keys(record);
  if (keys.length === 0) return prefix ? [{ path: prefix, value: {} }] : [];
  const out: FlatEntry[] = [];
  for (const k of keys) {
    const path = prefix ? `${prefix}.${k}` : k;
    const v = record[k];
    if (isObject(v)) out.push(...flatten(v, path));
    else out.push({ path, value: v === undefined ? null : v });
  }
  return out;
}

/** A leaf as cell text: strings as they are, arrays and empty objects as JSON, null as empty. */
export function cellText(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that a spreadsheet would run as a formula gets a leading `'`. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The cell for a leaf: numbers and booleans as they are, any text defused, then quoted as needed. */
export function csvCell(value: Json): string {
  const text = cellText(value);
  return csvField(typeof value === 'number' || typeof value === 'boolean' ? text : defuseFormula(text));
}

/** The columns of the records: every flattened path, in the order first seen. */
export function csvColumns(records: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const e of flatten(r)) seen.add(e.path);
  return [...seen];
}

/**
 * CSV of the records: a header row of the flattened column paths, then one row per record (a
 * missing path is an empty cell). Lines end with CRLF, as RFC 4180 has it.
 */
export function toCsv(records: readonly unknown[]): string {
  const columns = csvColumns(records);
  if (columns.length === 0) return '';
  const lines = [columns.map((c) => csvField(defuseFormula(c))).join(',')];
  for (const r of records) {
    const byPath = new Map(flatten(r).map((e) => [e.path, e.value]));
    lines.push(columns.map((c) => (byPath.has(c) ? csvCell(byPath.get(c)!) : '')).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
