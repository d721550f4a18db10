import { describe, expect, it } from 'vitest';
import type { FilterNode } from '../../../src/graph/odata/ast.js';
import { ODataError } from '../../../src/graph/odata/errors.js';
import { parseFilter } from '../../../src/graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../../../src/graph/odata/validate.js';

const GUID = '6f5f8a2e-4b1c-4d2e-9f3a-1b2c3d4e5f60';

function rejects(text: string): ODataError {
  try {
    parseFilter(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataError);
    expect((err as ODataError).message).toBe('Invalid filter clause');
    return err as ODataError;
  }
  throw new Error(`expected ODataError for ${JSON.stringify(text)}`);
}

const orChain = (n: number): string => Array.from({ length: n }, (_, i) => `userPrincipalName eq 'u${i}'`).join(' or ');
const shortOrChain = (n: number): string => Array.from({ length: n }, (_, i) => `a eq ${i}`).join(' or ');

describe('parseFilter: documented Graph filters', () => {
  it('parses a datetime range', () => {
    expect(parseFilter('createdDateTime ge 2024-01-13T14:13:32Z and createdDateTime le 2024-01-14T00:00:00Z')).toEqual({
      kind: 'and',
      items: [
        {
          kind: 'compare',
          op: 'ge',
          property: 'createdDateTime',
          value: { kind: 'datetime', value: '2024-01-13T14:13:32Z', epochMs: Date.parse('2024-01-13T14:13:32Z') },
        },
        {
          kind: 'compare',
          op: 'le',
          property: 'createdDateTime',
          value: { kind: 'datetime', value: '2024-01-14T00:00:00Z', epochMs: Date.parse('2024-01-14T00:00:00Z') },
        },
      ],
    });
  });

  it("unescapes '' inside string literals", () => {
    expect(parseFilter("userPrincipalName eq 'O''Brien@x.test'")).toEqual({
      kind: 'compare',
      op: 'eq',
      property: 'userPrincipalName',
      value: { kind: 'string', value: "O'Brien@x.test" },
    });
    expect(parseFilter("a eq ''")).toMatchObject({ value: { kind: 'string', value: '' } });
    expect(parseFilter("a eq ''''")).toMatchObject({ value: { kind: 'string', value: "'" } });
  });

  it('parses functions with case-insensitive names', () => {
    const expected = { kind: 'function', name: 'startswith', property: 'appDisplayName', value: { kind: 'string', value: 'Graph' } };
    expect(parseFilter("startsWith(appDisplayName,'Graph')")).toEqual(expected);
    expect(parseFilter("STARTSWITH( appDisplayName , 'Graph' )")).toEqual(expected);
    expect(parseFilter("EndsWith(a,'x')")).toMatchObject({ kind: 'function', name: 'endswith' });
    expect(parseFilter("contains(a,'x')")).toMatchObject({ kind: 'function', name: 'contains' });
  });

  it('parses property paths', () => {
    expect(parseFilter('status/errorCode eq 0')).toEqual({
      kind: 'compare',
      op: 'eq',
      property: 'status/errorCode',
      value: { kind: 'number', value: 0 },
    });
    expect(parseFilter('Status/ErrorCode ne 50126')).toMatchObject({ property: 'Status/ErrorCode', op: 'ne' });
  });

  it('parses lambdas over string collections and complex collections', () => {
    expect(parseFilter("signInEventTypes/any(t: t eq 'servicePrincipal')")).toEqual({
      kind: 'any',
      collection: 'signInEventTypes',
      predicate: { kind: 'compare', op: 'eq', property: '', value: { kind: 'string', value: 'servicePrincipal' } },
    });
    expect(parseFilter(`targetResources/any(t: t/id eq '${GUID}')`)).toEqual({
      kind: 'any',
      collection: 'targetResources',
      predicate: { kind: 'compare', op: 'eq', property: 'id', value: { kind: 'string', value: GUID } },
    });
    expect(parseFilter("targetResources/Any(resource:startswith(resource/displayName,'Ad') or resource/id eq null)")).toEqual({
      kind: 'any',
      collection: 'targetResources',
      predicate: {
        kind: 'or',
        items: [
          { kind: 'function', name: 'startswith', property: 'displayName', value: { kind: 'string', value: 'Ad' } },
          { kind: 'compare', op: 'eq', property: 'id', value: { kind: 'null' } },
        ],
      },
    });
  });

  it('parses grouping with and/or precedence', () => {
    expect(parseFilter(`appId eq '${GUID}' and (userPrincipalName eq 'a' or userPrincipalName eq 'b')`)).toEqual({
      kind: 'and',
      items: [
        { kind: 'compare', op: 'eq', property: 'appId', value: { kind: 'string', value: GUID } },
        {
          kind: 'or',
          items: [
            { kind: 'compare', op: 'eq', property: 'userPrincipalName', value: { kind: 'string', value: 'a' } },
            { kind: 'compare', op: 'eq', property: 'userPrincipalName', value: { kind: 'string', value: 'b' } },
          ],
        },
      ],
    });
  });

  it('parses not', () => {
    const expected: FilterNode = {
      kind: 'not',
      operand: { kind: 'compare', op: 'eq', property: 'status/errorCode', value: { kind: 'number', value: 0 } },
    };
    expect(parseFilter('not(status/errorCode eq 0)')).toEqual(expected);
    expect(parseFilter('NOT (status/errorCode eq 0)')).toEqual(expected);
    expect(parseFilter('not status/errorCode eq 0')).toEqual(expected);
  });
});

describe('parseFilter: structure', () => {
  const cmp = (property: string, value: number): FilterNode => ({ kind: 'compare', op: 'eq', property, value: { kind: 'number', value } });

  it('binds not tighter than and, and tighter than or', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual({
      kind: 'or',
      items: [cmp('a', 1), { kind: 'and', items: [cmp('b', 2), cmp('c', 3)] }],
    });
    expect(parseFilter('not a eq 1 and b eq 2')).toEqual({ kind: 'and', items: [{ kind: 'not', operand: cmp('a', 1) }, cmp('b', 2)] });
  });

  it('flattens chains and redundant parentheses into n-ary nodes', () => {
    const flat = { kind: 'and', items: [cmp('a', 1), cmp('b', 2), cmp('c', 3)] };
    expect(parseFilter('a eq 1 and b eq 2 and c eq 3')).toEqual(flat);
    expect(parseFilter('(a eq 1 and b eq 2) and c eq 3')).toEqual(flat);
    expect(parseFilter('a eq 1 AND (b eq 2 and (c eq 3))')).toEqual(flat);
    expect(parseFilter('((a eq 1))')).toEqual(cmp('a', 1));
  });

  it('accepts tabs and extra spaces between tokens', () => {
    expect(parseFilter('\t a \teq\t1  ')).toEqual(cmp('a', 1));
  });

  it('parses every literal kind', () => {
    const value = (lit: string) => (parseFilter(`p eq ${lit}`) as { value: unknown }).value;
    expect(value('true')).toEqual({ kind: 'boolean', value: true });
    expect(value('False')).toEqual({ kind: 'boolean', value: false });
    expect(value('null')).toEqual({ kind: 'null' });
    expect(value('-42')).toEqual({ kind: 'number', value: -42 });
    expect(value('3.25')).toEqual({ kind: 'number', value: 3.25 });
    expect(value('-0')).toEqual({ kind: 'number', value: 0 });
    expect(value('9007199254740991')).toEqual({ kind: 'number', value: Number.MAX_SAFE_INTEGER });
    expect(value(GUID.toUpperCase())).toEqual({ kind: 'guid', value: GUID });
    expect(value('deadbeef-0000-4000-8000-000000000000')).toEqual({ kind: 'guid', value: 'deadbeef-0000-4000-8000-000000000000' });
    expect(value('2024-05-02T00:00:00.1234567+02:00')).toEqual({
      kind: 'datetime',
      value: '2024-05-02T00:00:00.1234567+02:00',
      epochMs: Date.parse('2024-05-01T22:00:00.123Z'),
    });
    expect(value('2024-02-29T23:59:59.9-05:30')).toMatchObject({ epochMs: Date.parse('2024-03-01T05:29:59.900Z') });
    expect(value('2000-02-29T00:00Z')).toMatchObject({ epochMs: Date.parse('2000-02-29T00:00:00Z') });
    expect(value('0099-12-31T00:00:00Z')).toMatchObject({ epochMs: Date.parse('0099-12-31T00:00:00Z') });
  });

  it('accepts Unicode letters in identifiers and any Unicode inside strings', () => {
    expect(parseFilter("prénom eq 'Zoë 😀 ''; DROP TABLE x'")).toEqual({
      kind: 'compare',
      op: 'eq',
      property: 'prénom',
      value: { kind: 'string', value: "Zoë 😀 '; DROP TABLE x" },
    });
  });

  it('treats SQL-looking text inside quotes as a plain literal', () => {
    const sql = "x'' OR 1=1; DROP TABLE sign_ins; -- /* */ UNION SELECT * FROM users";
    expect(parseFilter(`userPrincipalName eq '${sql}'`)).toMatchObject({ value: { kind: 'string', value: sql.replace(/''/g, "'") } });
  });

  it('parses 50 and 200 flat or terms', () => {
    const fifty = parseFilter(orChain(50));
    expect(fifty.kind).toBe('or');
    expect(fifty.kind === 'or' && fifty.items.length).toBe(50);
    const max = parseFilter(shortOrChain(200));
    expect(max.kind === 'or' && max.items.length).toBe(200);
    expect(rejects(shortOrChain(201)).detail).toMatch(/more than 200 terms/);
    expect(rejects(`a/any(t: ${shortOrChain(201).replace(/\ba\b/g, 't')})`).detail).toMatch(/more than 200 terms/);
  });

  it('allows nesting up to depth 32', () => {
    expect(parseFilter('('.repeat(32) + 'a eq 1' + ')'.repeat(32))).toEqual(cmp('a', 1));
    expect(rejects('('.repeat(33) + 'a eq 1' + ')'.repeat(33)).detail).toMatch(/nesting/);
    expect(parseFilter('not '.repeat(32) + 'a eq 1')).toBeTruthy();
    expect(rejects('not '.repeat(33) + 'a eq 1').detail).toMatch(/nesting/);
    expect(parseFilter('('.repeat(31) + "s/any(t: t eq 'x')" + ')'.repeat(31))).toBeTruthy();
    expect(rejects('('.repeat(32) + "s/any(t: t eq 'x')" + ')'.repeat(32)).detail).toMatch(/nesting/);
  });

  it('allows inputs and string literals right at the limits', () => {
    const padded = 'a eq 1'.padEnd(4000, ' ');
    expect(parseFilter(padded)).toEqual(cmp('a', 1));
    expect(rejects(padded + ' ').detail).toMatch(/longer than 4000/);
    expect(parseFilter(`a eq '${'x'.repeat(1024)}'`)).toBeTruthy();
    expect(parseFilter(`a eq '${"''".repeat(1024)}'`)).toBeTruthy();
    expect(rejects(`a eq '${'x'.repeat(1025)}'`).detail).toMatch(/string literal longer/);
  });

  it('keeps the internal reason out of the public message', () => {
    const err = rejects("a eq 'x' or 1 eq 1");
    expect(err.detail).toMatch(/at \d+/);
    expect(err.message).not.toContain('1 eq 1');
  });
});

describe('parseFilter: hostile and invalid input', () => {
  const corpus: string[] = [
    // empty / structural
    '',
    '   ',
    '()',
    'not',
    'a eq',
    'status/errorCode eq',
    'eq 1',
    'a eq 1 and',
    'and a eq 1',
    'a eq 1 or or b eq 2',
    'a eq 1 b eq 2',
    'a eq 1, b eq 2',
    'a eq 1 xor b eq 2',
    'a eq b',
    'a eq true eq false',
    'a',
    'a eq :',
    // unbalanced quotes / parentheses
    "userPrincipalName eq 'unterminated",
    "userPrincipalName eq 'a''",
    "userPrincipalName eq a'",
    "(userPrincipalName eq 'a'",
    "userPrincipalName eq 'a')",
    'not(a eq 1',
    "signInEventTypes/any(t: t eq 'x'",
    // SQL outside quotes
    "'a' or 1 eq 1",
    "userPrincipalName eq 'a' or '1'='1'",
    "userPrincipalName eq 'a' or 1=1",
    "userPrincipalName eq 'a'; DROP TABLE users",
    "userPrincipalName eq 'a' -- comment",
    "userPrincipalName eq 'a' /* x */",
    "userPrincipalName eq 'a' || 1",
    "userPrincipalName = 'a'",
    "userPrincipalName eq 'a' UNION SELECT * FROM users",
    'userPrincipalName eq "a"',
    "userPrincipalName eq 'a'eq",
    "userPrincipalName eq'a'",
    // literal-first comparisons
    "'a' eq userPrincipalName",
    '0 eq status/errorCode',
    'null eq status/errorCode',
    `${GUID} eq appId`,
    '2024-01-01T00:00:00Z le createdDateTime',
    // aliases, $it, $root, casts, odd path shapes
    'userPrincipalName eq @p1',
    "@p1 eq 'a'",
    "$it/userPrincipalName eq 'a'",
    "$root/users eq 'a'",
    "microsoft.graph.user/displayName eq 'a'",
    'a.b eq 1',
    'a//b eq 1',
    '/a eq 1',
    'a/ eq 1',
    'true eq true',
    'eq eq 1',
    'a/and eq 1',
    // operators and functions outside the subset
    'status/errorCode add 1 eq 2',
    'status/errorCode eq 1 add 1',
    "userPrincipalName in ('a','b')",
    "flags has 'a'",
    "signInEventTypes/all(t: t eq 'x')",
    "substringof('a', userPrincipalName)",
    "matchesPattern(userPrincipalName, '^a')",
    "tolower(userPrincipalName) eq 'a'",
    "any(t: t eq 'x')",
    'startswith(userPrincipalName)',
    "startswith('a', userPrincipalName)",
    "startswith(userPrincipalName,'a') eq true",
    "startswith(userPrincipalName,'a','b')",
    "startswith(signInEventTypes/any(t: t eq 'x'),'a')",
    // lambdas
    'signInEventTypes/any()',
    'signInEventTypes/any(t)',
    'signInEventTypes/any(t:)',
    "signInEventTypes/any(t: x eq 'y')",
    "signInEventTypes/any(t: T eq 'y')",
    "signInEventTypes/any(and: and eq 'y')",
    "a/any(t: t/b/any(u: u eq 'x'))",
    "signInEventTypes/any(t: t eq 'x') eq true",
    // dates
    'createdDateTime ge 2024-02-30T00:00:00Z',
    'createdDateTime ge 2023-02-29T00:00:00Z',
    'createdDateTime ge 1900-02-29T00:00:00Z',
    'createdDateTime ge 2024-13-01T00:00:00Z',
    'createdDateTime ge 2024-00-10T00:00:00Z',
    'createdDateTime ge 2024-04-31T00:00:00Z',
    'createdDateTime ge 0000-01-01T00:00:00Z',
    'createdDateTime ge 2024-01-01T24:00:00Z',
    'createdDateTime ge 2024-01-01T23:60:00Z',
    'createdDateTime ge 2024-01-01T23:59:60Z',
    'createdDateTime ge 2024-01-01T00:00:00+15:00',
    'createdDateTime ge 2024-01-01T00:00:00+02:60',
    'createdDateTime ge 2024-01-01T00:00:00.12345678Z',
    'createdDateTime ge 2024-01-01T00:00:00.Z',
    'createdDateTime ge 2024-01-01T00:00:00',
    'createdDateTime ge 2024-01-01',
    'createdDateTime ge 2024-1-01T00:00:00Z',
    'createdDateTime ge 2024-01-01 00:00:00Z',
    'createdDateTime ge 2024-01-01T00:00:00Zjunk',
    "createdDateTime ge datetime'2024-01-01T00:00:00Z'",
    // numbers and guids
    'status/errorCode eq 1e5',
    'status/errorCode eq 0x10',
    'status/errorCode eq 9007199254740993',
    `status/errorCode eq ${'9'.repeat(400)}.5`,
    'status/errorCode eq 1.',
    'status/errorCode eq .5',
    'status/errorCode eq --1',
    'status/errorCode eq - 1',
    'status/errorCode eq +1',
    'status/errorCode eq NaN',
    'status/errorCode eq Infinity',
    'status/errorCode eq 5L',
    `appId eq ${GUID}x`,
    `appId eq ${GUID.slice(0, -1)}`,
    `appId eq guid'${GUID}'`,
    // whitespace and characters
    "a+eq+'x'",
    "a eq 'x' + b eq 1",
    'a\u00a0eq 1',
    'a eq\u200b1',
    'a eq 1\n',
    'a eq 1\r\n',
    "a eq 'x\u0000'",
    'a eq 1\u0000',
    "a eq 'x\u001f'",
    "a eq 'x\u007f'",
    "a eq 'tab\there'",
    "a eq '\ud800'",
    "a eq 'x\udc00y'",
    'a\ud800 eq 1',
    "a eq '\ud83d'",
    'a\u0301 eq 1',
    'a-b eq 1',
    'a$ eq 1',
    `${'a'.repeat(129)} eq 1`,
    // limits
    '('.repeat(100) + 'a eq 1' + ')'.repeat(100),
    '('.repeat(5000),
    'not('.repeat(40) + 'a eq 1' + ')'.repeat(40),
    shortOrChain(201),
    shortOrChain(500),
    'a eq 1 '.repeat(715).slice(0, 5000),
    `a eq '${'x'.repeat(4990)}'`,
    `a eq '${'x'.repeat(1025)}'`,
  ];

  it('has a corpus of at least 40 inputs', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus.map((text) => [text.length > 60 ? `${text.slice(0, 60)}… (${text.length} chars)` : text, text]))('rejects %j', (_label, text) => {
    rejects(text);
  });

  it('rejects non-string input with ODataError', () => {
    expect(() => parseFilter(undefined as unknown as string)).toThrow(ODataError);
    expect(() => parseFilter({ length: 1 } as unknown as string)).toThrow(ODataError);
  });

  it('stays fast on worst-case inputs of maximum length', () => {
    const inputs = [
      orChain(200).slice(0, 4000),
      `a eq '${"''".repeat(1000)}'`,
      '('.repeat(4000),
      ' '.repeat(3999) + '(',
      `a eq ${'1'.repeat(3990)}`,
      'a/'.repeat(2000),
      'x'.repeat(4000),
      'é'.repeat(4000),
    ];
    const started = performance.now();
    for (let round = 0; round < 50; round++) {
      for (const text of inputs) {
        try {
          parseFilter(text);
        } catch (err) {
          if (!(err instanceof ODataError)) throw err;
        }
      }
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('parseFilter: fuzz', () => {
  // mulberry32: tiny deterministic PRNG so failures reproduce.
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const fragments = [
    ' ', ' ', ' ', '\t', '(', ')', ',', '/', ':', "'", "''", 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not', 'NOT', 'any', 'all',
    'in', 'has', 'add', 'true', 'false', 'null', 'startswith', 'endsWith', 'contains', 'substringof', 'status', 'errorCode',
    'userPrincipalName', 'createdDateTime', 'signInEventTypes', 'targetResources', 't', 'id', "'x'", "'O''Brien'", '0', '-1',
    '3.14', '1e5', GUID, GUID.toUpperCase(), '2024-01-13T14:13:32Z', '2024-05-02T00:00:00.1234567+02:00', '2024-02-30T00:00:00Z',
    '2024-', '@p1', '$it', '$root', 'a.b', '--', ';', '=', '"', '\\', '\u0000', '\ud800', '\udc00', '😀', 'é', '\u212a', '+', '%20',
  ];
  const seeds = [
    "createdDateTime ge 2024-01-13T14:13:32Z and createdDateTime le 2024-01-14T00:00:00Z",
    "signInEventTypes/any(t: t eq 'servicePrincipal')",
    `targetResources/any(t: t/id eq '${GUID}') and not(status/errorCode eq 0)`,
    "startsWith(appDisplayName,'Graph') or userPrincipalName eq 'O''Brien@x.test'",
  ];
  const spec: FilterSpec = {
    fields: {
      createdDateTime: { type: 'datetime', ops: ['eq', 'ge', 'le', 'gt', 'lt'] },
      userPrincipalName: { type: 'string', ops: ['eq', 'ne', 'startswith'] },
      'status/errorCode': { type: 'int', ops: ['eq', 'ne'] },
    },
    collections: { signInEventTypes: { element: { '': { type: 'string', ops: ['eq'] } } } },
    allowOr: true,
    allowNot: true,
  };

  it('only ever succeeds or throws ODataError on 100,000 random inputs', () => {
    const rand = prng(0xc0ffee);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const randomChar = (): string => {
      const r = rand();
      if (r < 0.6) return String.fromCharCode(0x20 + Math.floor(rand() * 0x5f)); // printable ASCII
      if (r < 0.7) return String.fromCharCode(Math.floor(rand() * 0x20)); // controls
      return String.fromCharCode(Math.floor(rand() * 0x10000)); // anything, incl. lone surrogates
    };
    const generate = (): string => {
      if (rand() < 0.3) {
        // mutate a valid filter
        const chars = [...pick(seeds)];
        const edits = 1 + Math.floor(rand() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rand() * (chars.length + 1));
          const r = rand();
          if (r < 0.33) chars.splice(at, 1);
          else if (r < 0.66) chars.splice(at, 0, rand() < 0.5 ? randomChar() : pick(fragments));
          else chars[at] = randomChar();
        }
        return chars.join('');
      }
      const parts: string[] = [];
      const n = 1 + Math.floor(rand() * 24);
      for (let k = 0; k < n; k++) parts.push(rand() < 0.8 ? pick(fragments) : randomChar());
      return parts.join(rand() < 0.5 ? ' ' : '');
    };

    let parsed = 0;
    let firstUnexpected: { input: string; error: unknown } | undefined;
    for (let i = 0; i < 100_000 && !firstUnexpected; i++) {
      const input = generate();
      try {
        validateFilter(parseFilter(input), spec);
        parsed++;
      } catch (error) {
        if (!(error instanceof ODataError)) firstUnexpected = { input, error };
      }
    }
    expect(firstUnexpected).toBeUndefined();
    expect(parsed).toBeGreaterThan(0); // sanity: the generator does reach valid filters
  });
});
