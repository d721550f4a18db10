import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGeoLookup, GeoCsvError, geoToSignInLocation, parseGeoCsv, parseIpAddress, type GeoLocation } from '../../src/identity/geo.js';
import { BUILTIN_GEO_RANGES } from '../../src/identity/geoTable.js';

const dir = mkdtempSync(join(tmpdir(), 'tenantry-geo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csvErrors(text: string): { line: number; reason: string }[] {
  try {
    parseGeoCsv(text);
  } catch (err) {
    expect(err).toBeInstanceOf(GeoCsvError);
    return (err as GeoCsvError).problems;
  }
  throw new Error('expected a GeoCsvError');
}

const SAMPLE = [
  '# sample operator file',
  'cidr,city,state,countryOrRegion,latitude,longitude',
  '81.0.0.0/8,,,FR,,',
  '81.2.0.0/16,Paris,Île-de-France,fr,48.8566,2.3522',
  '81.2.3.0/24,"Lyon, centre",Auvergne-Rhône-Alpes,FR,45.764,4.8357',
  '81.2.3.128/25,Marseille,Provence-Alpes-Côte d\'Azur,FR,43.2965,5.3698',
  '2a01:e00::/26,,,FR,,',
  '2a01:e34::/32,Bordeaux,Nouvelle-Aquitaine,FR,44.8378,-0.5792',
  '2a01:e34:ec00::/40,Nantes,Pays de la Loire,FR,47.2184,-1.5536',
  '  ',
].join('\r\n');

describe('parseIpAddress', () => {
  it.each([
    ['81.2.3.4', { family: 4, value: 0x51020304 }],
    ['0.0.0.0', { family: 4, value: 0 }],
    ['255.255.255.255', { family: 4, value: 0xffffffff }],
    ['::ffff:81.2.3.4', { family: 4, value: 0x51020304 }],
    ['::FFFF:81.2.3.4', { family: 4, value: 0x51020304 }],
    ['::ffff:5102:0304', { family: 4, value: 0x51020304 }],
    ['0:0:0:0:0:ffff:81.2.3.4', { family: 4, value: 0x51020304 }],
    [' 81.2.3.4 ', { family: 4, value: 0x51020304 }],
    ['::1', { family: 6, value: 1n }],
    ['::', { family: 6, value: 0n }],
    ['2001:db8::', { family: 6, value: 0x20010db8n << 96n }],
    ['2001:DB8:0:0:0:0:0:1', { family: 6, value: (0x20010db8n << 96n) | 1n }],
    ['fe80::1%eth0', { family: 6, value: (0xfe80n << 112n) | 1n }],
    ['[2a01:e34::1]', { family: 6, value: (0x2a010e34n << 96n) | 1n }],
    ['1::', { family: 6, value: 1n << 112n }],
    ['1:2:3:4:5:6:1.2.3.4', { family: 6, value: 0x0001000200030004000500060102_0304n }],
  ])('%s', (text, expected) => {
    expect(parseIpAddress(text)).toEqual(expected);
  });

  it.each([
    '', ' ', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/24', '1.2.3.4:443', '-1.2.3.4', '1.2.3.x',
    '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:::2', '12345::', 'g::1', '::1.2.3', '1.2.3.4::', '::ffff:256.1.1.1',
    '1:2:3:4:5:6:7::8', 'fe80::1%', 'x'.repeat(100), '1'.repeat(46),
  ])('rejects %j', (text) => {
    expect(parseIpAddress(text)).toBeNull();
  });

  it('rejects what is not a string', () => {
    expect(parseIpAddress(null)).toBeNull();
    expect(parseIpAddress(undefined)).toBeNull();
    expect(parseIpAddress(42 as unknown as string)).toBeNull();
  });
});

describe('createGeoLookup: addresses without a location', () => {
  // 0.0.0.0/0 and ::/0 would match anything routable: whatever returns null here is refused before the tables
  const everything = createGeoLookup({ csv: '0.0.0.0/0,Anywhere,,ZZ,,\n::/0,Anywhere,,ZZ,,' });

  it.each([
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1',
    '100.127.255.255', '169.254.169.254', '0.0.0.0', '0.1.2.3', '192.0.0.8', '192.0.2.1', '198.51.100.7', '203.0.113.7', '198.18.0.1',
    '198.19.255.255', '192.88.99.1', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
    '::1', '::', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:192.168.0.1', '::ffff:100.64.1.1', '::10.1.2.3', '::8.8.8.8',
    'fc00::1', 'fd12:3456:789a::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'fec0::1', 'ff02::1', 'ff05::1:3', '2001:db8::1', '2001:db8:ffff::1',
    '3fff::1', '100::1', '2001:2::1', '64:ff9b:1::1',
  ])('%s', (ip) => {
    expect(everything.lookup(ip)).toBeNull();
  });

  it('answers for the public neighbours of those blocks', () => {
    for (const ip of ['9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '223.255.255.255', '::ffff:8.8.8.8', '2001:db9::1', '2001:db7:ffff::1', 'fbff::1', 'fe7f::1', '2606:4700::1']) {
      expect(everything.lookup(ip), ip).toMatchObject({ countryOrRegion: 'ZZ' });
    }
  });

  it('is null for unparsable and missing input', () => {
    for (const ip of [null, undefined, '', 'unknown', '1.2.3.4.5', 'example.com', '300.1.1.1']) expect(everything.lookup(ip)).toBeNull();
  });
});

describe('parseGeoCsv and lookups', () => {
  const geo = createGeoLookup({ csv: SAMPLE, builtin: false });
  const where = (ip: string) => geo.lookup(ip)?.city ?? null;

  it('takes the longest matching prefix', () => {
    expect(where('81.9.9.9')).toBe('');
    expect(geo.lookup('81.9.9.9')).toEqual({ city: '', state: '', countryOrRegion: 'FR', latitude: null, longitude: null });
    expect(where('81.2.0.1')).toBe('Paris');
    expect(where('81.2.3.0')).toBe('Lyon, centre');
    expect(where('81.2.3.127')).toBe('Lyon, centre');
    expect(where('81.2.3.128')).toBe('Marseille');
    expect(where('81.2.3.255')).toBe('Marseille');
    expect(where('81.2.4.0')).toBe('Paris');
    expect(where('81.255.255.255')).toBe('');
    expect(geo.lookup('80.255.255.255')).toBeNull();
    expect(geo.lookup('82.0.0.0')).toBeNull();
  });

  it('keeps the text, upper-cases the country and reads the coordinates', () => {
    expect(geo.lookup('81.2.0.1')).toEqual({ city: 'Paris', state: 'Île-de-France', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 });
    expect(geo.lookup('81.2.3.200')).toMatchObject({ state: "Provence-Alpes-Côte d'Azur" });
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(where('::ffff:81.2.3.200')).toBe('Marseille');
    expect(where('::ffff:5102:0301')).toBe('Lyon, centre');
  });

  it('looks up IPv6 ranges', () => {
    expect(where('2a01:e00::1')).toBe('');
    expect(where('2a01:e34::1')).toBe('Bordeaux');
    expect(where('2a01:e34:ebff:ffff:ffff:ffff:ffff:ffff')).toBe('Bordeaux');
    expect(where('2a01:e34:ec00::')).toBe('Nantes');
    expect(where('2a01:e34:ecff:ffff:ffff:ffff:ffff:ffff')).toBe('Nantes');
    expect(where('2a01:e34:ed00::')).toBe('Bordeaux');
    expect(where('2a01:e3f:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('');
    expect(geo.lookup('2a01:e40::')).toBeNull();
    expect(geo.lookup('2a01:dff:ffff:ffff:ffff:ffff:ffff:ffff')).toBeNull();
  });

  it('accepts a file without a header, bare addresses, quoted fields and mapped ranges', () => {
    const t = createGeoLookup({
      builtin: false,
      csv: [
        '81.2.3.4,Host,,FR,1,2',
        '2a01:e34::5,Host6,,FR,,',
        '"81.3.0.0/16" , "A ""quoted"" city" ,, "DE" ,  -33.5 , +151 ',
        '::ffff:81.4.0.0/112,Mapped,,IT,,',
      ].join('\n'),
    });
    expect(t.lookup('81.2.3.4')?.city).toBe('Host');
    expect(t.lookup('81.2.3.5')).toBeNull();
    expect(t.lookup('2a01:e34::5')?.city).toBe('Host6');
    expect(t.lookup('2a01:e34::6')).toBeNull();
    expect(t.lookup('81.3.200.1')).toEqual({ city: 'A "quoted" city', state: '', countryOrRegion: 'DE', latitude: -33.5, longitude: 151 });
    expect(t.lookup('81.4.255.255')?.city).toBe('Mapped');
    expect(t.lookup('::ffff:81.4.0.1')?.city).toBe('Mapped');
    expect(t.lookup('81.5.0.0')).toBeNull();
  });

  it('handles the edges of the address spaces', () => {
    const t = createGeoLookup({ builtin: false, csv: '0.0.0.0/1,Low,,AA,,\n128.0.0.0/1,High,,BB,,\n::/1,Low6,,CC,,\n8000::/1,High6,,DD,,' });
    expect(t.lookup('1.0.0.0')?.city).toBe('Low');
    expect(t.lookup('127.0.0.0')).toBeNull(); // loopback, whatever the file says
    expect(t.lookup('223.255.255.255')?.city).toBe('High');
    expect(t.lookup('2000::')?.city).toBe('Low6');
    expect(t.lookup('fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.city).toBe('High6');
  });

  it('is empty for an empty file or one with only a header and comments', () => {
    expect(parseGeoCsv('').ranges).toEqual([]);
    expect(parseGeoCsv('\uFEFFcidr,city,state,countryOrRegion,latitude,longitude\n# nothing yet\n').ranges).toEqual([]);
  });
});

describe('parseGeoCsv: errors name the line and the reason', () => {
  it.each([
    ['81.2.0.0/16,Paris,,FR,48.8', /expected 6 fields/],
    ['81.2.0.0/16,Paris,,FR,48.8,2.3,extra', /expected 6 fields/],
    ['81.2.0.0/33,Paris,,FR,,', /prefix length "\/33"/],
    ['2a01::/129,Paris,,FR,,', /prefix length "\/129"/],
    ['81.2.0.0/-1,Paris,,FR,,', /prefix length/],
    ['81.2.0.0/,Paris,,FR,,', /prefix length/],
    ['81.2.0.1/16,Paris,,FR,,', /host bits set .*81\.2\.0\.0\/16/],
    ['2a01:e34::1/32,Paris,,FR,,', /host bits set .*2a01:e34:0:0:0:0:0:0\/32/],
    ['81.2.300.0/24,Paris,,FR,,', /invalid IPv4 address "81.2.300.0"/],
    ['2a01:::/32,Paris,,FR,,', /invalid IPv6 address/],
    ['fe80::%eth0/64,Paris,,FR,,', /zone/],
    [',Paris,,FR,,', /empty cidr/],
    ['10.1.0.0/16,Office,,FR,,', /non-routable block 10\.0\.0\.0\/8/],
    ['::ffff:192.168.0.0/112,Office,,FR,,', /non-routable block 192\.168\.0\.0\/16/],
    ['fd00::/8,Office,,FR,,', /non-routable block fc00:0:0:0:0:0:0:0\/7/],
    ['2001:db8:1::/48,Docs,,FR,,', /non-routable/],
    ['81.2.0.0/16,Paris,,FRA,,', /countryOrRegion "FRA"/],
    ['81.2.0.0/16,Paris,,,,', /countryOrRegion ""/],
    ['81.2.0.0/16,Paris,,F1,,', /countryOrRegion "F1"/],
    ['81.2.0.0/16,Paris,,FR,48.8,', /both be given or both be empty/],
    ['81.2.0.0/16,Paris,,FR,,2.3', /both be given or both be empty/],
    ['81.2.0.0/16,Paris,,FR,91,2.3', /latitude 91 is outside -90..90/],
    ['81.2.0.0/16,Paris,,FR,48,-180.5', /longitude -180.5 is outside -180..180/],
    ['81.2.0.0/16,Paris,,FR,north,2.3', /latitude "north" is not a number/],
    ['81.2.0.0/16,Paris,,FR,1e3,2.3', /not a number/],
    ['81.2.0.0/16,Paris,,FR,0x10,2.3', /not a number/],
    ['81.2.0.0/16,"Paris,,FR,,', /unterminated quoted field/],
    ['81.2.0.0/16,"Paris"x,,FR,,', /unexpected text after a quoted field/],
    ['81.2.0.0/16,Pa"ris,,FR,,', /quote inside an unquoted field/],
    [`81.2.0.0/16,${'P'.repeat(257)},,FR,,`, /limited to 256 characters/],
  ])('%s', (line, reason) => {
    const problems = csvErrors(`# header-less file\n\n${line}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(3);
    expect(problems[0]!.reason).toMatch(reason);
  });

  it('reports every bad line at once, in order, with the source in the message', () => {
    const text = [
      'cidr,city,state,countryOrRegion,latitude,longitude', // 1
      '81.2.0.0/16,Paris,,FR,,', // 2
      'bogus,Paris,,FR,,', // 3
      '# fine', // 4
      '81.3.0.0/16,Lyon,,FR,100,0', // 5
      '81.2.0.0/16,Paris again,,FR,,', // 6: duplicate of line 2
    ].join('\n');
    let error: GeoCsvError | undefined;
    try {
      parseGeoCsv(text, '/etc/tenantry/geo.csv');
    } catch (err) {
      error = err as GeoCsvError;
    }
    expect(error).toBeInstanceOf(GeoCsvError);
    expect(error!.problems.map((p) => p.line)).toEqual([3, 5, 6]);
    expect(error!.problems[2]!.reason).toBe('81.2.0.0/16 is already defined on line 2');
    expect(error!.message).toContain('/etc/tenantry/geo.csv: 3 bad line(s)');
    expect(error!.message).toContain('line 3: invalid IPv4 address "bogus"');
    expect(error!.message).toContain('line 5: latitude 100 is outside -90..90');
  });

  it('refuses the same range spelled two ways', () => {
    const problems = csvErrors('2a01:e34::/32,A,,FR,,\n2A01:0E34:0000::/32,B,,FR,,\n81.4.0.0/16,C,,IT,,\n::ffff:81.4.0.0/112,D,,IT,,');
    expect(problems).toEqual([
      { line: 2, reason: '2a01:e34:0:0:0:0:0:0/32 is already defined on line 1' },
      { line: 4, reason: '81.4.0.0/16 is already defined on line 3' },
    ]);
  });

  it('checks the header when there is one', () => {
    expect(csvErrors('cidr,country,city\n81.2.0.0/16,Paris,,FR,,')).toEqual([{ line: 1, reason: 'header must be cidr,city,state,countryOrRegion,latitude,longitude' }]);
    // a "cidr" line after data is just a bad row
    expect(csvErrors('81.2.0.0/16,Paris,,FR,,\ncidr,city,state,countryOrRegion,latitude,longitude')[0]).toMatchObject({ line: 2, reason: 'invalid IPv4 address "cidr"' });
  });

  it('shortens a long list of problems', () => {
    const text = Array.from({ length: 30 }, (_, i) => `nope${i},x,,FR,,`).join('\n');
    let message = '';
    try {
      parseGeoCsv(text);
    } catch (err) {
      message = (err as Error).message;
      expect((err as GeoCsvError).problems).toHaveLength(30);
    }
    expect(message).toContain('30 bad line(s)');
    expect(message).toContain('line 20: ');
    expect(message).not.toContain('line 21: ');
    expect(message).toContain('… and 10 more');
  });
});

describe('createGeoLookup: sources', () => {
  it('reads the operator file first, then the built-in table', () => {
    const file = join(dir, 'geo.csv');
    writeFileSync(file, '# mine\n6.1.0.0/16,Fort Huachuca,Arizona,US,31.5455,-110.2773\n56.0.0.0/8,,,CA,,\n');
    const geo = createGeoLookup({ file });
    expect(geo.lookup('6.1.2.3')).toEqual({ city: 'Fort Huachuca', state: 'Arizona', countryOrRegion: 'US', latitude: 31.5455, longitude: -110.2773 });
    expect(geo.lookup('6.2.0.1')).toEqual({ city: '', state: '', countryOrRegion: 'US', latitude: null, longitude: null }); // built-in
    expect(geo.lookup('56.1.1.1')?.countryOrRegion).toBe('CA'); // the operator's file wins
    expect(geo.lookup('25.1.1.1')?.countryOrRegion).toBe('GB');
    expect(geo.lookup('1.1.1.1')).toBeNull();
    expect(createGeoLookup({ file, builtin: false }).lookup('6.2.0.1')).toBeNull();
  });

  it('fails at start-up on a missing or bad file, naming it', () => {
    expect(() => createGeoLookup({ file: join(dir, 'missing.csv') })).toThrow(/cannot read the geolocation file .*missing\.csv/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '81.2.0.0/16,Paris,,FR,,\n81.2.0.0/99,Paris,,FR,,\n');
    expect(() => createGeoLookup({ file: bad })).toThrow(`${bad}: 1 bad line(s)\n  line 2: invalid prefix length "/99" for IPv4 (0–32)`);
  });

  it('has a built-in table that is country level only, IPv4 /8s, and parses', () => {
    const geo = createGeoLookup();
    for (const r of BUILTIN_GEO_RANGES) {
      expect(r.cidr).toMatch(/^\d+\.0\.0\.0\/8$/);
      const first = r.cidr.replace('/8', '').replace(/\.0$/, '.1');
      expect(geo.lookup(first)).toEqual({ city: '', state: '', countryOrRegion: r.countryOrRegion, latitude: null, longitude: null });
    }
    expect(geo.lookup('2a01:e34::1')).toBeNull();
  });

  it('returns locations nobody can change', () => {
    const geo = createGeoLookup({ csv: SAMPLE });
    const hit = geo.lookup('81.2.0.1')!;
    expect(() => {
      (hit as { city: string }).city = 'Nice';
    }).toThrow(TypeError);
    expect(geo.lookup('81.2.0.1')?.city).toBe('Paris');
  });
});

describe('geoToSignInLocation', () => {
  it('gives the Graph shape', () => {
    const g: GeoLocation = { city: 'Paris', state: 'Île-de-France', countryOrRegion: 'FR', latitude: 48.8566, longitude: 2.3522 };
    expect(geoToSignInLocation(g)).toEqual({ city: 'Paris', state: 'Île-de-France', countryOrRegion: 'FR', geoCoordinates: { altitude: null, latitude: 48.8566, longitude: 2.3522 } });
  });

  it('is empty when unknown', () => {
    expect(geoToSignInLocation(null)).toEqual({ city: '', state: '', countryOrRegion: '', geoCoordinates: { altitude: null, latitude: null, longitude: null } });
  });
});

// ---------------------------------------------------------------------------------------------
// 100,000 ranges against a naive scan

/** deterministic PRNG (mulberry32) so a failure can be replayed */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TestRange {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  prefix: number;
  city: string;
}

// public first octets only, so no generated range touches a non-routable block
const SAFE_V4_OCTETS = Array.from({ length: 223 }, (_, i) => i + 1).filter((o) => ![10, 100, 127, 169, 172, 192, 198, 203].includes(o));

function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function v6Text(v: bigint): string {
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((v >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

function randomBits(next: () => number, bits: number): bigint {
  let v = 0n;
  for (let done = 0; done < bits; done += 16) v = (v << 16n) | BigInt(Math.floor(next() * 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

function makeRanges(count: number, next: () => number): TestRange[] {
  const out: TestRange[] = [];
  const seen = new Set<string>();
  const add = (family: 4 | 6, base: bigint, prefix: number) => {
    const bits = family === 4 ? 32 : 128;
    const host = (1n << BigInt(bits - prefix)) - 1n;
    const start = base & ~host;
    const key = `${family}|${start}|${prefix}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ family, start, end: start | host, prefix, city: `c${out.length}` });
  };
  while (out.length < count) {
    const roll = next();
    if (roll < 0.35 && out.length > 0) {
      // a sub-range of an existing range: deep nesting
      const parent = out[Math.floor(next() * out.length)]!;
      const bits = parent.family === 4 ? 32 : 128;
      if (parent.prefix >= bits) continue;
      const prefix = parent.prefix + 1 + Math.floor(next() * Math.min(bits - parent.prefix, parent.family === 4 ? 12 : 40));
      add(parent.family, parent.start + randomBits(next, bits - parent.prefix), Math.min(prefix, bits));
    } else if (roll < 0.8) {
      const octet = BigInt(SAFE_V4_OCTETS[Math.floor(next() * SAFE_V4_OCTETS.length)]!);
      add(4, (octet << 24n) | randomBits(next, 24), 8 + Math.floor(next() * 25));
    } else {
      // 2400::/6 .. 2fff: global unicast, clear of 2001:db8::/32 and 3fff::/20
      const top = BigInt(0x2400 + Math.floor(next() * 0xc00));
      add(6, (top << 112n) | randomBits(next, 112), 16 + Math.floor(next() * 113));
    }
  }
  return out;
}

/** Longest prefix by looking at every range (IPv4 bounds as numbers, to keep the scan quick). */
function naiveScanner(ranges: readonly TestRange[]): (family: 4 | 6, v: bigint) => string | null {
  const v4 = ranges.filter((r) => r.family === 4).map((r) => ({ start: Number(r.start), end: Number(r.end), prefix: r.prefix, city: r.city }));
  const v6 = ranges.filter((r) => r.family === 6);
  return (family, v) => {
    let best: { prefix: number; city: string } | undefined;
    if (family === 4) {
      const n = Number(v);
      for (const r of v4) if (n >= r.start && n <= r.end && (!best || r.prefix > best.prefix)) best = r;
    } else {
      for (const r of v6) if (v >= r.start && v <= r.end && (!best || r.prefix > best.prefix)) best = r;
    }
    return best ? best.city : null;
  };
}

describe('100,000 ranges', () => {
  it('match a naive longest-prefix scan on random addresses', () => {
    const next = rng(20240611);
    const ranges = makeRanges(100_000, next);
    // shuffle so the file is not in generation order
    for (let i = ranges.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ranges[i], ranges[j]] = [ranges[j]!, ranges[i]!];
    }
    const text = ['cidr,city,state,countryOrRegion,latitude,longitude', ...ranges.map((r) => `${r.family === 4 ? v4Text(r.start) : v6Text(r.start)}/${r.prefix},${r.city},,XX,,`)].join('\n');
    const file = join(dir, 'big.csv');
    writeFileSync(file, text);

    const loadStarted = performance.now();
    const geo = createGeoLookup({ file, builtin: false });
    const loadMs = performance.now() - loadStarted;
    expect(loadMs).toBeLessThan(10_000);

    const queries: { family: 4 | 6; value: bigint; text: string }[] = [];
    const v4 = ranges.filter((r) => r.family === 4);
    const v6 = ranges.filter((r) => r.family === 6);
    for (let i = 0; i < 600; i++) {
      // inside a random range, at its edges, just outside it, or anywhere public
      const pick = next();
      const pool = i % 3 === 0 ? v6 : v4;
      const r = pool[Math.floor(next() * pool.length)]!;
      const bits = r.family === 4 ? 32 : 128;
      const max = (1n << BigInt(bits)) - 1n;
      let value =
        pick < 0.4 ? r.start + (randomBits(next, bits) % (r.end - r.start + 1n))
        : pick < 0.55 ? r.start
        : pick < 0.7 ? r.end
        : pick < 0.8 ? r.start - 1n
        : pick < 0.9 ? r.end + 1n
        : r.family === 4 ? (BigInt(SAFE_V4_OCTETS[Math.floor(next() * SAFE_V4_OCTETS.length)]!) << 24n) | randomBits(next, 24)
        : (BigInt(0x2400 + Math.floor(next() * 0xc00)) << 112n) | randomBits(next, 112);
      if (value < 0n) value = 0n;
      if (value > max) value = max;
      const textual = r.family === 4 ? v4Text(value) : v6Text(value);
      queries.push({ family: r.family, value, text: textual });
      // the same IPv4 address through its IPv4-mapped IPv6 spelling
      if (r.family === 4 && i % 10 === 1) queries.push({ family: 4, value, text: `::ffff:${textual}` });
    }

    // an address just outside a generated range may be a non-routable one (10.255.255.255): no location
    const everything = createGeoLookup({ builtin: false, csv: '0.0.0.0/0,x,,XX,,\n::/0,x,,XX,,' });
    const naive = naiveScanner(ranges);
    let hits = 0;
    for (const q of queries) {
      const parsed = parseIpAddress(q.text)!;
      const expected = everything.lookup(q.text) ? naive(q.family, q.value) : null;
      expect(parsed.family).toBe(q.family);
      expect(geo.lookup(q.text)?.city ?? null, q.text).toBe(expected);
      if (expected !== null) hits++;
    }
    // the sample must exercise matches as well as misses
    expect(hits).toBeGreaterThan(queries.length / 3);
    expect(hits).toBeLessThan(queries.length);

    const lookups = 100_000;
    const texts = queries.map((q) => q.text);
    const started = performance.now();
    for (let i = 0; i < lookups; i++) geo.lookup(texts[i % texts.length]);
    // ~1,500 token requests a second need far less than this
    expect(performance.now() - started).toBeLessThan(5_000);
  }, 120_000);
});
