import { createHash } from 'node:crypto';
import type { Executor, Store } from '../store/db.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import { getSignIn, type NewSignInRow } from '../store/repositories/logs.js';
import { SignInDimensions, type AssessmentItem, type DimTable, type DimValues } from '../store/repositories/signInDims.js';
import { isGuid } from '../lib/guid.js';
import { isoTime } from '../lib/time.js';
import { dimValues, EVENT_TYPE_CODE, type AppliedPolicy, type Assessment, type AuthenticationStep, type DeviceInfo } from './records.js';
import * as D from './generateData.js';

/**
 * `tenantry generate`: realistic synthetic sign-ins (here) and directory audits (generateAudits.ts),
 * written through the same storage as real ones: the sign-in dimensions and store.appendSignIns,
 * insertDirectoryAudit.
 *
 * Deterministic: the tenant's population (people, devices, apps, policies) comes from the tenant id
 * alone, and the records from (tenant, seed, count, days, end of window), through a seeded PRNG
 * (xoshiro128**), never Math.random. Records are produced in time order, so the log's time indexes
 * grow at their end; record ids and correlation ids are time-ordered GUIDs (RFC 9562 version 7,
 * random bits from the PRNG) for the same reason: random v4 GUIDs would turn every batch into writes
 * all over the id and correlation indexes, several times slower on SQLite.
 *
 * Every dimension (users, apps, resources, clients, places, outcomes, assessments) is a bounded pool
 * whose members are interned once up front; rows then carry numbers only.
 */

export const MAX_COUNT = 100_000_000;
export const MAX_DAYS = 365;
export const DAY_MS = 86_400_000;
const BUCKET_MS = 5 * 60_000;

export class GenerateError extends Error {}

export interface GenerateOptions {
  tenantId: string;
  count: number;
  /** the window: the last `days` days before `now` (default 7) */
  days?: number;
  seed: string;
  /** end of the window, epoch ms (the CLI passes Date.now()) */
  now: number;
  /**
   * rows per appendSignIns call: default 20,000 on SQLite (one transaction of the writer thread each)
   * and 4,000 on PostgreSQL, whose appender sends a batch as one INSERT (16 parameters a row, at most
   * 65,535). An in-memory SQLite store appends the same way and needs at most 2,000.
   */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateResult {
  kind: 'signIns' | 'directoryAudits';
  tenantId: string;
  count: number;
  days: number;
  seed: string;
  from: string;
  to: string;
  elapsedMs: number;
  rowsPerSecond: number;
  /** people in the generated population */
  users: number;
  /** the tenant's working-day time zone (the activity curve follows it) */
  utcOffsetMinutes: number;
}

export interface GenerateTenant {
  id: string;
  displayName: string;
  license: 'none' | 'P1' | 'P2';
  domain: string;
}

/** A tenant by id or domain name, with its default domain. */
export async function findGenerateTenant(store: Store, key: string): Promise<GenerateTenant | undefined> {
  const k = key.trim().toLowerCase();
  const row = isGuid(k) ? await tenantsRepo.getTenant(store.db, k) : await tenantsRepo.findTenantByDomain(store.db, k);
  if (!row) return undefined;
  const domains = await tenantsRepo.listDomains(store.db, row.id);
  const domain = (domains.find((d) => d.is_default === 1) ?? domains[0])?.name ?? `${row.id.slice(0, 8)}.example`;
  return { id: row.id, displayName: row.display_name, license: row.license, domain };
}

export function checkOptions(o: GenerateOptions): number {
  const days = o.days ?? 7;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_COUNT) throw new GenerateError(`count must be a whole number from 1 to ${MAX_COUNT}`);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new GenerateError(`days must be a whole number from 1 to ${MAX_DAYS}`);
  if (!Number.isFinite(o.now)) throw new GenerateError('now must be a time');
  return days;
}

/* ================================================================== randomness */

/** xoshiro128** (Blackman & Vigna): 128-bit state, 32-bit outputs, period 2^128 − 1. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator seeded from the SHA-256 of the parts. */
  static from(...parts: (string | number)[]): Rng {
    const h = createHash('sha256').update(parts.map(String).join('\0')).digest();
    return new Rng(h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12));
  }

  /** uniform 32-bit unsigned integer */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** uniform in [0, 1) */
  float(): number {
    return this.next() / 4_294_967_296;
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Walker/Vose alias table: O(1) draws from a fixed discrete distribution. */
export class Alias {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly n: number;

  constructor(weights: readonly number[]) {
    const n = weights.length;
    if (n === 0) throw new Error('empty distribution');
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const total = weights.reduce((s, w) => s + w, 0);
    const scaled = weights.map((w) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  sample(rng: Rng): number {
    const x = rng.float() * this.n;
    const i = Math.floor(x);
    return x - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** Zipf-like popularity: the k-th most popular (from 0) has weight 1/(k+1)^s. */
export const zipf = (n: number, s: number) => Array.from({ length: n }, (_, k) => 1 / Math.pow(k + 1, s));

/*
 * Ids are written as ASCII into a scratch buffer and decoded once: one flat string per id instead of
 * a dozen intermediate ones (which, for millions of rows, the garbage collector pays for).
 */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const scratch = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
const tokenBytes = Buffer.alloc(16);

function hexInto(pos: number, value: number, digits: number): void {
  for (let i = pos + digits - 1; i >= pos; i--) {
    scratch[i] = HEX_DIGITS[value & 15]!;
    value >>>= 4;
  }
}

/** A random (version 4) GUID from the PRNG. */
export function guidV4(rng: Rng): string {
  const a = rng.next();
  const b = rng.next();
  const c = rng.next();
  const d = rng.next();
  hexInto(0, a, 8);
  hexInto(9, b >>> 16, 4);
  hexInto(14, (b & 0x0fff) | 0x4000, 4);
  hexInto(19, ((c >>> 16) & 0x3fff) | 0x8000, 4);
  hexInto(24, c & 0xffff, 4);
  hexInto(28, d, 8);
  return scratch.toString('latin1', 0, 36);
}

/** A time-ordered (version 7) GUID: 48-bit milliseconds, then 74 random bits from the PRNG. */
export function guidV7(ms: number, rng: Rng): string {
  const a = rng.next();
  const c = rng.next();
  const d = rng.next();
  hexInto(0, Math.floor(ms / 65_536), 8);
  hexInto(9, ms % 65_536, 4);
  hexInto(14, 0x7000 | (a >>> 20), 4);
  hexInto(19, 0x8000 | (a & 0x3fff), 4);
  hexInto(24, c & 0xffff, 4);
  hexInto(28, d, 8);
  return scratch.toString('latin1', 0, 36);
}

/** A stable synthetic GUID (version 4 layout) named by its parts: the ids of what a tenant owns. */
export function syntheticGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest();
  h[6] = (h[6]! & 0x0f) | 0x40;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** uniqueTokenIdentifier: 16 random bytes in base64url (22 characters). */
function tokenId(rng: Rng): string {
  tokenBytes.writeUInt32LE(rng.next(), 0);
  tokenBytes.writeUInt32LE(rng.next(), 4);
  tokenBytes.writeUInt32LE(rng.next(), 8);
  tokenBytes.writeUInt32LE(rng.next(), 12);
  return tokenBytes.toString('base64url');
}

/* ================================================================== time */

/** Relative activity per local hour (people at work): weekdays peak 9–17, nights and weekends low. */
const WEEKDAY = [0.05, 0.04, 0.03, 0.03, 0.04, 0.08, 0.2, 0.45, 0.85, 1, 1, 0.95, 0.8, 0.9, 0.95, 0.92, 0.85, 0.7, 0.45, 0.28, 0.2, 0.15, 0.11, 0.07];
const WEEKEND = [0.05, 0.04, 0.03, 0.03, 0.03, 0.04, 0.06, 0.08, 0.11, 0.13, 0.14, 0.14, 0.13, 0.13, 0.13, 0.12, 0.12, 0.11, 0.1, 0.1, 0.09, 0.08, 0.07, 0.06];

interface LocalTime {
  hour: number;
  weekend: boolean;
}

/** Hour of day and weekend in a fixed UTC offset (1970-01-01 was a Thursday). */
export function localTime(ms: number, utcOffsetMinutes: number): LocalTime {
  const local = ms + utcOffsetMinutes * 60_000;
  const day = Math.floor(local / DAY_MS);
  const weekday = (((day + 4) % 7) + 7) % 7;
  return { hour: (local - day * DAY_MS) / 3_600_000, weekend: weekday === 0 || weekday === 6 };
}

/** The people curve at a moment, interpolated between hour midpoints. */
function activity(ms: number, utcOffsetMinutes: number): number {
  const { hour, weekend } = localTime(ms, utcOffsetMinutes);
  const p = weekend ? WEEKEND : WEEKDAY;
  const h = hour - 0.5;
  const i = Math.floor(h);
  const f = h - i;
  return p[(i + 24) % 24]! * (1 - f) + p[(i + 25) % 24]! * f;
}

/**
 * Record times: the window is cut into 5-minute buckets weighted by people's activity plus a flat
 * level of automation (apps), with ±20 % noise per bucket; the count is spread over them
 * proportionally (cumulative rounding, so exactly `count`), and times within a bucket are sorted
 * uniform draws. Times come out in order, each in [now − days, now).
 */
export class TimeStream {
  readonly start: number;
  private readonly counts: Uint32Array;
  /** share of automated (app) records per bucket */
  private readonly appShare: Float32Array;
  private readonly working: Uint8Array;
  private bucket = -1;
  private offsets = new Float64Array(0);
  private left = 0;
  private pos = 0;
  /** of the bucket of the last time returned */
  appShareNow = 0;
  workingNow = false;

  constructor(private readonly rng: Rng, count: number, days: number, now: number, utcOffsetMinutes: number, appLevel: number) {
    const n = days * (DAY_MS / BUCKET_MS);
    this.start = Math.floor(now) - days * DAY_MS;
    this.counts = new Uint32Array(n);
    this.appShare = new Float32Array(n);
    this.working = new Uint8Array(n);
    const cum = new Float64Array(n);
    let total = 0;
    for (let b = 0; b < n; b++) {
      const mid = this.start + (b + 0.5) * BUCKET_MS;
      const people = activity(mid, utcOffsetMinutes);
      const { hour, weekend } = localTime(mid, utcOffsetMinutes);
      this.appShare[b] = appLevel / (people + appLevel);
      this.working[b] = !weekend && hour >= 8 && hour < 18 ? 1 : 0;
      total += (people + appLevel) * (0.8 + 0.4 * rng.float());
      cum[b] = total;
    }
    let prev = 0;
    for (let b = 0; b < n; b++) {
      const upto = b === n - 1 ? count : Math.min(count, Math.floor((count * cum[b]!) / total));
      this.counts[b] = upto - prev;
      prev = upto;
    }
  }

  /** The next time, in order. */
  next(): number {
    while (this.left === 0) {
      this.bucket++;
      const k = this.counts[this.bucket]!;
      if (k === 0) continue;
      if (this.offsets.length < k) this.offsets = new Float64Array(Math.max(k, this.offsets.length * 2));
      const offs = this.offsets.subarray(0, k);
      for (let i = 0; i < k; i++) offs[i] = this.rng.float() * BUCKET_MS;
      offs.sort();
      this.left = k;
      this.pos = 0;
      this.appShareNow = this.appShare[this.bucket]!;
      this.workingNow = this.working[this.bucket] === 1;
    }
    this.left--;
    return this.start + this.bucket * BUCKET_MS + Math.floor(this.offsets[this.pos++]!);
  }
}

/* ================================================================== the tenant's population */

export interface Person {
  id: string;
  upn: string;
  displayName: string;
  guest: boolean;
  admin: boolean;
  tech: boolean;
  city: number;
  os: D.DesktopOs;
  browserUa: string;
  phone: D.PhoneOs | null;
  device: DeviceInfo | null;
  compliant: boolean;
  /** index into D.MFA_METHODS */
  method: number;
  homeIp: string;
}

export interface Population {
  region: D.Region;
  homeCities: number[];
  people: Person[];
}

/** Synthetic addresses: city c owns 198.18.0.0/15 + c·1024 … +1023 (1–4: office egress). */
const cityIpCache = new Map<number, string[]>();
export function cityIps(c: number): string[] {
  let ips = cityIpCache.get(c);
  if (!ips) {
    ips = Array.from({ length: 1024 }, (_, k) => {
      const o = c * 1024 + k;
      return `198.${18 + (o >>> 16)}.${(o >>> 8) & 255}.${o & 255}`;
    });
    cityIpCache.set(c, ips);
  }
  return ips;
}

export function asciiName(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9-]/g, '');
}

function homeRegion(tenant: GenerateTenant): D.Region {
  const tld = tenant.domain.split('.').pop() ?? '';
  const byTld = D.TLD_REGION[tld];
  if (byTld) return D.REGIONS[byTld];
  const choices: D.RegionId[] = ['us-east', 'us-west', 'europe', 'europe', 'india', 'apac', 'anz', 'latam'];
  return D.REGIONS[choices[createHash('sha256').update(tenant.id).digest()[0]! % choices.length]!];
}

const weightsOf = <T extends { weight: number }>(items: readonly T[]) => items.map((i) => i.weight);

/**
 * The tenant's people: its directory users first (with their real ids; role holders are admins), then
 * synthetic ones. Person i depends only on the tenant and the people before it, so a larger count
 * adds people without changing the first ones.
 */
export async function buildPopulation(store: Store, tenant: GenerateTenant, size: number): Promise<Population> {
  const rng = Rng.from('tenantry-generate', 'population', tenant.id);
  const region = homeRegion(tenant);
  const homeCities = D.CITIES.flatMap((c, i) => (c.region === region.id ? [i] : []));
  const homeAlias = new Alias(homeCities.map((i) => D.CITIES[i]!.weight));
  const anyAlias = new Alias(weightsOf(D.CITIES));
  const methodAlias = new Alias(weightsOf(D.MFA_METHODS));
  const browserAlias = { Windows10: new Alias(weightsOf(D.DESKTOP_BROWSERS.Windows10)), MacOs: new Alias(weightsOf(D.DESKTOP_BROWSERS.MacOs)), Linux: new Alias(weightsOf(D.DESKTOP_BROWSERS.Linux)) };
  const devicePrefix = (tenant.domain.split('.')[0] ?? 'corp').replace(/[^a-z0-9]/gi, '').slice(0, 8).toUpperCase() || 'CORP';

  const directory = await usersRepo.listUsers(store.db, tenant.id, Math.min(size, 1000));
  const roleHolders = new Set((await usersRepo.listRoleAssignments(store.db, tenant.id)).map((r) => r.principal_id));
  const taken = new Set(directory.map((u) => u.user_principal_name.toLowerCase()));
  const people: Person[] = [];

  for (let i = 0; i < size; i++) {
    const existing = directory[i];
    const first = rng.pick(D.FIRST_NAMES);
    const last = rng.pick(D.LAST_NAMES);
    const guest = !existing && i % 25 === 12; // 4 %, and at least two among 50
    const admin = existing ? roleHolders.has(existing.id) : i === 0 || rng.chance(0.025);
    const tech = admin || rng.chance(0.12);
    const abroad = rng.chance(0.12);
    const city = guest ? anyAlias.sample(rng) : abroad ? anyAlias.sample(rng) : homeCities[homeAlias.sample(rng)]!;
    const osRoll = rng.float();
    const os: D.DesktopOs = osRoll < (tech ? 0.62 : 0.76) ? 'Windows10' : osRoll < (tech ? 0.86 : 0.97) ? 'MacOs' : 'Linux';
    const browserUa = D.DESKTOP_BROWSERS[os][browserAlias[os].sample(rng)]!.ua;
    const phone: D.PhoneOs | null = rng.chance(guest ? 0.3 : 0.8) ? (rng.chance(0.55) ? 'Ios' : 'Android') : null;
    const managedRoll = rng.float();
    const compliantRoll = rng.float();
    const method = methodAlias.sample(rng);
    const ipSlot = 16 + rng.int(1000);
    const deviceNo = rng.int(10_000);

    let upn: string;
    let displayName: string;
    let id: string;
    if (existing) {
      upn = existing.user_principal_name.toLowerCase();
      displayName = existing.display_name;
      id = existing.id;
    } else {
      displayName = `${first} ${last}`;
      const local = `${asciiName(first)}.${asciiName(last)}`;
      const domain = guest ? D.PARTNER_DOMAINS[rng.int(D.PARTNER_DOMAINS.length)]! : tenant.domain;
      upn = `${local}@${domain}`;
      for (let n = 2; taken.has(upn); n++) upn = `${local}${n}@${domain}`;
      taken.add(upn);
      id = syntheticGuid(tenant.id, 'user', String(i));
    }
    let device: DeviceInfo | null = null;
    let compliant = false;
    if (!guest && os === 'Windows10' && managedRoll < 0.8) {
      compliant = compliantRoll < 0.94;
      device = { deviceId: syntheticGuid(tenant.id, 'device', id), displayName: `${devicePrefix}-LT-${String(deviceNo).padStart(4, '0')}`, isCompliant: compliant, isManaged: true, trustType: 'Azure AD joined' };
    } else if (!guest && os === 'MacOs' && managedRoll < 0.55) {
      compliant = compliantRoll < 0.9;
      device = { deviceId: syntheticGuid(tenant.id, 'device', id), displayName: `${asciiName(displayName.split(' ')[0] ?? '') || 'user'}-MacBook-Pro`, isCompliant: compliant, isManaged: true, trustType: 'Azure AD registered' };
    }
    people.push({
      id, upn, displayName, guest, admin, tech, city, os, browserUa, phone, device, compliant, method,
      homeIp: cityIps(city)[ipSlot]!,
    });
  }
  return { region, homeCities, people };
}

/** The tenant's service principal of an app: the real one when the directory has it (Microsoft Graph, …), else a synthetic id. */
export async function servicePrincipalIds(store: Store, tenant: GenerateTenant): Promise<(appId: string) => string> {
  const sps = new Map((await spRepo.listServicePrincipals(store.db, tenant.id, { limit: 10_000 })).map((sp) => [sp.app_id, sp.id]));
  return (appId) => sps.get(appId) ?? syntheticGuid(tenant.id, 'service-principal', appId);
}

/* ================================================================== policies and outcomes */

/** What decides the Conditional Access outcome of a user sign-in. */
interface Ctx {
  admin: boolean;
  /** the resource is Azure Resource Manager */
  arm: boolean;
  device: 'compliant' | 'unmanaged' | 'mobile' | 'legacy';
  /** signing in from outside the tenant's home region (its trusted countries) */
  untrusted: boolean;
}

const DEVICES = ['compliant', 'unmanaged', 'mobile'] as const;
const USER_CTX_COUNT = 24;
const CTX_COUNT = USER_CTX_COUNT + 4;

function ctxOf(index: number): Ctx {
  if (index >= USER_CTX_COUNT) {
    const j = index - USER_CTX_COUNT;
    return { admin: j >= 2, arm: false, device: 'legacy', untrusted: j % 2 === 1 };
  }
  return { admin: index >= 12, arm: Math.floor(index / 6) % 2 === 1, device: DEVICES[Math.floor(index / 2) % 3]!, untrusted: index % 2 === 1 };
}
const ctxIndex = (admin: boolean, arm: boolean, device: number, untrusted: boolean) => (admin ? 12 : 0) + (arm ? 6 : 0) + device * 2 + (untrusted ? 1 : 0);
const legacyCtxIndex = (admin: boolean, untrusted: boolean) => USER_CTX_COUNT + (admin ? 2 : 0) + (untrusted ? 1 : 0);
const mfaRequired = (c: Ctx) => c.admin || c.arm || c.untrusted;

interface Risk {
  level: 'low' | 'medium' | 'high';
  types: string[];
  state: 'atRisk' | 'remediated';
  detail: 'none' | 'userPassedMFADrivenByRiskBasedPolicy';
}

type StatusKind = 'ok' | keyof typeof D.FAILURE | 'mfaRequired' | 'consent';

interface Template {
  name: string;
  kind: 'interactive' | 'nonInteractive' | 'legacy';
  /** weight where the context does not require MFA, and where it does (0: never there) */
  weight: number;
  weightMfa: number;
  status: StatusKind;
  steps: (method: D.MfaMethod) => AuthenticationStep[];
  multi: boolean;
  /** Conditional Access evaluated (false: the sign-in failed before it, nothing applied) */
  ca: boolean;
  mfaDone: boolean;
  usesMethod?: boolean;
  risk?: Risk;
  /** the attempt comes from somewhere unusual (risky sign-ins, password sprays) */
  foreign?: boolean;
}

const step = (method: string, detail: string | null, succeeded: boolean, result: string, requirement: string): AuthenticationStep =>
  ({ authenticationMethod: method, authenticationMethodDetail: detail, succeeded, authenticationStepResultDetail: result, authenticationStepRequirement: requirement });
const PRIMARY = 'Primary authentication';
const MFA = 'Multifactor authentication';
const PW_OK = step('Password', 'Password in the cloud', true, 'Correct password', PRIMARY);
const PW_BAD = step('Password', 'Password in the cloud', false, 'Invalid username or password or Invalid on-premise username or password.', PRIMARY);
const PREV_FIRST = step('Previously satisfied', null, true, 'First factor requirement satisfied by claim in the token', PRIMARY);
const PREV_MFA = step('Previously satisfied', null, true, 'MFA requirement satisfied by claim in the token', MFA);
const MFA_OK = (m: D.MfaMethod) => step(m, null, true, 'MFA successfully completed', MFA);
const DECLINED = step('Mobile app notification', null, false, 'MFA denied; user declined the authentication', MFA);
const NO_RESPONSE = step('Mobile app notification', null, false, 'MFA denied; user did not respond to mobile app notification', MFA);

const T = (t: Partial<Template> & Pick<Template, 'name' | 'kind' | 'weight' | 'status' | 'steps'>): Template =>
  ({ weightMfa: t.weight, multi: false, ca: true, mfaDone: false, ...t });

function templates(p2: boolean): Template[] {
  const list: Template[] = [
    // interactive: weights are per 100 sign-ins, successes first
    T({ name: 'password', kind: 'interactive', weight: 28, weightMfa: 0, status: 'ok', steps: () => [PW_OK] }),
    T({ name: 'sso', kind: 'interactive', weight: 18, weightMfa: 0, status: 'ok', steps: () => [PREV_FIRST] }),
    T({ name: 'mfa', kind: 'interactive', weight: 10, weightMfa: 25, status: 'ok', steps: (m) => [PW_OK, MFA_OK(m)], multi: true, mfaDone: true, usesMethod: true }),
    T({ name: 'mfaClaim', kind: 'interactive', weight: 36, weightMfa: 60, status: 'ok', steps: () => [PREV_FIRST, PREV_MFA], multi: true, mfaDone: true }),
    T({ name: 'badPassword', kind: 'interactive', weight: 2.8, status: 'badPassword', steps: () => [PW_BAD], ca: false }),
    T({ name: 'locked', kind: 'interactive', weight: 0.35, status: 'locked', steps: () => [], ca: false }),
    T({ name: 'strongAuth', kind: 'interactive', weight: 0, weightMfa: 2.5, status: 'strongAuthRequired', steps: () => [PW_OK], multi: true }),
    T({ name: 'mfaInterrupt', kind: 'interactive', weight: 0, weightMfa: 2, status: 'mfaRequired', steps: () => [PW_OK], multi: true }),
    T({ name: 'kmsi', kind: 'interactive', weight: 2.2, weightMfa: 0, status: 'kmsi', steps: () => [PW_OK] }),
    T({ name: 'kmsiMfa', kind: 'interactive', weight: 0, weightMfa: 2.2, status: 'kmsi', steps: (m) => [PW_OK, MFA_OK(m)], multi: true, mfaDone: true, usesMethod: true }),
    T({ name: 'declined', kind: 'interactive', weight: 0.3, weightMfa: 0.5, status: 'mfaFailed', steps: () => [PW_OK, DECLINED], multi: true }),
    T({ name: 'noResponse', kind: 'interactive', weight: 0.3, weightMfa: 0.5, status: 'mfaFailed', steps: () => [PW_OK, NO_RESPONSE], multi: true }),
    T({ name: 'consent', kind: 'interactive', weight: 0.3, status: 'consent', steps: () => [PW_OK], ca: false }),
    T({ name: 'passwordExpired', kind: 'interactive', weight: 0.15, status: 'passwordExpired', steps: () => [], ca: false }),
    T({ name: 'disabled', kind: 'interactive', weight: 0.15, status: 'disabled', steps: () => [], ca: false }),
    // non-interactive (refresh and silent token requests)
    T({ name: 'niSso', kind: 'nonInteractive', weight: 60, weightMfa: 0, status: 'ok', steps: () => [PREV_FIRST] }),
    T({ name: 'niMfaClaim', kind: 'nonInteractive', weight: 36, weightMfa: 90, status: 'ok', steps: () => [PREV_FIRST, PREV_MFA], multi: true, mfaDone: true }),
    T({ name: 'niRevoked', kind: 'nonInteractive', weight: 1.5, status: 'revoked', steps: () => [], ca: false }),
    T({ name: 'niInactive', kind: 'nonInteractive', weight: 1.5, status: 'inactive', steps: () => [], ca: false }),
    T({ name: 'niNoSession', kind: 'nonInteractive', weight: 2, status: 'noSession', steps: () => [], ca: false }),
    T({ name: 'niMfaRequired', kind: 'nonInteractive', weight: 0, weightMfa: 4, status: 'mfaRequired', steps: () => [PREV_FIRST], multi: true }),
    // legacy protocols: an old mail client stopped by policy, and password sprays
    T({ name: 'legacyBlocked', kind: 'legacy', weight: 6, status: 'blockedByCa', steps: () => [PW_OK] }),
    T({ name: 'legacySpray', kind: 'legacy', weight: 4, status: 'badPassword', steps: () => [PW_BAD], ca: false, foreign: true }),
  ];
  if (p2) {
    // Identity Protection (P2): a small share of interactive sign-ins carries sign-in risk
    const unfamiliar = ['unfamiliarFeatures'];
    const anonymized = ['anonymizedIPAddress'];
    list.push(
      T({ name: 'riskLow', kind: 'interactive', weight: 0.6, status: 'ok', steps: () => [PREV_FIRST, PREV_MFA], multi: true, mfaDone: true, risk: { level: 'low', types: unfamiliar, state: 'atRisk', detail: 'none' } }),
      T({ name: 'riskMedium', kind: 'interactive', weight: 0.5, status: 'ok', steps: (m) => [PW_OK, MFA_OK(m)], multi: true, mfaDone: true, usesMethod: true, foreign: true, risk: { level: 'medium', types: unfamiliar, state: 'remediated', detail: 'userPassedMFADrivenByRiskBasedPolicy' } }),
      T({ name: 'riskHigh', kind: 'interactive', weight: 0.2, status: 'ok', steps: (m) => [PW_OK, MFA_OK(m)], multi: true, mfaDone: true, usesMethod: true, foreign: true, risk: { level: 'high', types: anonymized, state: 'remediated', detail: 'userPassedMFADrivenByRiskBasedPolicy' } }),
      T({ name: 'riskHighDenied', kind: 'interactive', weight: 0.15, status: 'mfaFailed', steps: () => [PW_OK, DECLINED], multi: true, foreign: true, risk: { level: 'high', types: ['anonymizedIPAddress', 'unfamiliarFeatures'], state: 'atRisk', detail: 'none' } }),
      T({ name: 'riskSpray', kind: 'interactive', weight: 0.3, status: 'badPassword', steps: () => [PW_BAD], ca: false, foreign: true, risk: { level: 'medium', types: ['maliciousIPAddress'], state: 'atRisk', detail: 'none' } }),
    );
  }
  return list;
}

export interface Policy extends Omit<AppliedPolicy, 'result'> {
  state: 'enabled' | 'reportOnly' | 'disabled';
  applies: (c: Ctx, t: Template) => boolean;
  satisfied: (c: Ctx, t: Template) => boolean;
}

/** The tenant's Conditional Access policies (P1 and up; the risk policy needs P2). */
export function policies(tenant: GenerateTenant): Policy[] {
  if (tenant.license === 'none') return [];
  const p = (displayName: string, state: Policy['state'], grant: string[], session: string[], applies: Policy['applies'], satisfied: Policy['satisfied']): Policy =>
    ({ id: syntheticGuid(tenant.id, 'conditional-access', displayName), displayName, state, enforcedGrantControls: grant, enforcedSessionControls: session, applies, satisfied });
  const mfa = (_c: Ctx, t: Template) => t.mfaDone;
  const list = [
    p('Require MFA for admins', 'enabled', ['Mfa'], [], (c) => c.admin, mfa),
    p('Block legacy authentication', 'enabled', ['Block'], [], (c) => c.device === 'legacy', () => false),
    p('Require MFA for Azure management', 'enabled', ['Mfa'], [], (c) => c.arm, mfa),
    p('Require MFA outside trusted countries', 'enabled', ['Mfa'], [], (c) => c.untrusted && c.device !== 'legacy', mfa),
    p('Require compliant or hybrid joined device', 'reportOnly', ['RequireCompliantDevice', 'RequireDomainJoinedDevice'], [],
      (c) => c.device === 'compliant' || c.device === 'unmanaged', (c) => c.device === 'compliant'),
    p('Sign-in frequency for unmanaged devices', 'enabled', [], ['SignInFrequency'], (c) => c.device === 'unmanaged' || c.device === 'mobile', () => true),
    p('Block access from unsupported countries', 'disabled', ['Block'], [], () => false, () => false),
  ];
  if (tenant.license === 'P2') {
    list.splice(4, 0, p('Require MFA for risky sign-ins', 'enabled', ['Mfa'], [], (_c, t) => t.risk !== undefined && t.risk.level !== 'low', mfa));
  }
  return list;
}

function assess(t: Template, c: Ctx, method: D.MfaMethod, pols: Policy[]): Assessment {
  const steps = t.steps(method);
  const applied: AppliedPolicy[] = !t.ca ? [] : pols.map((p) => {
    const applies = p.applies(c, t);
    const ok = applies && p.satisfied(c, t);
    const result = p.state === 'disabled' ? 'notEnabled'
      : p.state === 'reportOnly' ? (!applies ? 'reportOnlyNotApplied' : ok ? 'reportOnlySuccess' : 'reportOnlyFailure')
      : !applies ? 'notApplied' : ok ? 'success' : 'failure';
    return { id: p.id, displayName: p.displayName, enforcedGrantControls: p.enforcedGrantControls, enforcedSessionControls: p.enforcedSessionControls, result };
  });
  const caStatus = applied.some((a) => a.result === 'failure') ? 'failure' : applied.some((a) => a.result === 'success') ? 'success' : 'notApplied';
  const r = t.risk;
  return {
    conditionalAccessStatus: caStatus,
    authenticationRequirement: t.multi ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    riskDetail: r?.detail ?? 'none',
    riskLevelAggregated: r?.level ?? 'none',
    riskLevelDuringSignIn: r?.level ?? 'none',
    riskState: r?.state ?? 'none',
    riskEventTypes: r?.types ?? [],
    appliedConditionalAccessPolicies: applied,
    authenticationDetails: steps,
    authenticationMethodsUsed: [...new Set(steps.filter((s) => s.succeeded && s.authenticationMethod !== 'Previously satisfied').map((s) => s.authenticationMethod))],
  };
}

/* ================================================================== sign-ins */

interface AppEntry {
  def: D.UserAppDef;
  appId: string;
  ref: number;
  resources: number[];
  consentStatus: number;
}

interface ResourceEntry {
  appId: string;
  displayName: string;
  ref: number;
  arm: boolean;
  mfaStatus: number;
}

interface PersonRefs {
  user: number;
  browser: number;
  native: number;
  cli: number;
  mobileBrowser: number;
  mobileNative: number;
}

interface Daemon {
  ref: number;
  client: number;
  resources: number[];
  ip: string;
  city: number;
  badSecret: number;
  expiredSecret: number;
  secret: boolean;
}

const P_INTERACTIVE: Readonly<Record<D.AppKind, number>> = { browser: 0.7, cli: 0.5, desktop: 0.15, windows: 0.15, native: 0.15, mobile: 0.1 };
const LEGACY_SHARE = 0.012;
const TRAVEL_SHARE = 0.02;
/** automation level against the people curve (weekly mean ≈ 0.38): ~14 % of records */
const APP_LEVEL = 0.062;
const UNKNOWN_APP_SHARE = 0.007;

/** Everything a row needs, interned once: arrays of dimension numbers and alias tables. */
class SignInPlan {
  private constructor(
    readonly tenantRef: number,
    readonly pop: Population,
    readonly refs: PersonRefs[],
    readonly userAlias: Alias,
    readonly apps: AppEntry[],
    readonly appAlias: Alias,
    readonly guestApps: number[],
    readonly resources: ResourceEntry[],
    readonly locations: number[],
    readonly tpls: Template[],
    readonly tplAlias: Alias[],
    readonly tplIndex: number[][],
    readonly tplStatus: number[],
    readonly assessments: Int32Array,
    readonly legacyClients: number[],
    readonly legacyAlias: Alias,
    readonly daemons: Daemon[],
    readonly daemonAlias: Alias,
    readonly unknownApp: { ref: number; client: number; status: number; resource: number },
    readonly identities: { ref: number; resources: number[] }[],
    readonly identityClient: number,
    readonly okStatus: number,
  ) {}

  static async build(store: Store, tenant: GenerateTenant, count: number): Promise<SignInPlan> {
    // reads first: the interning below holds a transaction (on SQLite, the store's only connection)
    const pop = await buildPopulation(store, tenant, Math.max(50, Math.ceil(count / 2000)));
    const spOf = await servicePrincipalIds(store, tenant);
    const writer = new DimWriter(store, tenant.id);
    try {
      const plan = await SignInPlan.intern(writer, tenant, pop, spOf);
      await writer.commit();
      return plan;
    } catch (err) {
      await writer.abort(err);
      throw err;
    }
  }

  private static async intern(writer: DimWriter, tenant: GenerateTenant, pop: Population, spOf: (appId: string) => string): Promise<SignInPlan> {
    const tenantRef = await writer.tenantRef();
    const intern = <T extends DimTable>(table: T, values: DimValues<T>, items?: AssessmentItem[]) => writer.intern(table, values, items);

    const statuses = new Map<string, number>();
    const status = async (code: number, reason: string | null) => {
      const key = `${code}|${reason}`;
      let ref = statuses.get(key);
      if (ref === undefined) {
        ref = await intern('signin_statuses', dimValues.status({ errorCode: code, failureReason: reason }));
        statuses.set(key, ref);
      }
      return ref;
    };
    const okStatus = await status(0, null);

    // resources: Microsoft's, then the tenant's own web apps (their own resource)
    const resources: ResourceEntry[] = [];
    const resourceIndex = new Map<string, number>();
    const addResource = async (appId: string, displayName: string) => {
      const ref = await intern('signin_resources', dimValues.resource({ appId, displayName, servicePrincipalId: spOf(appId) }));
      resourceIndex.set(appId, resources.length);
      resources.push({ appId, displayName, ref, arm: appId === D.RES.arm, mfaStatus: await status(...D.mfaRequiredReason(appId)) });
    };
    for (const key of Object.keys(D.RES) as D.ResourceKey[]) await addResource(D.RES[key], D.RESOURCE_NAMES[key]);

    const apps: AppEntry[] = [];
    for (const def of D.USER_APPS) {
      const appId = def.appId ?? syntheticGuid(tenant.id, 'application', def.displayName);
      if (!def.appId) await addResource(appId, def.displayName);
      apps.push({
        def, appId,
        ref: await intern('signin_apps', dimValues.app({ appId, displayName: def.displayName, servicePrincipalId: spOf(appId) })),
        resources: def.resources.map((r) => resourceIndex.get(r === 'self' ? appId : D.RES[r])!),
        consentStatus: await status(...D.consentReason(appId, def.displayName)),
      });
    }

    // client software: shared pools, plus per-person clients where the device is known
    const clients = new Map<string, number>();
    const client = async (e: Parameters<typeof dimValues.client>[0]) => {
      const values = dimValues.client(e);
      const key = JSON.stringify(values);
      let ref = clients.get(key);
      if (ref === undefined) {
        ref = await intern('signin_clients', values);
        clients.set(key, ref);
      }
      return ref;
    };
    const userClient = (ua: string, app: string, detail?: { browser: string; operatingSystem: string }, device?: DeviceInfo | null) =>
      client({ userAgent: ua, clientAppUsed: app, authenticationProtocol: 'none', clientCredentialType: 'none', credentialKeyId: null, ...(device ? { device } : {}), ...(detail ? { deviceDetail: detail } : {}) });
    const NATIVE = 'Mobile Apps and Desktop clients';
    const refs: PersonRefs[] = [];
    for (const p of pop.people) {
      const native = D.NATIVE_CLIENTS[p.os];
      const cli = D.CLI_CLIENTS[p.os];
      const phoneNative = p.phone ? D.NATIVE_CLIENTS[p.phone] : undefined;
      refs.push({
        user: await intern('signin_users', dimValues.user({ id: p.id, userPrincipalName: p.upn, displayName: p.displayName, userType: p.guest ? 'guest' : 'member' })),
        browser: await userClient(p.browserUa, 'Browser', undefined, p.device),
        // the Windows broker knows the device; other systems' web views do not tell
        native: await userClient(native.ua, NATIVE, native, p.os === 'Windows10' ? p.device : null),
        cli: await userClient(cli.ua, NATIVE, cli),
        mobileBrowser: p.phone ? await userClient(D.PHONE_BROWSERS[p.phone], 'Browser') : -1,
        mobileNative: phoneNative ? await userClient(phoneNative.ua, NATIVE, phoneNative) : -1,
      });
    }
    const legacyClients: number[] = [];
    for (const l of D.LEGACY_CLIENTS) {
      legacyClients.push(await client({ userAgent: l.ua, clientAppUsed: l.clientAppUsed, authenticationProtocol: 'ropc', clientCredentialType: 'none', credentialKeyId: null }));
    }

    const locations: number[] = [];
    for (const c of D.CITIES) {
      locations.push(await intern('signin_locations', dimValues.location({ city: c.city, state: c.state, countryOrRegion: c.countryOrRegion, latitude: c.latitude, longitude: c.longitude })));
    }

    // outcomes: templates × contexts × MFA methods, each assessment interned once
    const tpls = templates(tenant.license === 'P2');
    const pols = policies(tenant);
    const tplStatus: number[] = [];
    for (const t of tpls) {
      if (t.status === 'ok') tplStatus.push(okStatus);
      else if (t.status === 'mfaRequired' || t.status === 'consent') tplStatus.push(-1); // per resource / per app, chosen per row
      else tplStatus.push(await status(D.FAILURE[t.status][0], D.FAILURE[t.status][1]));
    }
    const methods = D.MFA_METHODS.length;
    const assessments = new Int32Array(CTX_COUNT * tpls.length * methods).fill(-1);
    const assessed = new Map<string, number>();
    for (let ci = 0; ci < CTX_COUNT; ci++) {
      const c = ctxOf(ci);
      const needsMfa = mfaRequired(c);
      for (let ti = 0; ti < tpls.length; ti++) {
        const t = tpls[ti]!;
        if ((c.device === 'legacy') !== (t.kind === 'legacy') || (needsMfa ? t.weightMfa : t.weight) <= 0) continue;
        for (let mi = 0; mi < (t.usesMethod ? methods : 1); mi++) {
          const a = assess(t, c, D.MFA_METHODS[mi]!.method, pols);
          const values = dimValues.assessment(a);
          const key = JSON.stringify(values);
          let ref = assessed.get(key);
          if (ref === undefined) {
            ref = await intern('signin_assessments', values, dimValues.assessmentItems(a));
            assessed.set(key, ref);
          }
          for (let m = mi; m < (t.usesMethod ? mi + 1 : methods); m++) assessments[(ci * tpls.length + ti) * methods + m] = ref;
        }
      }
    }
    // template draws: [interactive, interactive needing MFA, non-interactive, non-interactive needing MFA]
    const tplIndex: number[][] = [];
    const tplAlias: Alias[] = [];
    for (const [kind, mfa] of [['interactive', false], ['interactive', true], ['nonInteractive', false], ['nonInteractive', true]] as const) {
      const idx = tpls.flatMap((t, i) => (t.kind === kind && (mfa ? t.weightMfa : t.weight) > 0 ? [i] : []));
      tplIndex.push(idx);
      tplAlias.push(new Alias(idx.map((i) => (mfa ? tpls[i]!.weightMfa : tpls[i]!.weight))));
    }
    const legacyTpls = tpls.flatMap((t, i) => (t.kind === 'legacy' ? [i] : []));
    tplIndex.push(legacyTpls);
    tplAlias.push(new Alias(legacyTpls.map((i) => tpls[i]!.weight)));

    // the tenant's daemons and managed identities
    const daemons: Daemon[] = [];
    for (const s of D.SERVICE_APPS) {
      const appId = syntheticGuid(tenant.id, 'application', s.displayName);
      const keyId = s.credential === 'federatedIdentityCredential' ? null : syntheticGuid(tenant.id, 'credential', appId);
      const city = pop.homeCities[daemons.length % pop.homeCities.length]!;
      const spResources: number[] = [];
      for (const r of s.resources) spResources.push(resourceIndex.get(D.RES[r])!);
      daemons.push({
        ref: await intern('signin_apps', dimValues.app({ appId, displayName: s.displayName, servicePrincipalId: spOf(appId) })),
        client: await client({ userAgent: s.userAgent, clientAppUsed: NATIVE, authenticationProtocol: 'none', clientCredentialType: s.credential, credentialKeyId: keyId }),
        resources: spResources,
        ip: cityIps(city)[5 + daemons.length]!,
        city,
        secret: s.credential === 'clientSecret',
        badSecret: await status(...D.badSecretReason(appId)),
        expiredSecret: await status(...D.expiredSecretReason(appId)),
      });
    }
    // an app that is not (or no longer) registered here keeps asking for tokens
    const strayId = syntheticGuid(tenant.id, 'unregistered application');
    const unknownApp = {
      ref: await intern('signin_apps', dimValues.app({ appId: strayId, displayName: null, servicePrincipalId: null })),
      client: await client({ userAgent: 'python-requests/2.31.0', clientAppUsed: NATIVE, authenticationProtocol: 'none', clientCredentialType: 'clientSecret', credentialKeyId: null }),
      status: await status(...D.unknownAppReason(strayId, tenant.id)),
      resource: resourceIndex.get(D.RES.graph)!,
    };
    const identities: { ref: number; resources: number[] }[] = [];
    for (const m of D.MANAGED_IDENTITIES) {
      const appId = syntheticGuid(tenant.id, 'managed identity', m.displayName);
      identities.push({
        ref: await intern('signin_apps', dimValues.app({ appId, displayName: m.displayName, servicePrincipalId: spOf(appId) })),
        resources: m.resources.map((r) => resourceIndex.get(D.RES[r])!),
      });
    }
    const identityClient = await client({ userAgent: '', clientAppUsed: NATIVE, authenticationProtocol: 'none', clientCredentialType: 'managedIdentity', credentialKeyId: null });

    return new SignInPlan(
      tenantRef, pop, refs, new Alias(zipf(pop.people.length, 0.7)), apps, new Alias(zipf(apps.length, 1.1)),
      apps.flatMap((a, i) => (a.def.guests ? [i] : [])), resources, locations, tpls, tplAlias, tplIndex, tplStatus, assessments,
      legacyClients, new Alias(weightsOf(D.LEGACY_CLIENTS)), daemons, new Alias(zipf(daemons.length, 1)), unknownApp, identities, identityClient, okStatus,
    );
  }
}

/**
 * Interns through the log's own SignInDimensions, many values per transaction: each chunk opens one
 * store transaction and a SignInDimensions bound to it, whose interns all join it, so a chunk costs
 * one commit (one fsync) instead of one per value. Chunks stay small, so that a server writing to
 * the same SQLite file waits at most a few milliseconds for the lock.
 */
class DimWriter {
  private open?: { dims: SignInDimensions; release: (err?: unknown) => void; done: Promise<void> };
  private inChunk = 0;
  private ref?: number;

  constructor(private readonly store: Store, private readonly tenantId: string, private readonly chunk = 250) {}

  private async begin(): Promise<SignInDimensions> {
    let release!: (err?: unknown) => void;
    const gate = new Promise<void>((resolve, reject) => {
      release = (err) => (err === undefined ? resolve() : reject(err));
    });
    let ready!: (d: SignInDimensions) => void;
    const opened = new Promise<SignInDimensions>((resolve) => {
      ready = resolve;
    });
    const done = this.store.transaction(async (trx) => {
      ready(new SignInDimensions(trx, <R>(fn: (t: Executor) => Promise<R>) => fn(trx)));
      await gate;
    });
    done.catch(() => undefined); // awaited by commit or abort
    const dims = await Promise.race([opened, done.then(() => opened)]);
    this.open = { dims, release, done };
    return dims;
  }

  async tenantRef(): Promise<number> {
    const dims = this.open?.dims ?? (await this.begin());
    this.ref ??= await dims.tenantRef(this.tenantId);
    return this.ref;
  }

  async intern<T extends DimTable>(table: T, values: DimValues<T>, items: AssessmentItem[] = []): Promise<number> {
    const tenantRef = await this.tenantRef();
    const ref = await this.open!.dims.intern(table, tenantRef, values, items);
    if (++this.inChunk >= this.chunk) await this.commit();
    return ref;
  }

  async commit(): Promise<void> {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    this.inChunk = 0;
    o.release();
    await o.done;
  }

  async abort(err: unknown): Promise<void> {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    o.release(err ?? new Error('aborted'));
    await o.done.catch(() => undefined);
  }
}

/** Produces the rows, in time order. */
class SignInRows {
  private readonly exchange: number;
  private readonly officeHome: number;
  /** Microsoft Office: the app everyone has */
  private readonly office = 0;

  constructor(private readonly plan: SignInPlan, private readonly rng: Rng, private readonly times: TimeStream) {
    this.exchange = plan.apps.findIndex((a) => a.appId === D.RES.exchange);
    this.officeHome = plan.apps.findIndex((a) => a.def.displayName === 'OfficeHome');
  }

  /** The app, or a stand-in when the person cannot use it (no phone, not Windows, not IT; Linux has no Office apps). */
  private fit(ai: number, p: Person): number {
    const kind = this.plan.apps[ai]!.def.kind;
    const linux = p.os === 'Linux';
    if (this.plan.apps[ai]!.def.tech && !p.tech) return linux && !p.phone ? this.officeHome : this.office;
    if (kind === 'mobile' && !p.phone) return linux ? this.officeHome : this.office;
    if (kind === 'windows' && p.os !== 'Windows10') return linux && !p.phone ? this.officeHome : this.office;
    if (linux && (kind === 'desktop' || (kind === 'native' && !p.phone))) return this.officeHome;
    return ai;
  }

  fill(n: number): NewSignInRow[] {
    const out: NewSignInRow[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.row();
    return out;
  }

  private pickResource(list: number[]): number {
    const r = this.rng.float();
    return list.length === 1 || r < 0.6 ? list[0]! : list[1 + Math.floor(((r - 0.6) / 0.4) * (list.length - 1))]!;
  }

  private row(): NewSignInRow {
    const t = this.times.next();
    const { rng, plan } = this;
    if (rng.float() < this.times.appShareNow) return rng.float() < 0.8 ? this.daemonRow(t) : this.identityRow(t);
    const pi = plan.userAlias.sample(rng);
    const p = plan.pop.people[pi]!;
    const refs = plan.refs[pi]!;
    if (!p.guest && rng.float() < LEGACY_SHARE) return this.legacyRow(t, p, refs);

    // the app, fitted to the person: guests use few apps, IT tools are for IT people, phone and Windows apps need them
    let ai = plan.appAlias.sample(rng);
    if (p.guest) {
      if (!plan.apps[ai]!.def.guests) ai = plan.guestApps[rng.int(plan.guestApps.length)]!;
    } else {
      if (plan.apps[ai]!.def.tech && !p.tech) ai = plan.appAlias.sample(rng);
      ai = this.fit(ai, p);
    }
    const app = plan.apps[ai]!;
    const kind = app.def.kind;
    const mobile = kind === 'mobile' || (p.phone !== null && (kind === 'browser' ? rng.float() < 0.15 : kind === 'native' && (p.os === 'Linux' || rng.float() < 0.35)));
    const clientRef = kind === 'browser' ? (mobile ? refs.mobileBrowser : refs.browser) : kind === 'cli' ? refs.cli : mobile ? refs.mobileNative : refs.native;
    const interactive = rng.float() < P_INTERACTIVE[kind];
    const ri = this.pickResource(app.resources);
    const resource = plan.resources[ri]!;

    let city = p.city;
    const travelling = rng.float() < TRAVEL_SHARE;
    if (travelling) city = rng.int(D.CITIES.length);
    const untrusted = D.CITIES[city]!.region !== plan.pop.region.id;
    const needsMfa = p.admin || resource.arm || untrusted;
    const table = (interactive ? 0 : 2) + (needsMfa ? 1 : 0);
    const ti = plan.tplIndex[table]![plan.tplAlias[table]!.sample(rng)]!;
    const tpl = plan.tpls[ti]!;
    // an attempt from abroad (risky sign-ins) is judged as one
    const ci = ctxIndex(p.admin, resource.arm, mobile ? 2 : p.compliant ? 0 : 1, untrusted || tpl.foreign === true);
    const methods = D.MFA_METHODS.length;
    const assessment = plan.assessments[(ci * plan.tpls.length + ti) * methods + p.method]!;
    const statusRef = tpl.status === 'mfaRequired' ? resource.mfaStatus : tpl.status === 'consent' ? app.consentStatus : plan.tplStatus[ti]!;

    let ip: string;
    if (tpl.foreign) {
      city = this.foreignCity(p.city);
      ip = cityIps(city)[16 + rng.int(1008)]!;
    } else if (travelling || mobile) {
      ip = cityIps(city)[16 + rng.int(1008)]!;
    } else if (this.times.workingNow && !p.guest && rng.float() < 0.7) {
      ip = cityIps(city)[1 + rng.int(4)]!;
    } else {
      ip = p.homeIp;
    }
    const id = guidV7(t, rng);
    return {
      tenant_ref: plan.tenantRef,
      id,
      created_at: t,
      event_type: interactive ? EVENT_TYPE_CODE.interactiveUser : EVENT_TYPE_CODE.nonInteractiveUser,
      user_ref: refs.user,
      app_ref: app.ref,
      resource_ref: resource.ref,
      client_ref: clientRef,
      location_ref: plan.locations[city]!,
      status_ref: statusRef,
      assessment_ref: assessment,
      ip_address: ip,
      correlation_id: guidV7(t, rng),
      request_id: null,
      token_id: statusRef === plan.okStatus ? tokenId(rng) : null,
      processing_ms: interactive ? 60 + rng.int(400) : 15 + rng.int(120),
    };
  }

  private foreignCity(home: number): number {
    const region = D.CITIES[home]!.region;
    for (;;) {
      const c = this.rng.int(D.CITIES.length);
      if (D.CITIES[c]!.region !== region) return c;
    }
  }

  private legacyRow(t: number, p: Person, refs: PersonRefs): NewSignInRow {
    const { rng, plan } = this;
    const ti = plan.tplIndex[4]![plan.tplAlias[4]!.sample(rng)]!;
    const tpl = plan.tpls[ti]!;
    const city = tpl.foreign ? this.foreignCity(p.city) : p.city;
    const untrusted = D.CITIES[city]!.region !== plan.pop.region.id;
    const methods = D.MFA_METHODS.length;
    const id = guidV7(t, rng);
    const app = plan.apps[this.exchange]!;
    return {
      tenant_ref: plan.tenantRef, id, created_at: t, event_type: EVENT_TYPE_CODE.interactiveUser, user_ref: refs.user, app_ref: app.ref,
      resource_ref: plan.resources[app.resources[0]!]!.ref, client_ref: plan.legacyClients[plan.legacyAlias.sample(rng)]!,
      location_ref: plan.locations[city]!, status_ref: plan.tplStatus[ti]!,
      assessment_ref: plan.assessments[(legacyCtxIndex(p.admin, untrusted) * plan.tpls.length + ti) * methods]!,
      ip_address: tpl.foreign ? cityIps(city)[16 + rng.int(1008)]! : p.homeIp, correlation_id: guidV7(t, rng), request_id: null, token_id: null,
      processing_ms: 40 + rng.int(200),
    };
  }

  private daemonRow(t: number): NewSignInRow {
    const { rng, plan } = this;
    const id = guidV7(t, rng);
    if (rng.float() < UNKNOWN_APP_SHARE) {
      const u = plan.unknownApp;
      const city = plan.pop.homeCities[0]!;
      return {
        tenant_ref: plan.tenantRef, id, created_at: t, event_type: EVENT_TYPE_CODE.servicePrincipal, user_ref: null, app_ref: u.ref,
        resource_ref: plan.resources[u.resource]!.ref, client_ref: u.client, location_ref: plan.locations[city]!, status_ref: u.status,
        assessment_ref: null, ip_address: cityIps(city)[16 + rng.int(1008)]!, correlation_id: guidV7(t, rng), request_id: null, token_id: null,
        processing_ms: 5 + rng.int(40),
      };
    }
    const d = plan.daemons[plan.daemonAlias.sample(rng)]!;
    const r = rng.float();
    const statusRef = d.secret && r < 0.025 ? d.badSecret : d.secret && r < 0.033 ? d.expiredSecret : plan.okStatus;
    return {
      tenant_ref: plan.tenantRef, id, created_at: t, event_type: EVENT_TYPE_CODE.servicePrincipal, user_ref: null, app_ref: d.ref,
      resource_ref: plan.resources[this.pickResource(d.resources)]!.ref, client_ref: d.client, location_ref: plan.locations[d.city]!,
      status_ref: statusRef, assessment_ref: null, ip_address: d.ip, correlation_id: guidV7(t, rng), request_id: null,
      token_id: statusRef === plan.okStatus ? tokenId(rng) : null, processing_ms: 10 + rng.int(90),
    };
  }

  private identityRow(t: number): NewSignInRow {
    const { rng, plan } = this;
    const m = plan.identities[rng.int(plan.identities.length)]!;
    const id = guidV7(t, rng);
    return {
      tenant_ref: plan.tenantRef, id, created_at: t, event_type: EVENT_TYPE_CODE.managedIdentity, user_ref: null, app_ref: m.ref,
      resource_ref: plan.resources[this.pickResource(m.resources)]!.ref, client_ref: plan.identityClient, location_ref: null,
      status_ref: plan.okStatus, assessment_ref: null, ip_address: null, correlation_id: guidV7(t, rng), request_id: null,
      token_id: tokenId(rng), processing_ms: 5 + rng.int(30),
    };
  }
}

export async function tenantOf(store: Store, tenantId: string): Promise<GenerateTenant> {
  const tenant = await findGenerateTenant(store, tenantId);
  if (!tenant) throw new GenerateError(`tenant '${tenantId}' not found`);
  return tenant;
}

/**
 * Generates `count` sign-ins over the last `days` days before `now` and appends them in batches,
 * building the next batch while the previous ones are written.
 */
export async function generateSignIns(store: Store, o: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const days = checkOptions(o);
  const tenant = await tenantOf(store, o.tenantId);
  const plan = await SignInPlan.build(store, tenant, o.count);
  const rng = Rng.from('tenantry-generate', 'signIns', tenant.id, o.seed, o.count, days, o.now);
  const times = new TimeStream(rng, o.count, days, o.now, plan.pop.region.utcOffsetMinutes, APP_LEVEL);
  const rows = new SignInRows(plan, rng, times);
  const batchSize = o.batchSize ?? (store.engine === 'postgres' ? 4000 : 20_000);
  // SQLite's writer thread takes batches in order, so two can wait there while the next is built; on
  // PostgreSQL two would be concurrent transactions, and seq would no longer follow time
  const depth = store.engine === 'sqlite' ? 2 : 1;

  let produced = 0;
  let done = 0;
  const inFlight: Promise<void>[] = [];
  try {
    while (produced < o.count) {
      const batch = rows.fill(Math.min(batchSize, o.count - produced));
      if (produced === 0 && (await getSignIn(store.db, plan.tenantRef, batch[0]!.id, Number.MIN_SAFE_INTEGER))) {
        throw new GenerateError(`these sign-ins were already generated for tenant ${tenant.id} (same seed, count, days and end time); use another --seed`);
      }
      produced += batch.length;
      if (inFlight.length >= depth) await inFlight.shift();
      const p = store.appendSignIns(batch).then(() => {
        done += batch.length;
        o.onProgress?.(done, o.count);
      });
      p.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
      inFlight.push(p);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
  await Promise.all(inFlight);
  return result('signIns', tenant, o, days, plan.pop, started);
}

export function result(kind: GenerateResult['kind'], tenant: GenerateTenant, o: GenerateOptions, days: number, pop: Population, started: number): GenerateResult {
  const elapsedMs = performance.now() - started;
  return {
    kind, tenantId: tenant.id, count: o.count, days, seed: o.seed, from: isoTime(o.now - days * DAY_MS), to: isoTime(o.now),
    elapsedMs: Math.round(elapsedMs), rowsPerSecond: Math.round(o.count / Math.max(elapsedMs / 1000, 1e-3)),
    users: pop.people.length, utcOffsetMinutes: pop.region.utcOffsetMinutes,
  };
}
