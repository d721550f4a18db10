/**
 * IP address → location for sign-in records (Graph signInLocation). Never a network call.
 *
 * Sources, first match wins: the operator's CSV file (loaded once at start-up), then the built-in
 * coarse, country-level sample of geoTable.ts. Loopback, private, shared (CGNAT), link-local,
 * documentation, benchmarking, multicast and other non-routable addresses, and anything that does
 * not parse, have no location (null), as in Entra.
 *
 * The operator file has one range a line: `cidr,city,state,countryOrRegion,latitude,longitude`;
 * the header line is optional, `#` starts a comment line, fields may be double-quoted ("a, b"),
 * latitude and longitude may both be empty. IPv4 and IPv6 CIDRs may be mixed; a bare address is a
 * /32 or /128. Within a source the most specific (longest) prefix wins. Ranges are flattened into
 * disjoint segments once, so a lookup is a binary search (IPv4 on a Uint32Array, IPv6 on bigints).
 */
import { readFileSync } from 'node:fs';
import { BUILTIN_GEO_RANGES } from './geoTable.js';

export interface GeoLocation {
  city: string;
  state: string;
  /** ISO 3166-1 alpha-2, upper case */
  countryOrRegion: string;
  latitude: number | null;
  longitude: number | null;
}

export interface GeoLookup {
  /** null = unknown: the sign-in shows an empty location */
  lookup(ip: string | null | undefined): GeoLocation | null;
}

/** Graph's signInLocation. */
export interface SignInLocation {
  city: string;
  state: string;
  countryOrRegion: string;
  geoCoordinates: { altitude: number | null; latitude: number | null; longitude: number | null };
}

export function geoToSignInLocation(g: GeoLocation | null): SignInLocation {
  return {
    city: g?.city ?? '',
    state: g?.state ?? '',
    countryOrRegion: g?.countryOrRegion ?? '',
    geoCoordinates: { altitude: null, latitude: g?.latitude ?? null, longitude: g?.longitude ?? null },
  };
}

// ---------------------------------------------------------------------------------------------
// Addresses

export type IpAddress = { family: 4; value: number } | { family: 6; value: bigint };

const V4_PART = /^(?:0|[1-9]\d{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

function parseV4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    // no leading zeros: "010" is octal to some parsers and decimal to others
    if (!V4_PART.test(p)) return null;
    const o = Number(p);
    if (o > 255) return null;
    n = n * 256 + o;
  }
  return n;
}

function v6Groups(t: string, allowV4Tail: boolean): number[] | null {
  if (t === '') return [];
  const parts = t.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (v4 === null) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (V6_GROUP.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return null;
    }
  }
  return out;
}

function parseV6(text: string): bigint | null {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (zone === s.length - 1) return null;
    s = s.slice(0, zone);
  }
  if (s.length > 45) return null;
  const gap = s.indexOf('::');
  let groups: number[] | null;
  if (gap < 0) {
    groups = v6Groups(s, true);
    if (!groups || groups.length !== 8) return null;
  } else {
    if (s.indexOf('::', gap + 1) >= 0) return null;
    const head = v6Groups(s.slice(0, gap), false);
    const tail = v6Groups(s.slice(gap + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return n;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/**
 * An address in textual form, or null. IPv4-mapped IPv6 (::ffff:a.b.c.d, in any spelling) is
 * returned as IPv4; an IPv6 zone (%eth0) and surrounding brackets are ignored.
 */
export function parseIpAddress(input: string | null | undefined): IpAddress | null {
  if (typeof input !== 'string') return null;
  let s = input.trim();
  if (s.length === 0 || s.length > 64) return null;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':')) {
    const v4 = parseV4(s);
    return v4 === null ? null : { family: 4, value: v4 };
  }
  const mapped = MAPPED_V4.exec(s);
  if (mapped) {
    const v4 = parseV4(mapped[1]!);
    return v4 === null ? null : { family: 4, value: v4 };
  }
  const v6 = parseV6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: Number(v6 - MAPPED_PREFIX) };
  return { family: 6, value: v6 };
}

// ---------------------------------------------------------------------------------------------
// Prefixes

/** A prefix as an inclusive range of addresses. */
export interface Cidr {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  prefix: number;
}

function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? null : text.slice(slash + 1);
  if (addrText.includes('%')) return `invalid address "${addrText}" (no zone index in a range)`;
  let family: 4 | 6;
  let value: bigint;
  if (addrText.includes(':')) {
    const v = parseV6(addrText);
    if (v === null) return `invalid IPv6 address "${addrText}"`;
    family = 6;
    value = v;
  } else {
    const v = parseV4(addrText);
    if (v === null) return `invalid IPv4 address "${addrText}"`;
    family = 4;
    value = BigInt(v);
  }
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (lenText !== null) {
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) return `invalid prefix length "/${lenText}" for IPv${family} (0–${bits})`;
    prefix = Number(lenText);
  }
  // an IPv4-mapped range (::ffff:a.b.c.d/104..128) is the IPv4 range
  if (family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value -= MAPPED_PREFIX;
    prefix -= 96;
  }
  const hostBits = BigInt((family === 4 ? 32 : 128) - prefix);
  const hostMask = (1n << hostBits) - 1n;
  if ((value & hostMask) !== 0n) {
    const base = value & ~hostMask;
    return `host bits set in "${text}" (the network is ${formatAddress(family, base)}/${prefix})`;
  }
  return { family, start: value, end: value | hostMask, prefix };
}

function formatAddress(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((v >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Addresses that never have a location: a sign-in from them shows an empty one. */
const NON_ROUTABLE_TEXT = [
  '0.0.0.0/8', // "this network", includes the unspecified address
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes limited broadcast
  '::/96', // unspecified, loopback, deprecated IPv4-compatible
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard-only
  '2001:2::/48', // benchmarking
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation (RFC 9637)
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
];

const NON_ROUTABLE: Cidr[] = NON_ROUTABLE_TEXT.map((t) => {
  const c = parseCidr(t);
  if (typeof c === 'string') throw new Error(c);
  return c;
});
const NON_ROUTABLE_V4 = NON_ROUTABLE.filter((c) => c.family === 4).map((c) => [Number(c.start), Number(c.end)] as const);
const NON_ROUTABLE_V6 = NON_ROUTABLE.filter((c) => c.family === 6);

function isNonRoutable(a: IpAddress): boolean {
  if (a.family === 4) return NON_ROUTABLE_V4.some(([s, e]) => a.value >= s && a.value <= e);
  return NON_ROUTABLE_V6.some((c) => a.value >= c.start && a.value <= c.end);
}

function nonRoutableBlockContaining(c: Cidr): Cidr | undefined {
  return NON_ROUTABLE.find((n) => n.family === c.family && c.start >= n.start && c.end <= n.end);
}

// ---------------------------------------------------------------------------------------------
// Tables

export interface GeoRange extends Cidr {
  location: GeoLocation;
  line: number;
}

/**
 * Nested or disjoint prefixes (prefixes never partly overlap) flattened into disjoint segments,
 * each carrying the most specific prefix that covers it.
 */
class RangeTable {
  private readonly v4Start: Uint32Array;
  private readonly v4End: Uint32Array;
  private readonly v4Loc: GeoLocation[];
  private readonly v6Start: bigint[];
  private readonly v6End: bigint[];
  private readonly v6Loc: GeoLocation[];

  constructor(ranges: readonly GeoRange[]) {
    const v4 = flatten(ranges.filter((r) => r.family === 4));
    this.v4Start = Uint32Array.from(v4, (s) => Number(s.start));
    this.v4End = Uint32Array.from(v4, (s) => Number(s.end));
    this.v4Loc = v4.map((s) => s.location);
    const v6 = flatten(ranges.filter((r) => r.family === 6));
    this.v6Start = v6.map((s) => s.start);
    this.v6End = v6.map((s) => s.end);
    this.v6Loc = v6.map((s) => s.location);
  }

  get size(): number {
    return this.v4Start.length + this.v6Start.length;
  }

  find(a: IpAddress): GeoLocation | null {
    if (a.family === 4) {
      const i = lastAtOrBelow(this.v4Start, a.value);
      return i >= 0 && a.value <= this.v4End[i]! ? this.v4Loc[i]! : null;
    }
    const i = lastAtOrBelow(this.v6Start, a.value);
    return i >= 0 && a.value <= this.v6End[i]! ? this.v6Loc[i]! : null;
  }
}

/** Index of the last element <= x in an ascending array, or -1. */
function lastAtOrBelow<T extends number | bigint>(xs: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = xs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

interface Segment {
  start: bigint;
  end: bigint;
  location: GeoLocation;
}

function byStartThenWidest(a: Cidr, b: Cidr): number {
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.prefix - b.prefix;
}

function flatten(ranges: readonly GeoRange[]): Segment[] {
  const sorted = [...ranges].sort(byStartThenWidest);
  const out: Segment[] = [];
  const open: GeoRange[] = [];
  let cursor = 0n; // first address not yet assigned to a segment
  const close = (r: GeoRange) => {
    if (cursor <= r.end) out.push({ start: cursor, end: r.end, location: r.location });
    cursor = r.end + 1n;
  };
  for (const r of sorted) {
    while (open.length > 0 && open[open.length - 1]!.end < r.start) close(open.pop()!);
    const outer = open[open.length - 1];
    if (outer && cursor < r.start) out.push({ start: cursor, end: r.start - 1n, location: outer.location });
    cursor = r.start;
    open.push(r);
  }
  while (open.length > 0) close(open.pop()!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The operator's CSV

export interface GeoCsvProblem {
  line: number;
  reason: string;
}

export class GeoCsvError extends Error {
  constructor(readonly problems: GeoCsvProblem[], readonly source = 'geo CSV') {
    const shown = problems.slice(0, MAX_REPORTED).map((p) => `  line ${p.line}: ${p.reason}`);
    const more = problems.length > MAX_REPORTED ? [`  … and ${problems.length - MAX_REPORTED} more`] : [];
    super([`${source}: ${problems.length} bad line(s)`, ...shown, ...more].join('\n'));
    this.name = 'GeoCsvError';
  }
}

const MAX_REPORTED = 20;
const COLUMNS = ['cidr', 'city', 'state', 'countryOrRegion', 'latitude', 'longitude'];
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const MAX_TEXT = 256;

/** Fields of one CSV line (RFC 4180 quoting, no line breaks inside a field), or an error text. */
function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return 'unterminated quoted field';
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return `unexpected text after a quoted field at column ${i + 1}`;
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const raw = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (raw.includes('"')) return 'a quote inside an unquoted field';
      fields.push(raw.trim());
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function parseCoordinate(text: string, name: string, limit: number): number | string {
  if (!NUMBER.test(text)) return `${name} "${text}" is not a number`;
  const v = Number(text);
  if (v < -limit || v > limit) return `${name} ${text} is outside -${limit}..${limit}`;
  return v;
}

function parseRow(fields: string[]): { cidr: Cidr; location: GeoLocation } | string {
  if (fields.length !== COLUMNS.length) return `expected ${COLUMNS.length} fields (${COLUMNS.join(',')}), got ${fields.length}`;
  const [cidrText, city, state, country, lat, lon] = fields as [string, string, string, string, string, string];
  if (cidrText === '') return 'empty cidr';
  const cidr = parseCidr(cidrText);
  if (typeof cidr === 'string') return cidr;
  const reserved = nonRoutableBlockContaining(cidr);
  if (reserved) {
    return `${cidrText} lies in the non-routable block ${formatAddress(reserved.family, reserved.start)}/${reserved.prefix}, whose addresses never have a location`;
  }
  if (!/^[A-Za-z]{2}$/.test(country)) return `countryOrRegion "${country}" is not a 2-letter ISO 3166-1 code`;
  if (city.length > MAX_TEXT || state.length > MAX_TEXT) return `city and state are limited to ${MAX_TEXT} characters`;
  if ((lat === '') !== (lon === '')) return 'latitude and longitude must both be given or both be empty';
  let latitude: number | null = null;
  let longitude: number | null = null;
  if (lat !== '') {
    const la = parseCoordinate(lat, 'latitude', 90);
    if (typeof la === 'string') return la;
    const lo = parseCoordinate(lon, 'longitude', 180);
    if (typeof lo === 'string') return lo;
    latitude = la;
    longitude = lo;
  }
  return { cidr, location: Object.freeze({ city, state, countryOrRegion: country.toUpperCase(), latitude, longitude }) };
}

export interface GeoCsv {
  ranges: GeoRange[];
}

/**
 * Parses the operator's file. Throws GeoCsvError listing every bad line (line number and reason):
 * wrong field count, bad CIDR or host bits set, a range inside a non-routable block, a bad country
 * code or coordinate, or the same range twice.
 */
export function parseGeoCsv(text: string, source?: string): GeoCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: GeoCsvProblem[] = [];
  const ranges: GeoRange[] = [];
  let seenData = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const lineNo = i + 1;
    const fields = splitCsvLine(line);
    if (typeof fields === 'string') {
      problems.push({ line: lineNo, reason: fields });
      seenData = true;
      continue;
    }
    if (!seenData && fields[0]?.toLowerCase() === 'cidr') {
      seenData = true;
      const header = fields.map((f) => f.toLowerCase());
      if (header.join(',') !== COLUMNS.map((c) => c.toLowerCase()).join(',')) {
        problems.push({ line: lineNo, reason: `header must be ${COLUMNS.join(',')}` });
      }
      continue;
    }
    seenData = true;
    const row = parseRow(fields);
    if (typeof row === 'string') problems.push({ line: lineNo, reason: row });
    else ranges.push({ ...row.cidr, location: row.location, line: lineNo });
  }
  // the same range twice: ambiguous, so refused (nested ranges are fine, the narrower one wins).
  // Sorted in place: the table's own sort then runs over ordered input, which costs little.
  ranges.sort((a, b) => a.family - b.family || byStartThenWidest(a, b));
  for (let i = 1; i < ranges.length; i++) {
    const a = ranges[i - 1]!;
    const b = ranges[i]!;
    if (a.family === b.family && a.start === b.start && a.prefix === b.prefix) {
      const [first, second] = a.line < b.line ? [a, b] : [b, a];
      problems.push({ line: second.line, reason: `${formatAddress(a.family, a.start)}/${a.prefix} is already defined on line ${first.line}` });
    }
  }
  if (problems.length > 0) throw new GeoCsvError(problems.sort((a, b) => a.line - b.line), source);
  return { ranges };
}

// ---------------------------------------------------------------------------------------------
// Lookups

class TableLookup implements GeoLookup {
  constructor(private readonly tables: readonly RangeTable[]) {}

  lookup(ip: string | null | undefined): GeoLocation | null {
    const a = parseIpAddress(ip);
    if (!a || isNonRoutable(a)) return null;
    for (const t of this.tables) {
      const hit = t.find(a);
      if (hit) return hit;
    }
    return null;
  }
}

let builtin: RangeTable | undefined;

function builtinTable(): RangeTable {
  builtin ??= new RangeTable(
    BUILTIN_GEO_RANGES.map((b, i) => {
      const c = parseCidr(b.cidr);
      if (typeof c === 'string') throw new Error(`geoTable.ts: ${c}`);
      const location: GeoLocation = Object.freeze({ city: '', state: '', countryOrRegion: b.countryOrRegion, latitude: null, longitude: null });
      return { ...c, location, line: i + 1 };
    }),
  );
  return builtin;
}

export interface GeoLookupOptions {
  /** the operator's CSV file, read once, now; consulted before the built-in table */
  file?: string;
  /** the operator's CSV as text (instead of, or as well as, a file; after the file) */
  csv?: string;
  /** false: no built-in sample, only the operator's ranges (default true) */
  builtin?: boolean;
}

/** Throws (GeoCsvError for bad lines) when the operator's file cannot be used: fail at start-up. */
export function createGeoLookup(options: GeoLookupOptions = {}): GeoLookup {
  const tables: RangeTable[] = [];
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the geolocation file ${options.file}: ${(err as Error).message}`);
    }
    tables.push(new RangeTable(parseGeoCsv(text, options.file).ranges));
  }
  if (options.csv !== undefined) tables.push(new RangeTable(parseGeoCsv(options.csv).ranges));
  if (options.builtin !== false) tables.push(builtinTable());
  return new TableLookup(tables);
}
