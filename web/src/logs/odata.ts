/**
 * OData `$filter` pieces for the activity-log pages (`/auditLogs/signIns`, `/auditLogs/directoryAudits`):
 * string literals, DateTimeOffset literals, the date-range clause, and the list URL.
 */

/** A quoted OData string literal: `'` is doubled (`o'brien` → `'o''brien'`). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An unquoted DateTimeOffset literal in UTC, to the second (`2025-01-02T03:04:05Z`). */
export function odataDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The non-empty clauses joined with ` and ` (empty string for none). */
export function joinAnd(clauses: (string | null | undefined | false)[]): string {
  return clauses.filter((c): c is string => typeof c === 'string' && c !== '').join(' and ');
}

/** `startswith(<property>,'<value>')` for a trimmed, non-empty value; else null. */
export function startsWith(property: string, value: string): string | null {
  const v = value.trim();
  return v ? `startswith(${property},${odataString(v)})` : null;
}

export type DatePreset = '24h' | '7d' | '30d' | 'custom';

export interface DateRange {
  preset: DatePreset;
  /** `YYYY-MM-DD` (local day), for `custom` only */
  from: string;
  /** `YYYY-MM-DD` (local day, inclusive), for `custom` only */
  to: string;
}

export const DEFAULT_DATE_RANGE: DateRange = { preset: '24h', from: '', to: '' };

export const DATE_PRESETS: { value: DatePreset; label: string }[] = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom time interval' },
];

const HOUR_MS = 3600 * 1000;
const PRESET_MS: Record<Exclude<DatePreset, 'custom'>, number> = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS };
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The instants a date range covers: presets end at `now`; a custom range runs from the start of `from` to the end of `to`, local time. */
export function dateRangeBounds(range: DateRange, now: Date): { from: Date; to: Date } | { problem: string } {
  if (range.preset !== 'custom') return { from: new Date(now.getTime() - PRESET_MS[range.preset]), to: now };
  if (!DAY_RE.test(range.from) || !DAY_RE.test(range.to)) return { problem: 'Enter a start and an end date for the custom time interval.' };
  const from = new Date(`${range.from}T00:00:00`);
  const to = new Date(`${range.to}T23:59:59`);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return { problem: 'Enter valid dates for the custom time interval.' };
  if (to.getTime() < from.getTime()) return { problem: 'The end date must not be before the start date.' };
  return { from, to };
}

/** `<property> ge <from> and <property> le <to>`, or why the range is not usable. */
export function dateRangeClause(property: string, range: DateRange, now: Date): { clause: string } | { problem: string } {
  const b = dateRangeBounds(range, now);
  if ('problem' in b) return b;
  return { clause: `${property} ge ${odataDateTime(b.from)} and ${property} le ${odataDateTime(b.to)}` };
}

/** A collection URL with `$filter` (when there is one) and `$top`; `$` is left as is, values are percent-encoded. */
export function listUrl(path: string, filter: string, top: number): string {
  const q = [filter ? `$filter=${encodeURIComponent(filter)}` : '', `$top=${top}`].filter(Boolean).join('&');
  return `${path}?${q}`;
}
