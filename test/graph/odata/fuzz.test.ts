import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode, Literal } from '../../../src/graph/odata/ast.js';
import { ODataError } from '../../../src/graph/odata/errors.js';
import { MAX_FILTER_LENGTH } from '../../../src/graph/odata/lexer.js';
import { parseFilter } from '../../../src/graph/odata/parser.js';
import { validateFilter, type FieldSpec, type FilterSpec } from '../../../src/graph/odata/validate.js';
import type { SystemActor } from '../../../src/directory/actor.js';
import { DirectoryError } from '../../../src/directory/errors.js';
import { prepareSignIn, recordSignIn } from '../../../src/identity/signIns.js';
import { ActivityLogs, type LogPage, type LogQuery } from '../../../src/reporting/logs.js';
import { toSignInRow, type SignInEvent, type SignInEventType } from '../../../src/reporting/records.js';
import { SkipTokens } from '../../../src/reporting/skiptoken.js';
import * as logsRepo from '../../../src/store/repositories/logs.js';
import * as tenantsRepo from '../../../src/store/repositories/tenants.js';
import { appToken, registerApp, userToken } from '../../helpers/api.js';
import { KEEP_ALL, startServer, type TestServer } from '../../helpers/server.js';
import { createTestStore, TEST_ENGINE, type TestStore } from '../../helpers/store.js';
import { AUDIT_SPEC, POLICY_RESULTS, RISK_DETAILS, RISK_LEVELS, RISK_STATES, SIGNIN_SPEC, SIGNIN_SPEC_BETA } from '../../../src/reporting/logs.js';
import { Rng } from '../../helpers/rng.js';

/**
 * Fuzzing of $filter: ≥ 100,000 inputs (random text, grammar-aware mutations of valid filters, a
 * malicious corpus) through parseFilter + validateFilter, then a large sample of them through the whole
 * query path (ActivityLogs over the run's engine) and a smaller one through the HTTP app.
 *
 * Replay a run with TENANTRY_FUZZ_SEED=<seed> (printed at the start of every run).
 */

const SEED = process.env.TENANTRY_FUZZ_SEED !== undefined && process.env.TENANTRY_FUZZ_SEED !== ''
  ? Number(process.env.TENANTRY_FUZZ_SEED) >>> 0
  : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
/** TENANTRY_FUZZ_INPUTS=<n> runs a longer (or shorter) fuzz; the default is the 100,000 the suite promises */
const TOTAL_INPUTS = Number(process.env.TENANTRY_FUZZ_INPUTS ?? 100_000);
console.log(`[fuzz] $filter fuzz seed ${SEED} (replay: TENANTRY_FUZZ_SEED=${SEED}), engine ${TEST_ENGINE}`);


/* ------------------------------------------------------------------ the endpoints' $filter specs (src/reporting/logs.ts's own) */

type Op = FieldSpec['ops'][number];
const ALL_OPS: Op[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'startswith', 'endswith', 'contains'];
const EVENT_TYPES: SignInEventType[] = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'];
const SIGNIN_SPEC_V1 = SIGNIN_SPEC;

type Endpoint = 'signIns-beta' | 'signIns-v1' | 'audits';
const SPECS: Record<Endpoint, FilterSpec> = { 'signIns-beta': SIGNIN_SPEC_BETA, 'signIns-v1': SIGNIN_SPEC_V1, audits: AUDIT_SPEC };
const ENDPOINTS: Endpoint[] = ['signIns-beta', 'signIns-v1', 'audits'];

/* ------------------------------------------------------------------ data (seeded into the store; literals are drawn from it) */

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
const HOUR = 3_600_000;
const NAMES = ['Alice Smith', 'ALICE SMITH', 'Şule Yılmaz', 'Straße Müller', 'STRASSE MÜLLER', 'İsmail Ünal', 'ismail unal', '\u212Aelvin Klein',
  'kelvin klein', 'Zoë 😀 Emoji', "O'Brien", "d''Artagnan", '100% Sure', 'under_score', 'back\\slash', 'a%b_c\\d', 'ǅemal', 'ΣΟΦΙΑ', 'Ω', 'ﬃ ligature',
  'Bob', 'bob', 'Éloïse', 'x'.repeat(256), '  padded  ', 'tab\there', 'SELECT * FROM sign_ins', "'; DROP TABLE sign_ins;--"];
const DOMAINS = ['contoso.com', 'Fabrikam.COM', 'xn--mnchen-3ya.de', 'münchen.de'];
const CITIES = ['Redmond', 'São Paulo', 'İstanbul', 'Zürich', "N'Djamena", 'KÖLN', '東京', ''];
const STATES = ['Washington', 'São Paulo', 'Marmara', 'ZH', '', 'Île-de-France'];
const COUNTRIES = ['US', 'BR', 'TR', 'CH', 'TD', 'DE', 'JP', ''];
const BROWSERS = ['Edge 120.0.0', 'Chrome 119.0.0', 'Firefox 121.0', 'Safari', 'Mobile Safari', 'Rich Client 4.61.0.0', ''];
const OSES = ['Windows 10', 'MacOs', 'Linux', 'Ios', 'Android', ''];
const CLIENT_APPS = ['Browser', 'Mobile Apps and Desktop clients', 'Exchange ActiveSync', 'Other clients'];
const USER_AGENTS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/120.0.0.0',
  'python-requests/2.31.0', 'azsdk-js-identity/4.0.0 core-rest-pipeline/1.12.0 Node/v20.9.0 OS/(x64-Linux-5.15)', '', 'curl/8.4.0', "UA with 'quote' and 100%_"];
const ERROR_CODES = [0, 0, 0, 50126, 50053, 50034, 7000215, 70011, 2147483647];
const RISK_EVENT_TYPES = ['unfamiliarFeatures', 'anonymizedIPAddress', 'impossibleTravel', 'leakedCredentials'];
const POLICY_NAMES = ['Require MFA', 'Block legacy auth', 'Şartlı Erişim', 'Policy_100%'];

interface Data {
  tenantId: string;
  strings: string[];
  guids: string[];
  times: number[];
  auditIds: string[];
}

function makeSignIns(rng: Rng, tenantId: string, n: number): SignInEvent[] {
  const apps = Array.from({ length: 6 }, (_, i) => ({ appId: randomUUID(), displayName: rng.pick(NAMES) + ` app ${i}`, servicePrincipalId: rng.bool(0.7) ? randomUUID() : null }));
  const users = Array.from({ length: 20 }, () => ({
    id: rng.bool(0.9) ? randomUUID() : null,
    userPrincipalName: `${rng.pick(NAMES).replace(/\s+/g, '.').slice(0, 40)}@${rng.pick(DOMAINS)}`,
    displayName: rng.bool(0.9) ? rng.pick(NAMES) : null,
    userType: rng.pick(['member', 'guest'] as const),
  }));
  const policies = POLICY_NAMES.map((displayName) => ({ id: randomUUID(), displayName, enforcedGrantControls: ['Mfa'], enforcedSessionControls: [], result: '' }));
  const out: SignInEvent[] = [];
  let t = NOW - 5 * 24 * HOUR;
  for (let i = 0; i < n; i++) {
    if (rng.bool(0.6)) t += rng.int(1, 4 * HOUR); // otherwise equal to the previous time
    const eventType = rng.pick(EVENT_TYPES);
    const isApp = eventType === 'servicePrincipal' || eventType === 'managedIdentity';
    const errorCode = rng.pick(ERROR_CODES);
    out.push({
      id: randomUUID(), tenantId, createdAt: t, eventType, correlationId: randomUUID(), requestId: rng.bool(0.8) ? randomUUID() : null,
      ipAddress: rng.pick(['203.0.113.7', '2001:DB8::1', '198.51.100.23', null]), userAgent: rng.pick(USER_AGENTS), clientAppUsed: rng.pick(CLIENT_APPS),
      authenticationProtocol: rng.pick(['ropc', 'none', 'oAuth2']), clientCredentialType: isApp ? 'clientSecret' : 'none',
      ...(isApp ? {} : { user: rng.pick(users) }),
      app: rng.pick(apps),
      ...(rng.bool(0.9) ? { resource: { appId: '00000003-0000-0000-c000-000000000000', displayName: rng.pick(['Microsoft Graph', 'Windows Azure Service Management API']), servicePrincipalId: null } } : {}),
      status: { errorCode, failureReason: errorCode ? 'Invalid username or password.' : null },
      ...(rng.bool(0.8) ? { location: { city: rng.pick(CITIES), state: rng.pick(STATES), countryOrRegion: rng.pick(COUNTRIES), latitude: rng.bool() ? 47.6 : null, longitude: rng.bool() ? -122.1 : null } } : {}),
      ...(rng.bool(0.5) ? { deviceDetail: { browser: rng.pick(BROWSERS), operatingSystem: rng.pick(OSES) } } : {}),
      ...(rng.bool(0.6) ? {
        assessment: {
          conditionalAccessStatus: rng.pick(['success', 'failure', 'notApplied'] as const),
          authenticationRequirement: rng.pick(['singleFactorAuthentication', 'multiFactorAuthentication'] as const),
          riskDetail: rng.pick(RISK_DETAILS), riskLevelAggregated: rng.pick(RISK_LEVELS), riskLevelDuringSignIn: rng.pick(RISK_LEVELS), riskState: rng.pick(RISK_STATES),
          riskEventTypes: RISK_EVENT_TYPES.filter(() => rng.bool(0.3)),
          appliedConditionalAccessPolicies: policies.filter(() => rng.bool(0.4)).map((p) => ({ ...p, result: rng.pick(POLICY_RESULTS) })),
          authenticationDetails: [], authenticationMethodsUsed: [],
        },
      } : {}),
    });
  }
  return out;
}

function makeAudits(rng: Rng, tenantId: string, n: number): { row: logsRepo.DirectoryAuditRow; targets: logsRepo.AuditTarget[] }[] {
  const out: { row: logsRepo.DirectoryAuditRow; targets: logsRepo.AuditTarget[] }[] = [];
  let t = NOW - 5 * 24 * HOUR;
  for (let i = 0; i < n; i++) {
    if (rng.bool(0.6)) t += rng.int(1, 4 * HOUR);
    const correlationId = randomUUID();
    const user = rng.bool(0.5);
    const targets = Array.from({ length: rng.int(0, 3) }, () => ({ id: rng.bool(0.8) ? randomUUID() : rng.pick(['Directory', 'x_y%z']), displayName: rng.bool(0.8) ? rng.pick(NAMES) : null }));
    out.push({
      row: {
        tenant_id: tenantId, id: `Directory_${correlationId}_${rng.pick(['ABCDE', 'abcde', 'Z9_Q1'])}_${i}`, activity_at: t,
        category: rng.pick(['UserManagement', 'ApplicationManagement', 'RoleManagement']), activity_display_name: rng.pick(['Add user', 'Update application', 'Add member to role', ...NAMES]),
        operation_type: rng.pick(['Add', 'Update', 'Delete', 'Assign']), result: rng.pick(['success', 'failure']), result_reason: '', correlation_id: correlationId,
        logged_by_service: 'Core Directory', initiator_user_id: user ? randomUUID() : null, initiator_user_principal_name: user ? `${rng.pick(['admin', 'şule', 'o\'brien'])}@contoso.com` : null,
        initiator_app_id: user ? null : randomUUID(), initiator_user_display_name: user ? rng.pick(NAMES) : null, initiator_app_display_name: user ? null : rng.pick(NAMES),
        details: JSON.stringify({ initiatedBy: {}, targetResources: targets, additionalDetails: [], userAgent: null }),
      },
      targets,
    });
  }
  return out;
}

/* ------------------------------------------------------------------ generators */

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function randomCase(rng: Rng, s: string): string {
  const mode = rng.int(0, 5);
  if (mode <= 2) return s;
  if (mode === 3) return s.toUpperCase();
  if (mode === 4) return s.toLowerCase();
  return Array.from(s, (c) => (rng.bool() ? c.toUpperCase() : c.toLowerCase())).join('');
}

const ws = (rng: Rng): string => rng.weighted([[20, ' '], [2, '  '], [1, '\t'], [1, ' \t ']]);

function isoVariant(rng: Rng, ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offsetMin = rng.bool(0.7) ? 0 : rng.pick([60, -300, 330, 840, -840, -59]);
  const local = new Date(ms + offsetMin * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  let time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  if (d.getUTCSeconds() || d.getUTCMilliseconds() || rng.bool(0.8)) {
    time += `:${pad(local.getUTCSeconds())}`;
    const frac = rng.int(0, 7);
    if (frac > 0) time += `.${(pad(local.getUTCMilliseconds(), 3) + '0000').slice(0, frac)}`;
  }
  const zone = offsetMin === 0 ? rng.pick(['Z', 'z', '+00:00', '-00:00'])
    : `${offsetMin > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${date}${rng.pick(['T', 't'])}${time}${zone}`;
}

const ODD_DATES = ['2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.9999999+14:00', '9999-12-31T23:59:59-14:00',
  '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z', '2024-01-01T00:00:00.12345678Z', '2024-01-01T00:00:00+14:01',
  '2024-01-01T00:00:00+15:00', '2024-01-01T00:00Z', '2024-01-01', '2024-01-01T00:00:00', '20240101T000000Z', '2024-1-1T0:0:0Z', '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '-2024-01-01T00:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.0000000Z', '99999-01-01T00:00:00Z',
  '2025-06-15T12:00:00.999Z', '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '2024-06-30T23:59:59+00:00', '2024-04-31T00:00:00Z', '2025-06-10T00:00:00-00:00'];
const HUGE_NUMBERS = ['2147483647', '2147483648', '-2147483648', '-2147483649', '4294967296', '9007199254740991', '9007199254740992', '-9007199254740991',
  '99999999999999999999', '1e5', '1.5', '-0', '0.0', '00012', '1.7976931348623157e308', `1${'0'.repeat(310)}.0`, `0.${'0'.repeat(400)}1`, '-', '--1', '1.', '.5',
  'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '٣', '１２', `${'9'.repeat(4000)}`];

function validLiteral(rng: Rng, field: FieldSpec, data: Data): string {
  switch (field.type) {
    case 'guid': {
      const g = rng.bool(0.8) ? rng.pick(data.guids) : randomUUID();
      const cased = rng.bool(0.2) ? g.toUpperCase() : g;
      return rng.bool(0.5) ? quote(cased) : cased;
    }
    case 'string': {
      const s = rng.weighted<() => string>([
        [6, () => rng.pick(data.strings)],
        [2, () => rng.pick(data.strings).slice(0, rng.int(0, 6))],
        [1, () => randomCase(rng, rng.pick(data.strings))],
        [1, () => rng.pick(MALICIOUS)],
        [1, () => randomUnicode(rng, rng.int(0, 12))],
      ])();
      return quote(s.slice(0, 1024));
    }
    case 'datetime':
      return isoVariant(rng, rng.bool(0.7) ? rng.pick(data.times) + rng.int(-1, 1) : NOW - rng.int(-10, 400) * 24 * HOUR);
    case 'int':
      return rng.weighted<string>([[5, String(rng.pick(ERROR_CODES))], [2, String(rng.int(-5, 100_000))], [1, rng.pick(HUGE_NUMBERS.slice(0, 8))]]);
    case 'enum':
      return quote(randomCase(rng, rng.pick(field.enumValues ?? ['x'])));
    case 'boolean':
      return rng.pick(['true', 'false']);
  }
}

function wrongLiteral(rng: Rng, data: Data): string {
  return rng.weighted<() => string>([
    [2, () => rng.pick(['null', 'NULL', 'true', 'False', 'nul', 'undefined'])],
    [2, () => rng.pick(HUGE_NUMBERS)],
    [2, () => rng.pick(ODD_DATES)],
    [1, () => rng.pick(data.guids)],
    [1, () => quote(rng.pick(ODD_DATES))],
    [1, () => quote('x'.repeat(rng.pick([1023, 1024, 1025, 3000])))],
    [1, () => `'${rng.pick(data.strings)}`], // unterminated
    [1, () => `"${rng.pick(data.strings)}"`],
    [1, () => `@p${rng.int(0, 3)}`],
  ])();
}

const CODE_POINT_RANGES: [number, number][] = [[0x20, 0x7e], [0x00, 0x1f], [0x80, 0x2ff], [0x370, 0x3ff], [0x400, 0x4ff], [0x590, 0x6ff], [0x200b, 0x202e],
  [0x3040, 0x30ff], [0x4e00, 0x4e80], [0xd800, 0xdfff], [0xfff0, 0xffff], [0x1f600, 0x1f64f], [0x10000, 0x10100], [0xe0000, 0xe007f]];

function randomUnicode(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = rng.pick(CODE_POINT_RANGES);
    const cp = rng.int(lo, hi);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

const FILTER_ALPHABET = "()',/:- \teqnandortuslgiTZ0123456789.abcdefxyz_%\\\"$@*;=<>!";

/** (a) random text: raw code units, unicode, and text over the filter's own alphabet */
function randomText(rng: Rng): string {
  const n = rng.weighted([[10, rng.int(0, 16)], [5, rng.int(16, 120)], [1, rng.int(120, 600)]]);
  switch (rng.int(0, 3)) {
    case 0:
      return Array.from({ length: n }, () => String.fromCharCode(rng.int(0, 0xffff))).join('');
    case 1:
      return Array.from({ length: n }, () => String.fromCharCode(rng.int(0, 255))).join('');
    case 2:
      return randomUnicode(rng, n);
    default:
      return Array.from({ length: n }, () => FILTER_ALPHABET[rng.int(0, FILTER_ALPHABET.length - 1)]).join('');
  }
}

interface Gen {
  endpoint: Endpoint;
  spec: FilterSpec;
  data: Data;
}

/** A property path as written, with case variations; inside a lambda, relative to the range variable. */
function writePath(rng: Rng, key: string, rangeVar?: string): string {
  const cased = rng.bool(0.2) ? key.split('/').map((seg) => randomCase(rng, seg)).join('/') : key;
  if (rangeVar === undefined) return cased;
  return cased === '' ? rangeVar : `${rangeVar}/${cased}`;
}

function leaf(rng: Rng, fields: Record<string, FieldSpec>, g: Gen, rangeVar?: string): string {
  const [key, field] = rng.pick(Object.entries(fields));
  const op = rng.pick(field.ops);
  const path = writePath(rng, key, rangeVar);
  const lit = validLiteral(rng, field, g.data);
  if (op === 'startswith' || op === 'endswith' || op === 'contains') {
    return `${randomCase(rng, op)}(${path},${ws(rng)}${lit})`;
  }
  if ((op === 'eq' || op === 'ne') && rng.bool(0.03)) return `${path} ${randomCase(rng, op)} null`;
  return `${path}${ws(rng)}${randomCase(rng, op)}${ws(rng)}${lit}`;
}

function lambda(rng: Rng, g: Gen, depth: number): string {
  const [name, coll] = rng.pick(Object.entries(g.spec.collections));
  const v = rng.pick(['t', 'x', 'p', 'item', 'T', 'ş']);
  const inner = expr(rng, g, Math.min(depth, 1), { rangeVar: v, fields: coll.element });
  return `${writePath(rng, name)}/${randomCase(rng, 'any')}(${v}:${ws(rng)}${inner})`;
}

/** (b) a filter the endpoint accepts (up to literal validity: enum values, retention, lengths) */
function expr(rng: Rng, g: Gen, depth: number, scope?: { rangeVar: string; fields: Record<string, FieldSpec> }): string {
  const fields = scope?.fields ?? g.spec.fields;
  const canLambda = !scope && Object.keys(g.spec.collections).length > 0;
  const kind = depth <= 0 ? (canLambda && rng.bool(0.15) ? 'lambda' : 'leaf')
    : rng.weighted<string>([[4, 'leaf'], [canLambda ? 1 : 0, 'lambda'], [3, 'and'], [2, 'or'], [1, 'not'], [1, 'paren']]);
  switch (kind) {
    case 'lambda':
      return lambda(rng, g, depth - 1);
    case 'and':
    case 'or': {
      const n = rng.int(2, 4);
      const parts = Array.from({ length: n }, () => {
        const e = expr(rng, g, depth - 1, scope);
        return /\s(and|or)\s/i.test(e) && !e.startsWith('(') ? `(${e})` : e;
      });
      return parts.join(`${ws(rng)}${randomCase(rng, kind)}${ws(rng)}`);
    }
    case 'not':
      return `${randomCase(rng, 'not')}${ws(rng)}(${expr(rng, g, depth - 1, scope)})`;
    case 'paren':
      return `(${expr(rng, g, depth - 1, scope)})`;
    default:
      return leaf(rng, fields, g, scope?.rangeVar);
  }
}

/** every property of every spec with every operator (valid or not), with a literal of its type */
function* everyPropertyAndOperator(rng: Rng, data: Data): Generator<[Endpoint, string]> {
  for (const endpoint of ['signIns-beta', 'audits'] as const) {
    const spec = SPECS[endpoint];
    for (const [key, field] of Object.entries(spec.fields)) {
      for (const op of ALL_OPS) {
        for (let k = 0; k < 3; k++) {
          const lit = k === 2 ? wrongLiteral(rng, data) : validLiteral(rng, field, data);
          yield [endpoint, op === 'startswith' || op === 'endswith' || op === 'contains' ? `${op}(${key}, ${lit})` : `${key} ${op} ${lit}`];
        }
      }
    }
    for (const [name, coll] of Object.entries(spec.collections)) {
      for (const [key, field] of Object.entries(coll.element)) {
        for (const op of ALL_OPS) {
          const path = key === '' ? 't' : `t/${key}`;
          const lit = validLiteral(rng, field, data);
          const body = op === 'startswith' || op === 'endswith' || op === 'contains' ? `${op}(${path}, ${lit})` : `${path} ${op} ${lit}`;
          yield [endpoint, `${name}/any(t: ${body})`];
          yield [endpoint, `${name}/any(t: not (${body}))`];
          yield [endpoint, `${name}/all(t: ${body})`];
        }
      }
    }
  }
}

/* ------------------------------------------------------------------ grammar-aware mutation */

const TOKEN_RE = /'(?:[^']|'')*'?|\s+|[(),/:]|[^\s(),/:']+/g;
const KEYWORDS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not', 'any', 'all', 'in', 'has', 'startswith', 'endswith', 'contains', 'substringof',
  'true', 'false', 'null', 'EQ', 'And', 'NOT', 'Any', 'add', 'mod', 'divby', 'cast', 'isof', '$it', '$root', '$filter'];
const WEIRD_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'then'];
const PUNCT = ['(', ')', ',', '/', ':', "'", "''", ' ', '\t', '(', ')'];

function mutate(rng: Rng, text: string, g: Gen): string {
  let toks: string[] = [...(text.match(TOKEN_RE) ?? [])];
  const rounds = rng.int(1, 3);
  for (let r = 0; r < rounds; r++) {
    const i = rng.int(0, Math.max(0, toks.length - 1));
    const j = rng.int(0, Math.max(0, toks.length - 1));
    switch (rng.int(0, 19)) {
      case 0: // delete a token
        toks.splice(i, 1);
        break;
      case 1: // duplicate a token
        toks.splice(i, 0, toks[i] ?? '');
        break;
      case 2: { // swap two tokens
        const a = toks[i];
        toks[i] = toks[j] ?? '';
        toks[j] = a ?? '';
        break;
      }
      case 3: // replace a token by a keyword
        toks[i] = rng.pick(KEYWORDS);
        break;
      case 4: // insert punctuation (unbalanced parens / quotes)
        toks.splice(i, 0, rng.pick(PUNCT));
        break;
      case 5: // case of one token
        toks[i] = randomCase(rng, toks[i] ?? '');
        if (rng.bool(0.3)) toks[i] = (toks[i] ?? '').toUpperCase();
        break;
      case 6: // a literal becomes a huge number / odd date / wrong kind
        toks[i] = rng.bool(0.5) ? rng.pick(HUGE_NUMBERS) : rng.bool(0.5) ? rng.pick(ODD_DATES) : wrongLiteral(rng, g.data);
        break;
      case 7: // deep nesting
        {
          const d = rng.pick([1, 5, 16, 30, 31, 32, 33, 40, 100]);
          toks = ['('.repeat(d), ...toks, ')'.repeat(rng.bool(0.8) ? d : rng.int(0, d + 2))];
        }
        break;
      case 8: // not not not ...
        toks = [`${'not '.repeat(rng.pick([1, 2, 16, 31, 32, 33]))}`, '(', ...toks, ')'];
        break;
      case 9: // long string literal
        toks[i] = quote(rng.pick(['a', 'ş', '😀', "'", '%', '\\', '_']).repeat(rng.pick([100, 511, 512, 1023, 1024, 1025, 2000])));
        break;
      case 10: // truncate
        return toks.join('').slice(0, rng.int(0, text.length));
      case 11: // a random unicode character somewhere
        toks.splice(i, 0, randomUnicode(rng, rng.int(1, 3)));
        break;
      case 12: // wrong range variable / nested lambda / lambda on a non-collection
        toks[i] = rng.pick(['u/id', 'x/any(y: y eq 1)', 'createdDateTime/any(t: t eq 1)', 't', 'T/Id', 'any', 'all(t: t eq 1)', '$it', 'u']);
        break;
      case 13: // a property that does not exist, a prototype name
        toks[i] = rng.bool(0.6) ? rng.pick(WEIRD_NAMES) : rng.pick(['status', 'status/errorcode/x', 'location', 'location/City', 'isInteractive', 'tenantId', 'x'.repeat(129), 'userPrincipalName ']);
        break;
      case 14: { // a property of the other endpoint / any property of any spec
        const other = SPECS[rng.pick(ENDPOINTS)];
        toks[i] = rng.pick([...Object.keys(other.fields), ...Object.keys(other.collections)]);
        break;
      }
      case 15: // an operator the field does not allow
        toks[i] = rng.pick(ALL_OPS);
        break;
      case 16: // a malicious string inside a literal
        toks[i] = quote(rng.pick(MALICIOUS));
        break;
      case 17: // chain of terms
        toks.push(...Array.from({ length: rng.pick([1, 10, 60, 199, 200, 201]) }, () => ` ${rng.pick(['or', 'and'])} ${leaf(rng, g.spec.fields, g)}`));
        break;
      case 18: // remove whitespace / separators
        toks = toks.map((t) => (/^\s+$/.test(t) && rng.bool(0.3) ? '' : t));
        break;
      default: // a copy of another random token elsewhere
        toks.splice(j, 0, toks[i] ?? '');
        break;
    }
  }
  return toks.join('');
}

/* ------------------------------------------------------------------ malicious corpus */

const MALICIOUS: string[] = [
  "' OR '1'='1", "' or 1=1 --", "'; DROP TABLE sign_ins; --", "x'); DELETE FROM directory_audits; --", '1; SELECT pg_sleep(5)', "' UNION SELECT * FROM users --",
  "'||(select sqlite_version())||'", "$$; drop table tenants; $$", 'E\'\\x27\'', '\\x00', '\\', '\\\\', '\\%', '\\_', '%', '_', '%%', '__', '%_%', '[a-z]%', '*', '?', 'a%', '%a',
  '\u0000', 'a\u0000b', '\ud800', '\udc00', 'a\ud83d', '\ud83d\ude00', '\u202e', 'abc\u202edef', '\u200b', '\ufeff', '\uffff', '\ufffe', '\u0085', '\u2028', '\u00a0',
  'İ', 'ı', 'ß', 'ẞ', 'K', 'Ş', 'ǅ', 'ﬃ', 'Σ', 'ς', 'é', 'é', '😀', '👩‍👩‍👧', '\u0301', '🏳️‍🌈', '\u{e0041}',
  '__proto__', 'constructor', 'prototype', 'toString', '{"$ne":null}', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '%00', '%27', '%2527', '&#39;',
  'null', 'NULL', 'undefined', 'NaN', 'true', ' ', '', '\t', 'a\tb', '\r\n', ')', '(', "')", "'('", 'eq', 'and', "' eq '", "'' or ''=''",
];

/** (c) the malicious corpus in every position: as literal, raw, property, and the big inputs */
function* maliciousInputs(rng: Rng, data: Data): Generator<[Endpoint, string]> {
  const templates: [Endpoint, (m: string) => string][] = [
    ['signIns-beta', (m) => `userPrincipalName eq ${quote(m)}`],
    ['signIns-beta', (m) => `startswith(userDisplayName, ${quote(m)})`],
    ['signIns-beta', (m) => `startswith(location/city,${quote(m)}) or ipAddress eq ${quote(m)}`],
    ['signIns-beta', (m) => `riskEventTypes_v2/any(t: startswith(t, ${quote(m)}))`],
    ['signIns-beta', (m) => `appliedConditionalAccessPolicies/any(p: startswith(p/displayName, ${quote(m)}))`],
    ['signIns-beta', (m) => `tokenIssuerName eq ${quote(m)}`],
    ['signIns-beta', (m) => `conditionalAccessStatus eq ${quote(m)}`],
    ['signIns-beta', (m) => `signInEventTypes/any(t: t eq ${quote(m)})`],
    ['signIns-v1', (m) => `userId eq ${quote(m)}`],
    ['signIns-v1', (m) => `userPrincipalName eq ${m}`],
    ['signIns-v1', (m) => `${m} eq 1`],
    ['signIns-v1', (m) => m],
    ['audits', (m) => `activityDisplayName eq ${quote(m)}`],
    ['audits', (m) => `startswith(activityDisplayName, ${quote(m)})`],
    ['audits', (m) => `id eq ${quote(m)}`],
    ['audits', (m) => `targetResources/any(t: t/id eq ${quote(m)} or startswith(t/displayName, ${quote(m)}))`],
    ['audits', (m) => `startswith(initiatedBy/user/userPrincipalName, ${quote(m)}) and initiatedBy/app/displayName eq ${quote(m)}`],
    ['audits', (m) => `${m}/any(${m}: ${m} eq 'x')`],
    ['audits', (m) => m],
  ];
  for (const m of MALICIOUS) for (const [endpoint, t] of templates) yield [endpoint, t(m)];
  for (const name of WEIRD_NAMES) {
    for (const endpoint of ENDPOINTS) {
      yield [endpoint, `${name} eq 1`];
      yield [endpoint, `${name} eq '${name}'`];
      yield [endpoint, `${name}/any(t: t eq 'x')`];
      yield [endpoint, `${name}(userPrincipalName, 'x')`];
      yield [endpoint, `riskEventTypes_v2/any(${name}: ${name} eq 'x')`];
      yield [endpoint, `targetResources/any(t: t/${name} eq 'x')`];
      yield [endpoint, `status/${name} eq 1`];
      yield [endpoint, `conditionalAccessStatus eq '${name}'`];
      yield [endpoint, `signInEventTypes/any(t: t eq '${name}')`];
    }
  }
  const big: string[] = [
    'a'.repeat(10_000), `userPrincipalName eq '${'a'.repeat(10_000)}'`, `userPrincipalName eq '${'a'.repeat(3970)}'`, `userPrincipalName eq '${'a'.repeat(1024)}'`,
    `userPrincipalName eq '${'a'.repeat(1025)}'`, `userPrincipalName eq '${"'".repeat(2048)}'`, `userPrincipalName eq '${"''".repeat(512)}'`, `userPrincipalName eq '${"''".repeat(513)}'`,
    Array.from({ length: 10_000 }, (_, i) => `status/errorCode eq ${i}`).join(' or '), Array.from({ length: 10_000 }, () => 'id eq 1').join(' and '),
    Array.from({ length: 200 }, (_, i) => `a eq ${i}`).join(' or '), Array.from({ length: 201 }, (_, i) => `a eq ${i}`).join(' or '),
    Array.from({ length: 200 }, (_, i) => `status/errorCode eq ${i}`).join(' or '), Array.from({ length: 200 }, (_, i) => `status/errorCode ne ${i}`).join(' and '),
    Array.from({ length: 199 }, (_, i) => `startswith(userPrincipalName,'${i}%')`).join(' or '),
    Array.from({ length: 100 }, (_, i) => `riskEventTypes_v2/any(t: t eq '${i}')`).join(' or '),
    `${'('.repeat(5000)}a eq 1${')'.repeat(5000)}`, `${'('.repeat(31)}status/errorCode eq 0${')'.repeat(31)}`, `${'('.repeat(32)}status/errorCode eq 0${')'.repeat(32)}`,
    `${'('.repeat(33)}status/errorCode eq 0${')'.repeat(33)}`, `${'not '.repeat(31)}status/errorCode eq 0`, `${'not '.repeat(32)}status/errorCode eq 0`, `${'not '.repeat(33)}status/errorCode eq 0`,
    `${'not ('.repeat(16)}status/errorCode eq 0${')'.repeat(16)}`, `${'not ('.repeat(17)}status/errorCode eq 0${')'.repeat(17)}`,
    `riskEventTypes_v2/any(t: ${'('.repeat(30)}t eq 'x'${')'.repeat(30)})`, `riskEventTypes_v2/any(t: ${'('.repeat(31)}t eq 'x'${')'.repeat(31)})`,
    '('.repeat(4000), ')'.repeat(4000), "'".repeat(4000), "'".repeat(3999), 'not '.repeat(1000), '-'.repeat(4000), '9'.repeat(4000), `x${'/x'.repeat(1999)}`,
    `userPrincipalName eq ${'0'.repeat(3000)}1`, 'a'.repeat(128) + ' eq 1', 'a'.repeat(129) + ' eq 1', `${'ş'.repeat(128)} eq 1`, `${'😀'.repeat(2)} eq 1`,
    `createdDateTime ge ${data.times.length ? new Date(data.times[0]!).toISOString() : '2024-01-01T00:00:00Z'} and ${Array.from({ length: 198 }, () => `userPrincipalName eq '${rng.pick(data.strings).slice(0, 5).replace(/'/g, "''")}'`).join(' or ')}`,
    '\u0000'.repeat(100), '\ud800'.repeat(100), '\u202e'.repeat(2000), ' '.repeat(4000), ' '.repeat(4001), '\t'.repeat(100),
  ];
  for (const b of big) for (const endpoint of ENDPOINTS) yield [endpoint, b];
}

/* ------------------------------------------------------------------ checks */

interface Outcome {
  ok: boolean;
  /** validated tree per endpoint where the input validated */
  valid: Endpoint[];
}

const MAX_FAILURES = 25;

/** parse + validate: a tree (with only spec properties and well-formed literals) or ODataError('Invalid filter clause'), nothing else */
function checkInput(text: string, endpoints: readonly Endpoint[], failures: string[], specs: Record<Endpoint, FilterSpec> = SPECS): Outcome {
  const fail = (what: string) => {
    if (failures.length < MAX_FAILURES) failures.push(`${what}: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length})` : text)}`);
    return { ok: false, valid: [] };
  };
  const isRejection = (err: unknown) => err instanceof ODataError && err.message === 'Invalid filter clause' && typeof err.detail === 'string';
  let tree: FilterNode;
  try {
    tree = parseFilter(text);
  } catch (err) {
    if (isRejection(err)) return { ok: true, valid: [] };
    return fail(`parseFilter threw ${describe_(err)}`);
  }
  if (text.length > MAX_FILTER_LENGTH) return fail('parseFilter accepted an over-long filter');
  const problem = treeProblem(tree, undefined, 0);
  if (problem) return fail(`parse tree: ${problem}`);
  // printing the tree and parsing it again gives the same tree
  const printed = printFilter(tree);
  if (printed !== undefined && printed.length <= MAX_FILTER_LENGTH) {
    let again: FilterNode | undefined;
    try {
      again = parseFilter(printed);
    } catch (err) {
      return fail(`re-parse of ${JSON.stringify(printed.slice(0, 200))} threw ${describe_(err)}`);
    }
    if (JSON.stringify(again) !== JSON.stringify(tree)) return fail(`round trip changed the tree (${printed.slice(0, 200)})`);
  }
  const valid: Endpoint[] = [];
  for (const endpoint of endpoints) {
    const spec = specs[endpoint];
    let checked: FilterNode;
    try {
      checked = validateFilter(tree, spec);
    } catch (err) {
      if (isRejection(err)) continue;
      return fail(`validateFilter(${endpoint}) threw ${describe_(err)}`);
    }
    const p = treeProblem(checked, spec, 0);
    if (p) return fail(`validated tree (${endpoint}): ${p}`);
    // validation is idempotent on its own output
    try {
      if (JSON.stringify(validateFilter(checked, spec)) !== JSON.stringify(checked)) return fail(`validateFilter(${endpoint}) is not idempotent`);
    } catch (err) {
      return fail(`validateFilter(${endpoint}) rejected its own output: ${describe_(err)}`);
    }
    valid.push(endpoint);
  }
  return { ok: true, valid };
}

function describe_(err: unknown): string {
  if (err instanceof Error) return `${err.constructor.name}(${err.message}${err instanceof ODataError ? ` / ${err.detail}` : ''})`;
  return `non-Error ${typeof err} ${String(err)}`;
}

/** What is wrong with a tree, if anything: bad literals; with a spec, properties/ops/types outside it. */
function treeProblem(node: FilterNode, spec: FilterSpec | undefined, depth: number, inLambda?: Record<string, FieldSpec>): string | undefined {
  if (depth > 100) return 'tree deeper than 100';
  switch (node.kind) {
    case 'and':
    case 'or':
      if (node.items.length < 2) return `${node.kind} with ${node.items.length} items`;
      if (node.items.some((i) => i.kind === node.kind)) return `${node.kind} not flattened`;
      for (const i of node.items) {
        const p = treeProblem(i, spec, depth + 1, inLambda);
        if (p) return p;
      }
      return undefined;
    case 'not':
      return treeProblem(node.operand, spec, depth + 1, inLambda);
    case 'any': {
      if (inLambda) return 'nested lambda';
      if (!spec) return treeProblem(node.predicate, spec, depth + 1, {});
      if (!Object.hasOwn(spec.collections, node.collection)) return `unknown collection ${node.collection}`;
      return treeProblem(node.predicate, spec, depth + 1, spec.collections[node.collection]!.element);
    }
    case 'compare':
    case 'function': {
      const lp = literalProblem(node.value);
      if (lp) return lp;
      if (!spec) return undefined;
      const fields = inLambda ?? spec.fields;
      if (!Object.hasOwn(fields, node.property)) return `unknown property ${node.property}`;
      const field = fields[node.property]!;
      const op = node.kind === 'compare' ? node.op : node.name;
      if (!field.ops.includes(op)) return `${op} on ${node.property}`;
      const v = node.value;
      if (v.kind === 'null') return node.kind === 'compare' && (node.op === 'eq' || node.op === 'ne') ? undefined : 'null with an order operator';
      const expected: Record<FieldSpec['type'], Literal['kind']> = { string: 'string', guid: 'string', enum: 'string', int: 'number', datetime: 'datetime', boolean: 'boolean' };
      if (v.kind !== expected[field.type]) return `${v.kind} literal on ${field.type} ${node.property}`;
      if (field.type === 'enum' && v.kind === 'string' && node.kind === 'compare' && !field.enumValues?.includes(v.value)) return `enum value ${v.value} not canonical`;
      if (field.type === 'guid' && v.kind === 'string' && node.kind === 'compare' && v.value !== v.value.toLowerCase()) return 'guid not lower-cased';
      return undefined;
    }
  }
}

function literalProblem(v: Literal): string | undefined {
  switch (v.kind) {
    case 'number':
      return Number.isFinite(v.value) && !Object.is(v.value, -0) ? undefined : `number ${v.value}`;
    case 'datetime':
      return Number.isSafeInteger(v.epochMs) && v.epochMs >= Date.parse('0001-01-01T00:00:00Z') - 14 * HOUR && v.epochMs <= Date.parse('9999-12-31T23:59:59.999Z') + 14 * HOUR
        ? undefined : `datetime ${v.value} → ${v.epochMs}`;
    case 'string':
      return v.value.length <= 1024 ? undefined : 'string literal longer than 1024';
    case 'guid':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v.value) ? undefined : `guid ${v.value}`;
    default:
      return undefined;
  }
}

/** Prints a parsed tree as filter text (undefined when a number has no plain decimal form). */
function printFilter(node: FilterNode, rangeVar?: string): string | undefined {
  const path = (p: string) => (rangeVar === undefined ? p : p === '' ? rangeVar : `${rangeVar}/${p}`);
  const lit = (v: Literal): string | undefined => {
    switch (v.kind) {
      case 'string':
        return quote(v.value);
      case 'number': {
        const s = String(v.value);
        if (/e/i.test(s)) return undefined;
        return Number.isSafeInteger(v.value) || s.includes('.') ? s : `${s}.0`;
      }
      case 'boolean':
        return String(v.value);
      case 'null':
        return 'null';
      case 'datetime':
      case 'guid':
        return v.value;
    }
  };
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = node.items.map((i) => {
        const s = printFilter(i, rangeVar);
        return s === undefined ? undefined : node.kind === 'and' && i.kind === 'or' ? `(${s})` : s;
      });
      return parts.some((p) => p === undefined) ? undefined : parts.join(` ${node.kind} `);
    }
    case 'not': {
      const s = printFilter(node.operand, rangeVar);
      return s === undefined ? undefined : node.operand.kind === 'and' || node.operand.kind === 'or' ? `not (${s})` : `not ${s}`;
    }
    case 'compare': {
      const v = lit(node.value);
      return v === undefined ? undefined : `${path(node.property)} ${node.op} ${v}`;
    }
    case 'function': {
      const v = lit(node.value);
      return v === undefined ? undefined : `${node.name}(${path(node.property)},${v})`;
    }
    case 'any': {
      const v = 'r';
      const inner = printFilter(node.predicate, v);
      return inner === undefined ? undefined : `${node.collection}/any(${v}: ${inner})`;
    }
  }
}

/* ------------------------------------------------------------------ the run */

interface Sample {
  endpoint: Endpoint;
  filter: string;
  valid: boolean;
}

/** Percent-encodes like encodeURIComponent, but a lone surrogate becomes its 3 WTF-8 bytes instead of throwing. */
function encodeWtf8(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(text[i]!);
    }
  }
  return out;
}

const isClientError = (err: unknown): boolean =>
  err instanceof ODataError || (err instanceof DirectoryError && err.kind === 'badRequest');

/** never in any body (the data seeded for the HTTP part contains none of it) */
const BODY_LEAK = /SQLITE|syntax error|at .*\.ts|relation "|column "/;
/** never in an error body */
const LEAK = /SQLITE|syntax error|at .*\.ts|relation "|column "|stack|node_modules|\/src\/|kysely|postgres|pg_|select .* from/i;

describe(`$filter fuzz (${TEST_ENGINE})`, () => {
  const rng = new Rng(SEED);
  let ts: TestStore;
  let logs: ActivityLogs;
  let actor: SystemActor;
  let data: Data;
  const samples: Sample[] = [];

  beforeAll(async () => {
    ts = await createTestStore();
    const tenantId = randomUUID();
    await tenantsRepo.insertTenant(ts.store.db, { id: tenantId, display_name: 'fuzz', tenant_type: 'standard', license: 'P2', created_at: 1 });
    const events = makeSignIns(rng, tenantId, 400);
    const rows = [];
    for (const e of events) rows.push(await toSignInRow(ts.store.signInDims, e));
    for (let i = 0; i < rows.length; i += 100) await ts.store.appendSignIns(rows.slice(i, i + 100));
    const audits = makeAudits(rng, tenantId, 150);
    for (const a of audits) await logsRepo.insertDirectoryAudit(ts.store.db, a.row, a.targets);
    const strings = new Set<string>();
    for (const e of events) {
      for (const v of [e.user?.userPrincipalName, e.user?.displayName, e.app?.displayName, e.resource?.displayName, e.location?.city, e.location?.state,
        e.location?.countryOrRegion, e.deviceDetail?.browser, e.deviceDetail?.operatingSystem, e.userAgent, e.clientAppUsed, e.ipAddress,
        ...(e.assessment?.riskEventTypes ?? []), ...(e.assessment?.appliedConditionalAccessPolicies.map((p) => p.displayName) ?? [])]) if (v) strings.add(v);
    }
    for (const a of audits) {
      for (const v of [a.row.id, a.row.activity_display_name, a.row.category, a.row.operation_type, a.row.initiator_user_principal_name, a.row.initiator_user_display_name,
        a.row.initiator_app_display_name, ...a.targets.map((t) => t.displayName), ...a.targets.map((t) => t.id)]) if (v) strings.add(v);
    }
    const guids = new Set<string>();
    for (const e of events) {
      for (const v of [e.id, e.correlationId, e.requestId, e.user?.id, e.app?.appId, e.app?.servicePrincipalId, e.resource?.appId, ...(e.assessment?.appliedConditionalAccessPolicies.map((p) => p.id) ?? [])]) if (v) guids.add(v);
    }
    for (const a of audits) for (const v of [a.row.correlation_id, a.row.initiator_user_id, a.row.initiator_app_id]) if (v) guids.add(v);
    data = { tenantId, strings: [...strings], guids: [...guids], times: [...events.map((e) => e.createdAt), ...audits.map((a) => a.row.activity_at)], auditIds: audits.map((a) => a.row.id) };
    logs = new ActivityLogs({ store: ts.store, clock: () => NOW, secretPepper: 'p' }, new SkipTokens('k'), { strictDirectoryRead: false }, { freeDays: 36_500, premiumDays: 36_500 });
    actor = { kind: 'system', name: 'fuzz', tenantId, ipAddress: null, correlationId: randomUUID() };
  });
  afterAll(async () => { await ts?.cleanup(); });

  it(`${TOTAL_INPUTS} inputs: parse + validate return a well-formed tree or throw ODataError, nothing else`, () => {
    const started = Date.now();
    const failures: string[] = [];
    const counts = { random: 0, mutated: 0, grammar: 0, malicious: 0, exhaustive: 0, valid: 0 };
    const reservoir = { valid: new Map<Endpoint, string[]>(ENDPOINTS.map((e) => [e, []])), invalid: [] as Sample[] };
    const seenValid = new Map<Endpoint, number>(ENDPOINTS.map((e) => [e, 0]));
    let seenInvalid = 0;
    const VALID_CAP: Record<Endpoint, number> = { 'signIns-beta': 2000, 'signIns-v1': 500, audits: 1000 };
    const INVALID_CAP = 1500;

    const take = (endpoint: Endpoint, text: string, origin: keyof typeof counts) => {
      counts[origin]++;
      const targets = endpoint === 'audits' ? ['audits' as const] : rng.bool(0.5) ? ['signIns-beta' as const, 'signIns-v1' as const] : [endpoint];
      const all = origin === 'random' || origin === 'malicious' ? ENDPOINTS : targets;
      const outcome = checkInput(text, all, failures);
      if (outcome.valid.length > 0) counts.valid++;
      // reservoir samples: every valid input has the same chance to be run against the store
      for (const e of outcome.valid) {
        const n = (seenValid.get(e) ?? 0) + 1;
        seenValid.set(e, n);
        const bucket = reservoir.valid.get(e)!;
        if (bucket.length < VALID_CAP[e]) bucket.push(text);
        else if (rng.float() < VALID_CAP[e] / n) bucket[rng.int(0, VALID_CAP[e] - 1)] = text;
      }
      if (outcome.valid.length === 0) {
        seenInvalid++;
        const s = { endpoint: rng.pick(all), filter: text, valid: false };
        if (reservoir.invalid.length < INVALID_CAP) reservoir.invalid.push(s);
        else if (rng.float() < INVALID_CAP / seenInvalid) reservoir.invalid[rng.int(0, INVALID_CAP - 1)] = s;
      }
    };

    const gen = (): Gen => {
      const endpoint = rng.pick(ENDPOINTS);
      return { endpoint, spec: SPECS[endpoint], data };
    };
    const fixed: [Endpoint, string, keyof typeof counts][] = [
      ...[...maliciousInputs(rng, data)].map(([e, t]) => [e, t, 'malicious'] as [Endpoint, string, 'malicious']),
      ...[...everyPropertyAndOperator(rng, data)].map(([e, t]) => [e, t, 'exhaustive'] as [Endpoint, string, 'exhaustive']),
    ];
    for (const [e, t, origin] of fixed) take(e, t, origin);
    // the malicious corpus is always run against the store in full
    const maliciousSamples: Sample[] = fixed.filter(([, , o]) => o === 'malicious').map(([endpoint, filter]) => ({ endpoint, filter, valid: false }));

    while (counts.random + counts.mutated + counts.grammar + counts.malicious + counts.exhaustive < TOTAL_INPUTS) {
      const kind = rng.weighted<'random' | 'grammar' | 'mutated'>([[25, 'random'], [25, 'grammar'], [50, 'mutated']]);
      const g = gen();
      if (kind === 'random') take(g.endpoint, randomText(rng), 'random');
      else if (kind === 'grammar') take(g.endpoint, expr(rng, g, rng.int(0, 4)), 'grammar');
      else take(g.endpoint, mutate(rng, expr(rng, g, rng.int(0, 3)), g), 'mutated');
    }

    for (const [endpoint, filters] of reservoir.valid) for (const filter of filters) samples.push({ endpoint, filter, valid: true });
    samples.push(...reservoir.invalid, ...maliciousSamples);
    console.log(`[fuzz] ${JSON.stringify(counts)} in ${Date.now() - started} ms; store sample ${samples.length}`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    // the generators really reach the interesting parts
    expect(counts.valid).toBeGreaterThan(TOTAL_INPUTS / 10);
    for (const e of ENDPOINTS) expect(seenValid.get(e), e).toBeGreaterThan(Math.min(500, TOTAL_INPUTS / 200));
  }, 120_000);

  it('the sample runs through ActivityLogs against the store: results or 400-class errors, never a database error or TypeError', async () => {
    expect(samples.length).toBeGreaterThan(3000);
    const started = Date.now();
    const failures: string[] = [];
    const rejectedValid: string[] = [];
    const stats = { resolved: 0, rejected: 0, rejectedValid: 0, pages: 0, rows: 0 };
    const run = async (s: Sample): Promise<void> => {
      const q: LogQuery = {
        version: s.endpoint === 'signIns-v1' ? 'v1.0' : 'beta',
        filter: s.filter,
        ...(rng.bool(0.7) ? { top: String(rng.pick([1, 2, 5, 10, 50, 999, 1000])) } : {}),
        ...(rng.bool(0.3) ? { orderby: `${s.endpoint === 'audits' ? 'activityDateTime' : 'createdDateTime'}${rng.pick(['', ' asc', ' desc', ' DESC'])}` } : {}),
      };
      const call = (qq: LogQuery): Promise<LogPage<Record<string, unknown>>> => (s.endpoint === 'audits' ? logs.listDirectoryAudits(actor, qq) : logs.listSignIns(actor, qq));
      try {
        let page = await call(q);
        stats.resolved++;
        stats.pages++;
        stats.rows += page.items.length;
        if (page.items.some((i) => typeof i.id !== 'string')) throw new Error('an item without id');
        // follow a page or two
        for (let k = 0; k < 2 && page.next; k++) {
          page = await call({ ...q, skiptoken: page.next });
          stats.pages++;
          stats.rows += page.items.length;
        }
      } catch (err) {
        if (isClientError(err)) {
          stats.rejected++;
          // what validates against the specs above (mirrors of the endpoints') is accepted by the endpoint too,
          // filterSql included; dates are generated well inside retention
          if (s.valid) {
            stats.rejectedValid++;
            if (rejectedValid.length < MAX_FAILURES) rejectedValid.push(`${s.endpoint} ${JSON.stringify(q)}: ${describe_(err)}`);
          }
          return;
        }
        if (failures.length < MAX_FAILURES) failures.push(`${s.endpoint} ${JSON.stringify(q)}: ${describe_(err)}`);
      }
    };
    // a few at a time (PostgreSQL has a pool; SQLite is synchronous underneath anyway)
    const queue = [...samples];
    await Promise.all(Array.from({ length: TEST_ENGINE === 'postgres' ? 6 : 1 }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) await run(s);
    }));
    console.log(`[fuzz] store sample: ${JSON.stringify(stats)} in ${Date.now() - started} ms`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    expect(rejectedValid, `seed ${SEED}`).toEqual([]);
    expect(stats.resolved).toBeGreaterThan(1000);
    expect(stats.rows).toBeGreaterThan(1000);
  }, 120_000);

  it('regression: status/errorCode beyond the 32-bit range is an answer or a 400, not a database error', async () => {
    // the lexer and validator accept every safe integer; error_code is a 32-bit integer column on PostgreSQL
    for (const n of ['2147483647', '2147483648', '-2147483649', '9007199254740991', '-9007199254740991', '2147483648.0']) {
      for (const filter of [`status/errorCode eq ${n}`, `status/errorCode ne ${n}`]) {
        const outcome = await logs.listSignIns(actor, { version: 'beta', filter, top: '5' }).then(() => 'ok', (err: unknown) => (isClientError(err) ? 'ok' : describe_(err)));
        expect(outcome, filter).toBe('ok');
      }
    }
  });

  it('sanity: the checks fail on a wrong answer (a non-ODataError, a malformed tree)', () => {
    const failures: string[] = [];
    // a plain valid filter passes; a tree the validator should never produce, a NaN literal, a TypeError, a 403 are all caught
    expect(checkInput("conditionalAccessStatus eq 'success'", ['signIns-beta'], failures)).toEqual({ ok: true, valid: ['signIns-beta'] });
    expect(treeProblem({ kind: 'compare', op: 'gt', property: 'userId', value: { kind: 'string', value: 'X' } }, SIGNIN_SPEC_BETA, 0)).toBeDefined();
    expect(treeProblem({ kind: 'and', items: [{ kind: 'compare', op: 'eq', property: 'a', value: { kind: 'number', value: Number.NaN } }] }, undefined, 0)).toBeDefined();
    expect(isClientError(new TypeError('x'))).toBe(false);
    expect(isClientError(new DirectoryError('forbidden', 'x', 'y'))).toBe(false);
    expect(failures).toEqual([]);
    // a validator that throws a TypeError (here: through a broken spec) is reported
    const broken: Record<Endpoint, FilterSpec> = { ...SPECS, audits: { fields: { id: { type: 'string', ops: undefined as unknown as Op[] } }, collections: {} } };
    expect(checkInput("id eq 'x'", ['audits'], failures, broken).ok).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^validateFilter\(audits\) threw TypeError/);
  });

  describe('through the HTTP app', () => {
    let s: TestServer;
    let token: string;
    beforeAll(async () => {
      s = await startServer({ listen: false, retention: KEEP_ALL });
      const t = await s.tenant({ license: 'P2' });
      const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      const app = await registerApp(s, admin, ['AuditLog.Read.All', 'Directory.Read.All', 'Policy.Read.All']);
      token = await appToken(s, t.tenantId, app);
      const events = makeSignIns(new Rng(SEED ^ 0x5eed), t.tenantId, 60);
      const prepared: Awaited<ReturnType<typeof prepareSignIn>>[] = [];
      for (const e of events) prepared.push(await prepareSignIn(s.testStore.store, e));
      await s.testStore.store.transaction(async (trx) => {
        for (const row of prepared) await recordSignIn(trx, row);
      });
    });
    afterAll(async () => { await s?.close(); });

    it('no 5xx and no SQL or stack text in any body', async () => {
      const started = Date.now();
      const failures: string[] = [];
      const statuses: Record<number, number> = {};
      const shuffled = samples.map((x) => ({ x, k: rng.float() })).sort((a, b) => a.k - b.k).map(({ x }) => x);
      const fixed: Sample[] = ['status/errorCode eq 2147483648', 'status/errorCode ne -2147483649', 'status/errorCode eq 9007199254740991',
        "userPrincipalName eq 'x''; DROP TABLE sign_ins;--'", "startswith(userPrincipalName,'%_\\')", `userPrincipalName eq '${'a'.repeat(5000)}'`,
        `${'('.repeat(40)}status/errorCode eq 0${')'.repeat(40)}`, '__proto__ eq 1', "userPrincipalName eq 'a\u0000b'", "userPrincipalName eq '\ud800'"]
        .flatMap((filter) => [{ endpoint: 'signIns-beta' as const, filter, valid: false }, { endpoint: 'signIns-v1' as const, filter, valid: false }]);
      const pick = [...fixed, ...shuffled.filter((x) => x.valid).slice(0, 250), ...shuffled.filter((x) => !x.valid).slice(0, 250)];
      let injectErrors = 0;
      for (const sample of pick) {
        const base = sample.endpoint === 'audits' ? '/v1.0/auditLogs/directoryAudits' : sample.endpoint === 'signIns-v1' ? '/v1.0/auditLogs/signIns' : '/beta/auditLogs/signIns';
        // mostly properly encoded; sometimes raw (the server must cope with whatever arrives)
        const encoded = rng.bool(0.9) ? encodeWtf8(sample.filter) : sample.filter.replace(/[#&\s]/g, (c) => encodeURIComponent(c));
        const url = `${base}?$filter=${encoded}${rng.bool(0.3) ? `&$top=${rng.pick(['1', '5', '1000', '0', '-1', 'x'])}` : ''}`;
        let res;
        try {
          res = await s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
        } catch {
          // inject itself refuses URLs it cannot build a request from (e.g. lone surrogates): not an answer of the server
          injectErrors++;
          continue;
        }
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 500 || BODY_LEAK.test(res.body) || (res.statusCode !== 200 && LEAK.test(res.body))) {
          if (failures.length < MAX_FAILURES) failures.push(`${res.statusCode} ${url.slice(0, 300)} → ${res.body.slice(0, 300)}`);
        }
      }
      console.log(`[fuzz] HTTP sample: ${JSON.stringify(statuses)}, ${injectErrors} URLs inject refused, in ${Date.now() - started} ms`);
      expect(failures, `seed ${SEED}`).toEqual([]);
      expect(statuses[200] ?? 0).toBeGreaterThan(100);
    }, 120_000);
  });
});
