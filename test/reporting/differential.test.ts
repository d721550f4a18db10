import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { SystemActor } from '../../src/directory/actor.js';
import { DirectoryError } from '../../src/directory/errors.js';
import { ODataError } from '../../src/graph/odata/errors.js';
import { ActivityLogs, AUDIT_PROPERTIES, SIGNIN_PROPERTIES, SIGNIN_PROPERTIES_BETA, type LogPage, type LogQuery } from '../../src/reporting/logs.js';
import { toSignInRow, type Assessment, type SignInEvent, type SignInEventType } from '../../src/reporting/records.js';
import { SkipTokens } from '../../src/reporting/skiptoken.js';
import { openStore, type Store } from '../../src/store/db.js';
import * as logsRepo from '../../src/store/repositories/logs.js';
import * as tenantsRepo from '../../src/store/repositories/tenants.js';
import { PG_URL, TEST_ENGINE, testSchemaName } from '../helpers/store.js';
import { Rng } from '../helpers/rng.js';

/**
 * Differential test of the activity-log queries: the same data in a SQLite store and a PostgreSQL
 * store (both made here, whatever TENANTRY_TEST_DATABASE says), the same ≥ 2,000 random valid
 * queries on both, and the answers (ids in order, serialized records, nextLinks, errors) compared.
 *
 * Replay with TENANTRY_FUZZ_SEED=<seed> (printed at the start).
 */

const SEED = process.env.TENANTRY_FUZZ_SEED !== undefined && process.env.TENANTRY_FUZZ_SEED !== ''
  ? Number(process.env.TENANTRY_FUZZ_SEED) >>> 0
  : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
const QUERIES = Number(process.env.TENANTRY_DIFF_QUERIES ?? 2200);

async function pgReachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const PG_DOWN = await pgReachable();
if (PG_DOWN) console.warn(`[differential] SKIPPED: PostgreSQL at ${PG_URL} is unreachable (${PG_DOWN}); set TENANTRY_TEST_PG_URL to run this file.`);
else console.log(`[differential] seed ${SEED} (replay: TENANTRY_FUZZ_SEED=${SEED})`);


/* ------------------------------------------------------------------ tricky data */

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION = { freeDays: 7, premiumDays: 30 };

const NAMES = [
  'Şule Yılmaz', 'ŞULE YILMAZ', 'şule yılmaz', 'Sule Yilmaz', 'Straße', 'STRASSE', 'strasse', 'STRAẞE', 'İstanbul Ofis', 'istanbul ofis', 'ISTANBUL OFIS', 'ıi İI',
  '\u212Aelvin', 'Kelvin', 'kelvin', 'KELVIN', '😀 Smile', '😀😀', 'O\'Connor', 'o\'connor', "''quoted''", '100%', '100_', '50% off', 'under_score', 'underXscore',
  'back\\slash', 'backXslash', 'a\\%_b', 'ǅemal', 'ǄEMAL', 'Σίσυφος', 'ΣΊΣΥΦΟΣ', 'ﬃ Office', 'FFI Office', 'Cafe\u0301', 'Café', 'no\u00a0break', 'zero\u200bwidth',
  'rtl \u202eevil', 'Ærøskøbing', 'ÆRØSKØBING', '東京 本社', 'Alice', 'alice', 'ALICE', 'Bob', 'bob ', ' bob', '', 'x'.repeat(300),
];
const DOMAINS = ['contoso.com', 'Fabrikam.COM', 'münchen.de', 'straße.de', 'xn--mnchen-3ya.de'];
const CITIES = ['Redmond', 'REDMOND', 'São Paulo', 'İstanbul', 'istanbul', 'Zürich', "N'Djamena", 'Köln', 'KÖLN', '東京', 'a_b%c', 'back\\slash', ''];
const STATES = ['Washington', 'São Paulo', 'Marmara', 'ZH', '', 'Île-de-France', 'ÎLE-DE-FRANCE'];
const COUNTRIES = ['US', 'BR', 'TR', 'CH', 'TD', 'DE', 'JP', 'us', ''];
const BROWSERS = ['Edge 120.0.0', 'Chrome 119.0.0', 'Firefox 121.0', 'Safari 17.2', 'Mobile Safari', 'Rich Client 4.61.0.0', 'IE 11.0', 'Ünknown_%', ''];
const OSES = ['Windows 10', 'Windows10', 'MacOs', 'Linux', 'Ios', 'Android', 'İOS', ''];
const CLIENT_APPS = ['Browser', 'Mobile Apps and Desktop clients', 'Exchange ActiveSync', 'Other clients', 'IMAP4', 'browser'];
const USER_AGENTS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/120.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15', 'python-requests/2.31.0',
  'azsdk-js-identity/4.0.0 core-rest-pipeline/1.12.0 Node/v20.9.0 OS/(x64-Linux-5.15)', '', 'curl/8.4.0', "UA 'quoted' 100%_\\", 'ÜserAgent/1.0 (Şişli)'];
const ERROR_CODES = [0, 0, 0, 0, 50126, 50053, 50034, 50034, 7000215, 70011, 65001, 50076, 2147483647];
const FAILURE_REASONS = ['Invalid username or password.', "The user's account is locked.", 'Ünknown — 100%'];
const RESOURCES = [
  { appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' },
  { appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013', displayName: 'Windows Azure Service Management API' },
  { appId: '00000002-0000-0000-c000-000000000000', displayName: 'Windows Azure Active Directory' },
  { appId: 'https://contoso.com/API', displayName: 'Contoso_API 100%' },
];
const RISK_LEVELS = ['low', 'medium', 'high', 'hidden', 'none'];
const RISK_STATES = ['none', 'confirmedSafe', 'remediated', 'dismissed', 'atRisk', 'confirmedCompromised'];
const RISK_DETAILS = ['none', 'adminGeneratedTemporaryPassword', 'userPerformedSecuredPasswordChange', 'aiConfirmedSigninSafe', 'hidden',
  'm365DAdminDismissedDetection', 'adminConfirmedAccountSafe', 'microsoftRevokedSessions'];
const RISK_EVENT_TYPES = ['unfamiliarFeatures', 'anonymizedIPAddress', 'impossibleTravel', 'leakedCredentials', 'Unfamiliar_Features', 'malware%'];
const POLICY_RESULTS = ['success', 'failure', 'notApplied', 'notEnabled', 'unknown', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted'];
const POLICY_NAMES = ['Require MFA', 'REQUIRE MFA', 'Block legacy auth', 'Şartlı Erişim', 'Policy_100%', 'Policy\\X', 'K\u212Aelvin policy'];
const EVENT_TYPES: SignInEventType[] = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'];

interface Dataset {
  tenantA: string;
  tenantB: string;
  signIns: SignInEvent[];
  audits: { row: logsRepo.DirectoryAuditRow; targets: logsRepo.AuditTarget[] }[];
}

function makeDataset(rng: Rng): Dataset {
  const tenantA = rng.guid();
  const tenantB = rng.guid();
  const users = Array.from({ length: 80 }, (_, i) => {
    const name = rng.pick(NAMES);
    return {
      // a few stored ids are not lower-case: both engines must treat them alike
      id: i % 25 === 0 ? rng.guid().toUpperCase() : rng.guid(),
      userPrincipalName: `${name.replace(/\s+/g, '.').slice(0, 30) || 'empty'}${i % 3 === 0 ? '' : i}@${rng.pick(DOMAINS)}`,
      displayName: rng.bool(0.92) ? name : null,
      userType: rng.bool(0.85) ? ('member' as const) : ('guest' as const),
    };
  });
  const apps = Array.from({ length: 14 }, (_, i) => ({
    appId: i === 13 ? rng.guid().toUpperCase() : rng.guid(), displayName: rng.bool(0.9) ? `${rng.pick(NAMES)} app` : null, servicePrincipalId: rng.bool(0.8) ? rng.guid() : null,
  }));
  const policies = POLICY_NAMES.map((displayName, i) => ({ id: i === 0 ? rng.guid().toUpperCase() : rng.guid(), displayName, enforcedGrantControls: ['Mfa'], enforcedSessionControls: [] }));
  const assessments: Assessment[] = Array.from({ length: 40 }, () => ({
    conditionalAccessStatus: rng.pick(['success', 'failure', 'notApplied'] as const),
    authenticationRequirement: rng.pick(['singleFactorAuthentication', 'multiFactorAuthentication'] as const),
    riskDetail: rng.pick(RISK_DETAILS), riskLevelAggregated: rng.pick(RISK_LEVELS), riskLevelDuringSignIn: rng.pick(RISK_LEVELS), riskState: rng.pick(RISK_STATES),
    riskEventTypes: RISK_EVENT_TYPES.filter(() => rng.bool(0.25)),
    appliedConditionalAccessPolicies: policies.filter(() => rng.bool(0.35)).map((p) => ({ ...p, result: rng.pick(POLICY_RESULTS) })),
    authenticationDetails: rng.bool(0.5) ? [] : [{ authenticationMethod: 'Password', authenticationMethodDetail: null, succeeded: rng.bool(0.8), authenticationStepResultDetail: 'Correct password', authenticationStepRequirement: 'Primary authentication' }],
    authenticationMethodsUsed: rng.bool(0.5) ? [] : ['Password'],
  }));
  const locations = Array.from({ length: 16 }, () => ({
    city: rng.pick(CITIES), state: rng.pick(STATES), countryOrRegion: rng.pick(COUNTRIES), latitude: rng.bool(0.7) ? rng.pick([47.6062, -23.5505, 41.0082, 0, -0.5]) : null,
    longitude: rng.bool(0.7) ? rng.pick([-122.3321, -46.6333, 28.9784, 0, 179.999]) : null,
  }));
  const ips = ['203.0.113.7', '198.51.100.23', '2001:DB8::1', '2001:db8::1', '::1', '10.0.0.1', null];

  const signIns: SignInEvent[] = [];
  let t = NOW - 40 * DAY; // the first ten days are past the 30-day retention: neither store may show them
  for (let i = 0; i < 2100; i++) {
    // equal times are common: ties are broken by insertion order on both engines
    if (rng.bool(0.6)) t += rng.weighted([[6, rng.int(1, 120 * 60_000)], [2, 1], [1, 1000]]);
    const tenantId = rng.bool(0.92) ? tenantA : tenantB;
    const eventType = rng.pick(EVENT_TYPES);
    const isApp = eventType === 'servicePrincipal' || eventType === 'managedIdentity';
    const errorCode = rng.pick(ERROR_CODES);
    const ua = rng.pick(USER_AGENTS);
    signIns.push({
      id: rng.guid(), tenantId, createdAt: t, eventType, correlationId: rng.guid(), requestId: rng.bool(0.85) ? rng.guid() : null,
      ipAddress: rng.pick(ips), userAgent: ua, clientAppUsed: rng.pick(CLIENT_APPS), authenticationProtocol: rng.pick(['ropc', 'none', 'oAuth2']),
      clientCredentialType: isApp ? rng.pick(['clientSecret', 'certificate']) : 'none', credentialKeyId: isApp && rng.bool() ? rng.guid() : null,
      ...(isApp ? {} : { user: rng.pick(users) }),
      ...(rng.bool(0.97) ? { app: rng.pick(apps) } : {}),
      ...(rng.bool(0.9) ? { resource: { ...rng.pick(RESOURCES), servicePrincipalId: rng.bool() ? rng.guid() : null } } : {}),
      status: { errorCode, failureReason: errorCode ? rng.pick(FAILURE_REASONS) : null, additionalDetails: rng.bool(0.1) ? 'MFA required_100%' : null },
      uniqueTokenIdentifier: rng.bool(0.5) ? rng.guid().replace(/-/g, '').slice(0, 22) : null,
      processingTimeMs: rng.int(0, 900),
      ...(rng.bool(0.85) ? { location: rng.pick(locations) } : {}),
      ...(rng.bool(0.9) ? { deviceDetail: { browser: rng.pick(BROWSERS), operatingSystem: rng.pick(OSES) } } : {}),
      ...(rng.bool(0.75) ? { assessment: rng.pick(assessments) } : {}),
    });
  }

  const audits: Dataset['audits'] = [];
  let at = NOW - 35 * DAY;
  const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  for (let i = 0; i < 320; i++) {
    if (rng.bool(0.5)) at += rng.int(1, 6 * HOUR);
    const tenantId = rng.bool(0.9) ? tenantA : tenantB;
    const correlationId = rng.bool(0.2) && audits.length ? audits[audits.length - 1]!.row.correlation_id : rng.guid();
    // Entra-style ids (upper-case suffix); a few in other shapes so that the tie-break by id meets case and punctuation
    const suffix = rng.bool(0.85) ? Array.from({ length: 5 }, () => rng.pick([...SUFFIX])).join('') : rng.pick(['abcde', 'ABCDE', 'AbCdE', '_ABCD', 'A_BCD', 'ÅBCDE', 'a-b-c']);
    const id = `Directory_${correlationId}_${suffix}_${rng.pick([i, i * 10, 9, 10, 100])}`;
    const user = rng.bool(0.6) ? rng.pick(users) : undefined;
    const app = user ? undefined : rng.pick(apps);
    const targets = Array.from({ length: rng.int(0, 3) }, () => ({
      id: rng.bool(0.85) ? rng.pick([...users.map((u) => u.id.toLowerCase()), ...apps.map((a) => a.appId.toLowerCase())]) : rng.pick(['Directory', 'a_b%c', 'ÜBER']),
      displayName: rng.bool(0.8) ? rng.pick(NAMES) : null,
    }));
    if (audits.some((a) => a.row.id === id && a.row.tenant_id === tenantId)) continue;
    audits.push({
      row: {
        tenant_id: tenantId, id, activity_at: at, category: rng.pick(['UserManagement', 'ApplicationManagement', 'RoleManagement', 'DirectoryManagement', 'Policy']),
        activity_display_name: rng.pick(['Add user', 'Update user', 'Delete user', 'Add application', 'Update application – Certificates and secrets management ',
          'Add member to role', 'Consent to application', ...NAMES]),
        operation_type: rng.pick(['Add', 'Update', 'Delete', 'Assign', 'Unassign']), result: rng.weighted([[8, 'success'], [2, 'failure'], [1, 'timeout']]),
        result_reason: rng.bool(0.1) ? 'Ünknown_100%' : '', correlation_id: correlationId, logged_by_service: rng.pick(['Core Directory', 'Core directory', 'B2C']),
        initiator_user_id: user ? user.id.toLowerCase() : null, initiator_user_principal_name: user ? user.userPrincipalName.toLowerCase() : null,
        initiator_app_id: app ? app.appId.toLowerCase() : null, initiator_user_display_name: user ? user.displayName : null, initiator_app_display_name: app ? app.displayName : rng.bool(0.1) ? 'tenantry CLI' : null,
        details: JSON.stringify({
          initiatedBy: user ? { user: { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName } } : { app: app ?? null },
          targetResources: targets.map((x) => ({ ...x, type: 'User', modifiedProperties: [] })), additionalDetails: [{ key: 'User-Agent', value: rng.pick(USER_AGENTS) }],
          userAgent: rng.bool(0.5) ? rng.pick(USER_AGENTS) : null,
        }),
      },
      targets,
    });
  }
  return { tenantA, tenantB, signIns, audits };
}

async function seed(store: Store, d: Dataset): Promise<void> {
  for (const [tenantId, license] of [[d.tenantA, 'P2'], [d.tenantB, 'P1']] as const) {
    await tenantsRepo.insertTenant(store.db, { id: tenantId, display_name: `tenant ${tenantId.slice(0, 4)}`, tenant_type: 'standard', license, created_at: 1 });
  }
  const rows = [];
  for (const e of d.signIns) rows.push(await toSignInRow(store.signInDims, e));
  for (let i = 0; i < rows.length; i += 250) await store.appendSignIns(rows.slice(i, i + 250));
  await store.transaction(async (trx) => {
    for (const a of d.audits) await logsRepo.insertDirectoryAudit(trx, a.row, a.targets);
  });
}

/* ------------------------------------------------------------------ random valid queries */

type Kind = 'string' | 'ci' | 'guid' | 'datetime' | 'int' | 'enum' | 'const';
interface Prop {
  name: string;
  kind: Kind;
  start?: boolean;
  /** values in the data */
  values: () => string[] | number[];
  enumValues?: string[];
}

function literalText(rng: Rng, p: Prop, forStart: boolean): string {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const values = p.values() as (string | number)[];
  const base = values.length && rng.bool(0.85) ? rng.pick(values) : undefined;
  switch (p.kind) {
    case 'datetime': {
      const ms = (base as number | undefined) ?? NOW - rng.int(0, 45 * DAY);
      const v = ms + rng.weighted([[5, 0], [2, -1], [2, 1], [1, -1000], [1, 1000], [1, -DAY], [1, rng.int(-5 * DAY, 5 * DAY)]]);
      const iso = new Date(v).toISOString();
      return rng.weighted([[5, iso], [1, iso.replace('.000Z', 'Z')], [1, `${iso.slice(0, 23)}0000Z`], [1, toOffset(v, 330)], [1, toOffset(v, -480)]]);
    }
    case 'int': {
      const v = (base as number | undefined) ?? rng.int(0, 100);
      return String(v + rng.weighted([[4, 0], [1, -1], [1, 1]]));
    }
    case 'guid': {
      const g = (base as string | undefined) ?? '00000000-0000-4000-8000-000000000000';
      const v = rng.weighted([[6, g], [2, g.toUpperCase()], [1, g.slice(0, -1) + (g.endsWith('0') ? '1' : '0')]]);
      return rng.bool(0.5) ? v : q(v);
    }
    case 'enum':
      return q(rng.bool(0.8) ? rng.pick(p.enumValues!) : rng.pick(p.enumValues!).toUpperCase());
    default: {
      let s = (base as string | undefined) ?? rng.pick(NAMES);
      s = rng.weighted<() => string>([
        [5, () => s],
        [2, () => (forStart ? Array.from(s).slice(0, rng.int(0, Math.max(1, Array.from(s).length))).join('') : s)],
        [1, () => s.toUpperCase()],
        [1, () => s.toLowerCase()],
        [1, () => Array.from(s).slice(0, -1).join('')], // one character short
        [1, () => `${s}${rng.pick(['x', ' ', 'ß', '😀'])}`], // one character long
        [1, () => s.replace(/[a-z]/i, rng.pick(['_', '%', '\\']))], // a wildcard where a letter was: must not act as one
        [1, () => rng.pick(['Ş', 'ş', 'S', 'İ', 'i', 'ı', 'I', 'K', 'k', 'ß', 'SS', 'ss', 'ẞ', 'Σ', 'σ', 'ς', '%', '_', '\\', "'", 'é', 'e\u0301', ''])],
      ])();
      return q(s.slice(0, 1024));
    }
  }
}

function toOffset(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin >= 0 ? '+' : '-';
  const a = Math.abs(offsetMin);
  return `${d}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

interface QuerySpec {
  fields: Prop[];
  lambdas: { name: string; element: Prop[] }[];
}

function buildFilter(rng: Rng, spec: QuerySpec, depth: number, lambdaVar?: string, element?: Prop[]): string {
  const fields = element ?? spec.fields;
  const leaf = (): string => {
    if (!element && spec.lambdas.length && rng.bool(0.15)) {
      const l = rng.pick(spec.lambdas);
      const v = rng.pick(['t', 'x', 'p']);
      return `${l.name}/any(${v}: ${buildFilter(rng, spec, rng.int(0, 1), v, l.element)})`;
    }
    const p = rng.pick(fields);
    const path = lambdaVar === undefined ? p.name : p.name === '' ? lambdaVar : `${lambdaVar}/${p.name}`;
    if (p.start && rng.bool(0.4)) return `startswith(${path}, ${literalText(rng, p, true)})`;
    if (p.kind === 'datetime') return `${path} ${rng.pick(['eq', 'ge', 'le', 'gt', 'lt'])} ${literalText(rng, p, false)}`;
    if (p.kind === 'int' || (p.kind === 'enum' && p.name === '' && lambdaVar)) return `${path} ${rng.pick(['eq', 'ne'])} ${literalText(rng, p, false)}`;
    return `${path} eq ${rng.bool(0.03) ? 'null' : literalText(rng, p, false)}`;
  };
  if (depth <= 0) return leaf();
  switch (rng.weighted([[4, 'leaf'], [3, 'and'], [2, 'or'], [1, 'not']] as const)) {
    case 'and':
    case 'or': {
      const op = rng.bool(0.6) ? 'and' : 'or';
      return Array.from({ length: rng.int(2, 3) }, () => `(${buildFilter(rng, spec, depth - 1, lambdaVar, element)})`).join(` ${op} `);
    }
    case 'not':
      return `not (${buildFilter(rng, spec, depth - 1, lambdaVar, element)})`;
    default:
      return leaf();
  }
}

/* ------------------------------------------------------------------ comparison */

type Answer = { ok: true; pages: { items: Record<string, unknown>[]; next?: string }[] } | { ok: false; error: string };

function errorText(err: unknown): string {
  if (err instanceof ODataError) return `ODataError ${err.message} | ${err.detail}`;
  if (err instanceof DirectoryError) return `DirectoryError ${err.kind} ${err.code} ${err.message}`;
  return `UNEXPECTED ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`;
}

async function answer(call: (q: LogQuery) => Promise<LogPage<Record<string, unknown>>>, q: LogQuery, allPages: boolean): Promise<Answer> {
  const pages: { items: Record<string, unknown>[]; next?: string }[] = [];
  try {
    let page = await call(q);
    pages.push({ items: page.items, next: page.next });
    while (allPages && page.next && pages.length < 100) {
      page = await call({ ...q, skiptoken: page.next });
      pages.push({ items: page.items, next: page.next });
    }
    return { ok: true, pages };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  }
}

/** undefined when both answers are the same; else a short description of the first difference */
function difference(a: Answer, b: Answer): string | undefined {
  if (a.ok !== b.ok) return `sqlite ${a.ok ? `${a.pages[0]!.items.length} items` : a.error} / postgres ${b.ok ? `${b.pages[0]!.items.length} items` : b.error}`;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.error !== b.error ? `errors differ: ${a.error} / ${b.error}` : undefined;
  if (a.pages.length !== b.pages.length) return `page count ${a.pages.length} / ${b.pages.length}`;
  for (let i = 0; i < a.pages.length; i++) {
    const pa = a.pages[i]!;
    const pb = b.pages[i]!;
    const ia = pa.items.map((x) => x.id);
    const ib = pb.items.map((x) => x.id);
    if (JSON.stringify(ia) !== JSON.stringify(ib)) {
      const k = ia.findIndex((id, j) => id !== ib[j]);
      return `page ${i}: ids differ at ${k} (${ia.length} / ${ib.length} items): ${String(ia[k])} / ${String(ib[k])}`;
    }
    for (let j = 0; j < pa.items.length; j++) {
      const sa = JSON.stringify(pa.items[j]);
      const sb = JSON.stringify(pb.items[j]);
      if (sa !== sb) return `page ${i} item ${j} (${String(ia[j])}) serializes differently:\n  sqlite   ${sa.slice(0, 600)}\n  postgres ${sb.slice(0, 600)}`;
    }
    if (pa.next !== pb.next) return `page ${i}: next ${pa.next} / ${pb.next}`;
  }
  return undefined;
}

/* ------------------------------------------------------------------ the test */

describe.skipIf(PG_DOWN !== undefined)(`SQLite and PostgreSQL answer the same${PG_DOWN ? ' (SKIPPED: PostgreSQL unreachable)' : ''}`, () => {
  const rng = new Rng(SEED);
  let dir: string;
  let lite: Store;
  let post: Store;
  let schema: string;
  let data: Dataset;
  let logsLite: ActivityLogs;
  let logsPost: ActivityLogs;

  beforeAll(async () => {
    const started = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'tenantry-diff-'));
    schema = testSchemaName('diff');
    [lite, post] = await Promise.all([openStore({ sqlitePath: join(dir, 'tenantry.db') }), openStore({ databaseUrl: `${PG_URL}?schema=${schema}` })]);
    expect([lite.engine, post.engine]).toEqual(['sqlite', 'postgres']);
    data = makeDataset(rng);
    await Promise.all([seed(lite, data), seed(post, data)]);
    const make = (store: Store) =>
      new ActivityLogs({ store, clock: () => NOW, secretPepper: 'p' }, new SkipTokens('differential'), { strictDirectoryRead: false }, RETENTION);
    logsLite = make(lite);
    logsPost = make(post);
    console.log(`[differential] seeded ${data.signIns.length} sign-ins and ${data.audits.length} audits into both stores in ${Date.now() - started} ms`);
  }, 120_000);

  afterAll(async () => {
    await lite?.close();
    await post?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // under TENANTRY_TEST_DATABASE=postgres the run's teardown drops every schema of the run at the end
    // (dropping one while other files migrate theirs breaks those); otherwise nobody else will
    if (TEST_ENGINE !== 'postgres' && schema) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    }
  });

  it('the stores hold the same rows', async () => {
    for (const [table, order] of [['sign_ins', 'seq'], ['directory_audits', 'tenant_id, id'], ['audit_targets', 'tenant_id, audit_id, target_id']] as const) {
      const q = sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`;
      const [a, b] = await Promise.all([q.execute(lite.db), q.execute(post.db)]);
      expect(a.rows.length, table).toBeGreaterThan(0);
      expect(JSON.stringify(b.rows), table).toBe(JSON.stringify(a.rows));
    }
  });

  function signInSpec(version: 'v1.0' | 'beta'): QuerySpec {
    const s = data.signIns;
    const strs = (f: (e: SignInEvent) => string | null | undefined) => () => [...new Set(s.map(f).filter((v): v is string => v !== null && v !== undefined))];
    const fields: Prop[] = [
      { name: 'id', kind: 'guid', values: strs((e) => e.id) },
      { name: 'createdDateTime', kind: 'datetime', values: () => s.map((e) => e.createdAt) },
      { name: 'userId', kind: 'guid', values: strs((e) => e.user?.id) },
      { name: 'userPrincipalName', kind: 'ci', start: true, values: strs((e) => e.user?.userPrincipalName) },
      { name: 'userDisplayName', kind: 'ci', start: true, values: strs((e) => e.user?.displayName) },
      { name: 'appId', kind: 'guid', values: strs((e) => e.app?.appId) },
      { name: 'appDisplayName', kind: 'ci', start: true, values: strs((e) => e.app?.displayName) },
      { name: 'ipAddress', kind: 'ci', start: true, values: strs((e) => e.ipAddress) },
      { name: 'clientAppUsed', kind: 'ci', values: strs((e) => e.clientAppUsed) },
      { name: 'correlationId', kind: 'guid', values: strs((e) => e.correlationId) },
      { name: 'conditionalAccessStatus', kind: 'enum', values: () => [], enumValues: ['success', 'failure', 'notApplied', 'unknownFutureValue'] },
      { name: 'status/errorCode', kind: 'int', values: () => s.map((e) => e.status.errorCode) },
      { name: 'location/city', kind: 'ci', start: true, values: strs((e) => e.location?.city) },
      { name: 'location/state', kind: 'ci', start: true, values: strs((e) => e.location?.state) },
      { name: 'location/countryOrRegion', kind: 'ci', start: true, values: strs((e) => e.location?.countryOrRegion) },
      { name: 'deviceDetail/browser', kind: 'ci', start: true, values: strs((e) => e.deviceDetail?.browser) },
      { name: 'deviceDetail/operatingSystem', kind: 'ci', start: true, values: strs((e) => e.deviceDetail?.operatingSystem) },
      { name: 'resourceDisplayName', kind: 'ci', values: strs((e) => e.resource?.displayName) },
      { name: 'resourceId', kind: 'guid', values: () => strs((e) => e.resource?.appId)().filter((v) => /^[0-9a-f-]{36}$/i.test(v)) },
      { name: 'riskDetail', kind: 'enum', values: () => [], enumValues: RISK_DETAILS },
      { name: 'riskLevelAggregated', kind: 'enum', values: () => [], enumValues: RISK_LEVELS },
      { name: 'riskLevelDuringSignIn', kind: 'enum', values: () => [], enumValues: RISK_LEVELS },
      { name: 'riskState', kind: 'enum', values: () => [], enumValues: RISK_STATES },
      { name: 'userAgent', kind: 'ci', start: true, values: strs((e) => e.userAgent) },
      { name: 'servicePrincipalId', kind: 'guid', values: strs((e) => e.app?.servicePrincipalId) },
      { name: 'servicePrincipalName', kind: 'ci', start: true, values: strs((e) => e.app?.displayName) },
    ];
    const lambdas: QuerySpec['lambdas'] = [{ name: 'riskEventTypes_v2', element: [{ name: '', kind: 'string', start: true, values: () => RISK_EVENT_TYPES }] }];
    if (version === 'beta') {
      fields.push(
        { name: 'originalRequestId', kind: 'guid', values: strs((e) => e.requestId) },
        { name: 'authenticationRequirement', kind: 'ci', start: true, values: () => ['singleFactorAuthentication', 'multiFactorAuthentication'] },
        { name: 'tokenIssuerName', kind: 'const', values: () => ['', 'AzureAD'] },
      );
      lambdas.push(
        { name: 'signInEventTypes', element: [{ name: '', kind: 'enum', values: () => [], enumValues: [...EVENT_TYPES, 'unknownFutureValue'] }] },
        {
          name: 'appliedConditionalAccessPolicies',
          element: [
            { name: 'id', kind: 'guid', values: strs((e) => e.assessment?.appliedConditionalAccessPolicies[0]?.id) },
            { name: 'displayName', kind: 'ci', start: true, values: () => POLICY_NAMES },
            { name: 'result', kind: 'enum', values: () => [], enumValues: POLICY_RESULTS },
          ],
        },
      );
    }
    return { fields, lambdas };
  }

  function auditSpec(): QuerySpec {
    const a = data.audits.map((x) => x.row);
    const strs = (f: (r: logsRepo.DirectoryAuditRow) => string | null) => () => [...new Set(a.map(f).filter((v): v is string => v !== null))];
    return {
      fields: [
        { name: 'id', kind: 'string', values: strs((r) => r.id) },
        { name: 'activityDateTime', kind: 'datetime', values: () => a.map((r) => r.activity_at) },
        { name: 'activityDisplayName', kind: 'string', start: true, values: strs((r) => r.activity_display_name) },
        { name: 'category', kind: 'string', values: strs((r) => r.category) },
        { name: 'correlationId', kind: 'guid', values: strs((r) => r.correlation_id) },
        { name: 'loggedByService', kind: 'string', values: strs((r) => r.logged_by_service) },
        { name: 'result', kind: 'enum', values: () => [], enumValues: ['success', 'failure', 'timeout', 'unknownFutureValue'] },
        { name: 'operationType', kind: 'string', values: strs((r) => r.operation_type) },
        { name: 'initiatedBy/user/id', kind: 'guid', values: strs((r) => r.initiator_user_id) },
        { name: 'initiatedBy/user/displayName', kind: 'string', values: strs((r) => r.initiator_user_display_name) },
        { name: 'initiatedBy/user/userPrincipalName', kind: 'ci', start: true, values: strs((r) => r.initiator_user_principal_name) },
        { name: 'initiatedBy/app/appId', kind: 'guid', values: strs((r) => r.initiator_app_id) },
        { name: 'initiatedBy/app/displayName', kind: 'string', values: strs((r) => r.initiator_app_display_name) },
      ],
      lambdas: [{
        name: 'targetResources',
        element: [
          { name: 'id', kind: 'string', values: () => [...new Set(data.audits.flatMap((x) => x.targets.map((t) => t.id)))] },
          { name: 'displayName', kind: 'string', start: true, values: () => [...new Set(data.audits.flatMap((x) => x.targets.map((t) => t.displayName)).filter((v): v is string => v !== null))] },
        ],
      }],
    };
  }

  it(`${QUERIES} random valid queries (with paging for a subset) give identical answers`, async () => {
    const started = Date.now();
    const specs = { 'v1.0': signInSpec('v1.0'), beta: signInSpec('beta'), audits: auditSpec() };
    const mismatches: string[] = [];
    const stats = { queries: 0, paged: 0, pages: 0, nonEmpty: 0, errors: 0, unexpected: 0, items: 0 };
    for (let n = 0; n < QUERIES; n++) {
      const endpoint = rng.weighted([[3, 'beta'], [2, 'v1.0'], [2, 'audits']] as const);
      const actor: SystemActor = { kind: 'system', name: 'differential', tenantId: rng.bool(0.85) ? data.tenantA : data.tenantB, ipAddress: null, correlationId: 'c' };
      const allPages = rng.bool(0.12);
      const q: LogQuery = {
        version: endpoint === 'v1.0' ? 'v1.0' : endpoint === 'audits' ? rng.pick(['v1.0', 'beta'] as const) : 'beta',
        ...(rng.bool(0.9) ? { filter: buildFilter(rng, specs[endpoint], rng.weighted([[4, 0], [3, 1], [2, 2], [1, 3]])) } : {}),
        ...(rng.bool(0.9) ? { top: String(allPages ? rng.pick([3, 10, 50, 150]) : rng.weighted([[4, rng.int(1, 20)], [2, 100], [1, rng.pick([999, 1000])]])) } : {}),
        ...(rng.bool(0.5) ? { orderby: `${endpoint === 'audits' ? 'activityDateTime' : 'createdDateTime'} ${rng.pick(['asc', 'desc'])}` } : {}),
        ...(rng.bool(0.1) ? { select: Array.from({ length: rng.int(1, 4) }, () => rng.pick(endpoint === 'audits' ? AUDIT_PROPERTIES : endpoint === 'beta' ? SIGNIN_PROPERTIES_BETA : SIGNIN_PROPERTIES)).join(',') } : {}),
        ...(rng.bool(0.3) ? { unknownEnums: true } : {}),
      };
      const call = (logs: ActivityLogs) => (qq: LogQuery) => (endpoint === 'audits' ? logs.listDirectoryAudits(actor, qq) : logs.listSignIns(actor, qq));
      const [a, b] = await Promise.all([answer(call(logsLite), q, allPages), answer(call(logsPost), q, allPages)]);
      stats.queries++;
      if (allPages) stats.paged++;
      if (a.ok) {
        stats.pages += a.pages.length;
        stats.items += a.pages.reduce((s, p) => s + p.items.length, 0);
        if (a.pages[0]!.items.length > 0) stats.nonEmpty++;
      } else {
        stats.errors++;
      }
      if ((!a.ok && a.error.startsWith('UNEXPECTED')) || (!b.ok && b.error.startsWith('UNEXPECTED'))) stats.unexpected++;
      const diff = difference(a, b);
      if (diff && mismatches.length < 20) mismatches.push(`${endpoint} tenant ${actor.tenantId === data.tenantA ? 'A' : 'B'} ${JSON.stringify(q)}\n  → ${diff}`);
    }
    console.log(`[differential] ${JSON.stringify(stats)} in ${Date.now() - started} ms`);
    expect(mismatches, `seed ${SEED}: ${mismatches.length} mismatches (first 20 shown)`).toEqual([]);
    // the comparison is not vacuous: most queries are answered, many with rows, some over many pages
    expect(stats.nonEmpty).toBeGreaterThan(QUERIES / 4);
    expect(stats.pages).toBeGreaterThan(QUERIES);
    expect(stats.unexpected).toBe(0);
  }, 300_000);

  it('sanity: a store with one sign-in a millisecond apart is told apart, then equal again', async () => {
    const victim = data.signIns.find((e) => e.tenantId === data.tenantA && e.eventType === 'interactiveUser' && e.createdAt > NOW - 20 * DAY)!;
    const actor: SystemActor = { kind: 'system', name: 'differential', tenantId: data.tenantA, ipAddress: null, correlationId: 'c' };
    const queries: LogQuery[] = [
      { version: 'beta', filter: `id eq ${victim.id}` },
      { version: 'v1.0', top: '1000' },
      { version: 'beta', filter: `createdDateTime eq ${new Date(victim.createdAt).toISOString()}` },
    ];
    const compareAll = async () => {
      const out: (string | undefined)[] = [];
      for (const q of queries) {
        const [a, b] = await Promise.all([answer((qq) => logsLite.listSignIns(actor, qq), q, true), answer((qq) => logsPost.listSignIns(actor, qq), q, true)]);
        out.push(difference(a, b));
      }
      return out;
    };
    expect(await compareAll()).toEqual([undefined, undefined, undefined]);
    await lite.db.updateTable('sign_ins').set({ created_at: victim.createdAt + 1 }).where('id', '=', victim.id).execute();
    try {
      const diffs = await compareAll();
      expect(diffs[0]).toMatch(/serializes differently/);
      expect(diffs[1]).toBeDefined();
      expect(diffs[2]).toMatch(/ids differ/);
    } finally {
      await lite.db.updateTable('sign_ins').set({ created_at: victim.createdAt }).where('id', '=', victim.id).execute();
    }
    expect(await compareAll()).toEqual([undefined, undefined, undefined]);
  });
});
