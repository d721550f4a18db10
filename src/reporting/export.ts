import type { SystemActor } from '../directory/actor.js';
import type { ActivityLogs } from './logs.js';

export type ExportKind = 'signins' | 'audits';

/**
 * Every record a query selects, a page at a time (so memory stays flat whatever the count): the same
 * validation, filters, retention and order as the beta API (newest first; sign-ins interactive unless
 * the filter names signInEventTypes).
 */
export async function* exportPages(logs: ActivityLogs, actor: SystemActor, kind: ExportKind, filter?: string): AsyncGenerator<Record<string, unknown>[]> {
  let skiptoken: string | undefined;
  do {
    const q = { version: 'beta' as const, filter, skiptoken };
    const page = kind === 'signins' ? await logs.listSignIns(actor, q) : await logs.listDirectoryAudits(actor, q);
    if (page.items.length > 0) yield page.items;
    skiptoken = page.next;
  } while (skiptoken);
}

type Column = [header: string, value: (r: Record<string, unknown>) => unknown];
const at = (r: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), r);
const col = (path: string): Column => [path, (r) => at(r, path)];

/** CSV columns: the properties a SIEM or a spreadsheet filters on; the JSON Lines export keeps everything. */
export const CSV_COLUMNS: Record<ExportKind, Column[]> = {
  signins: [
    col('id'), col('createdDateTime'), ['signInEventTypes', (r) => (r.signInEventTypes as string[] | undefined)?.join(' ')], col('userPrincipalName'),
    col('userDisplayName'), col('userId'), col('appDisplayName'), col('appId'), col('resourceDisplayName'), col('ipAddress'), col('clientAppUsed'),
    col('status.errorCode'), col('status.failureReason'), col('location.city'), col('location.state'), col('location.countryOrRegion'),
    col('deviceDetail.browser'), col('deviceDetail.operatingSystem'), col('conditionalAccessStatus'), col('authenticationRequirement'),
    col('riskLevelDuringSignIn'), col('correlationId'), col('userAgent'),
  ],
  audits: [
    col('id'), col('activityDateTime'), col('category'), col('activityDisplayName'), col('operationType'), col('result'), col('resultReason'),
    col('loggedByService'), col('initiatedBy.user.userPrincipalName'), col('initiatedBy.app.displayName'), col('initiatedBy.app.appId'),
    ['targetResources', (r) => ((r.targetResources as { id?: string; displayName?: string }[] | undefined) ?? []).map((t) => `${t.displayName ?? ''} (${t.id ?? ''})`).join('; ')],
    col('correlationId'),
  ],
};

/**
 * One CSV field (RFC 4180). A text cell that a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR) is prefixed with an apostrophe: log data is attacker-controlled (user agents, display names).
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(kind: ExportKind): string {
  return `${CSV_COLUMNS[kind].map(([h]) => csvField(h)).join(',')}\r\n`;
}

export function csvRow(kind: ExportKind, r: Record<string, unknown>): string {
  return `${CSV_COLUMNS[kind].map(([, f]) => csvField(f(r))).join(',')}\r\n`;
}
