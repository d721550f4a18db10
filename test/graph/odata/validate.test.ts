import { describe, expect, it } from 'vitest';
import { ODataError } from '../../../src/graph/odata/errors.js';
import { parseFilter } from '../../../src/graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../../../src/graph/odata/validate.js';

const GUID = '6f5f8a2e-4b1c-4d2e-9f3a-1b2c3d4e5f60';
const ORDER = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;

const signIns: FilterSpec = {
  fields: {
    createdDateTime: { type: 'datetime', ops: ORDER },
    userPrincipalName: { type: 'string', ops: ['eq', 'ne', 'startswith'] },
    userId: { type: 'guid', ops: ['eq', 'ne'] },
    appId: { type: 'guid', ops: ['eq', 'startswith'] },
    appDisplayName: { type: 'string', ops: ['eq', 'startswith'] },
    'status/errorCode': { type: 'int', ops: ['eq', 'ne'] },
    conditionalAccessStatus: { type: 'enum', ops: ['eq', 'ne'], enumValues: ['success', 'failure', 'notApplied', 'unknownFutureValue'] },
    isInteractive: { type: 'boolean', ops: ['eq'] },
  },
  collections: {
    signInEventTypes: { element: { '': { type: 'string', ops: ['eq'] } } },
  },
  allowOr: true,
  allowNot: true,
};

const directoryAudits: FilterSpec = {
  fields: {
    activityDateTime: { type: 'datetime', ops: ORDER },
    category: { type: 'string', ops: ['eq'] },
  },
  collections: {
    targetResources: {
      element: {
        id: { type: 'guid', ops: ['eq'] },
        displayName: { type: 'string', ops: ['eq', 'startswith'] },
      },
    },
  },
};

const check = (text: string, spec: FilterSpec = signIns) => validateFilter(parseFilter(text), spec);

function rejects(text: string, spec: FilterSpec = signIns): void {
  const node = parseFilter(text); // must be syntactically valid: the validator is what rejects it
  expect(() => validateFilter(node, spec)).toThrow(ODataError);
}

describe('validateFilter', () => {
  it('maps property paths to their canonical spelling, segment by segment', () => {
    expect(check('Status/ErrorCode eq 0')).toEqual({
      kind: 'compare',
      op: 'eq',
      property: 'status/errorCode',
      value: { kind: 'number', value: 0 },
    });
    expect(check("USERPRINCIPALNAME eq 'a' and createddatetime ge 2024-01-13T14:13:32Z")).toMatchObject({
      kind: 'and',
      items: [{ property: 'userPrincipalName' }, { property: 'createdDateTime', value: { kind: 'datetime' } }],
    });
    expect(check("StartsWith(APPDISPLAYNAME,'Graph')")).toEqual({
      kind: 'function',
      name: 'startswith',
      property: 'appDisplayName',
      value: { kind: 'string', value: 'Graph' },
    });
  });

  it('canonicalises collections and element properties inside lambdas', () => {
    expect(check("SignInEventTypes/any(t: t eq 'servicePrincipal')")).toEqual({
      kind: 'any',
      collection: 'signInEventTypes',
      predicate: { kind: 'compare', op: 'eq', property: '', value: { kind: 'string', value: 'servicePrincipal' } },
    });
    expect(check(`targetResources/any(r: r/ID eq '${GUID.toUpperCase()}')`, directoryAudits)).toEqual({
      kind: 'any',
      collection: 'targetResources',
      predicate: { kind: 'compare', op: 'eq', property: 'id', value: { kind: 'string', value: GUID } },
    });
    expect(check("targetResources/any(r: startswith(r/displayname,'Ad'))", directoryAudits)).toMatchObject({
      predicate: { kind: 'function', property: 'displayName' },
    });
  });

  it('coerces guid fields to lower-case strings from quoted or unquoted GUIDs', () => {
    const expected = { kind: 'compare', op: 'eq', property: 'appId', value: { kind: 'string', value: GUID } };
    expect(check(`appId eq '${GUID.toUpperCase()}'`)).toEqual(expected);
    expect(check(`appId eq ${GUID.toUpperCase()}`)).toEqual(expected);
    expect(check(`startswith(appId,'6F5F')`)).toMatchObject({ value: { kind: 'string', value: '6f5f' } });
    rejects("appId eq 'not-a-guid'");
    rejects(`appId eq '${GUID} '`);
    rejects('appId eq 1');
  });

  it('turns a guid literal given for a string field into its text', () => {
    expect(check(`userPrincipalName eq ${GUID}`)).toMatchObject({ value: { kind: 'string', value: GUID } });
  });

  it('enforces field types strictly', () => {
    rejects("status/errorCode eq '0'");
    rejects('status/errorCode eq 1.5');
    rejects('status/errorCode eq true');
    rejects("createdDateTime ge '2024-01-13T14:13:32Z'");
    rejects('createdDateTime ge 1705155212000');
    rejects("isInteractive eq 'true'");
    rejects('userPrincipalName eq 1');
    rejects('userPrincipalName eq 2024-01-13T14:13:32Z');
    expect(check('isInteractive eq false')).toMatchObject({ value: { kind: 'boolean', value: false } });
    expect(check('status/errorCode ne -1')).toMatchObject({ value: { kind: 'number', value: -1 } });
  });

  it('matches enum members case-insensitively and outputs the canonical member', () => {
    expect(check("conditionalAccessStatus eq 'NOTAPPLIED'")).toMatchObject({ value: { kind: 'string', value: 'notApplied' } });
    rejects("conditionalAccessStatus eq 'maybe'");
    rejects('conditionalAccessStatus eq 1');
  });

  it('allows null only with eq and ne', () => {
    expect(check('userId eq null')).toMatchObject({ value: { kind: 'null' } });
    expect(check('status/errorCode ne null')).toMatchObject({ value: { kind: 'null' } });
    rejects('createdDateTime gt null');
  });

  it('rejects unknown properties, including prototype names', () => {
    rejects("mailNickname eq 'a'");
    rejects("status eq 'a'");
    rejects('errorCode eq 0');
    rejects("__proto__ eq 'a'");
    rejects("constructor eq 'a'");
    rejects("toString eq 'a'");
    rejects("hasOwnProperty eq 'a'");
    rejects("signInEventTypes eq 'a'");
    rejects("userPrincipalName/any(t: t eq 'a')");
    rejects("__proto__/any(t: t eq 'a')");
    rejects("signInEventTypes/any(t: t/id eq 'a')");
    rejects(`targetResources/any(t: t eq '${GUID}')`, directoryAudits);
  });

  it('does not fold non-ASCII look-alikes onto property names', () => {
    const spec: FilterSpec = { fields: { key: { type: 'string', ops: ['eq'] } }, collections: {} };
    expect(check("KEY eq 'x'", spec)).toMatchObject({ property: 'key' });
    rejects("\u212aey eq 'x'", spec); // KELVIN SIGN lower-cases to "k" under full Unicode folding
  });

  it('rejects operators the field does not allow', () => {
    rejects("userPrincipalName gt 'a'");
    rejects("endswith(userPrincipalName,'x')");
    rejects("contains(appDisplayName,'x')");
    rejects('isInteractive ne true');
    rejects("startswith(createdDateTime,'2024')");
  });

  it('requires a string argument for functions', () => {
    rejects('startswith(appDisplayName,1)');
    rejects('startswith(appDisplayName,null)');
    rejects(`startswith(appDisplayName,${GUID})`);
  });

  it('honours allowOr and allowNot, including inside lambdas', () => {
    rejects("category eq 'a' or category eq 'b'", directoryAudits);
    rejects("not(category eq 'a')", directoryAudits);
    rejects(`targetResources/any(t: t/id eq '${GUID}' or t/displayName eq 'x')`, directoryAudits);
    expect(check("userPrincipalName eq 'a' or not(userPrincipalName eq 'b')").kind).toBe('or');
  });

  it('returns a new tree and leaves the input untouched', () => {
    const node = parseFilter(`AppId eq '${GUID.toUpperCase()}' and (Status/ErrorCode eq 0 or not(SignInEventTypes/any(t: t eq 'x')))`);
    const before = structuredClone(node);
    const out = validateFilter(node, signIns);
    expect(node).toEqual(before);
    expect(out).not.toBe(node);
    expect(out).toEqual({
      kind: 'and',
      items: [
        { kind: 'compare', op: 'eq', property: 'appId', value: { kind: 'string', value: GUID } },
        {
          kind: 'or',
          items: [
            { kind: 'compare', op: 'eq', property: 'status/errorCode', value: { kind: 'number', value: 0 } },
            {
              kind: 'not',
              operand: {
                kind: 'any',
                collection: 'signInEventTypes',
                predicate: { kind: 'compare', op: 'eq', property: '', value: { kind: 'string', value: 'x' } },
              },
            },
          ],
        },
      ],
    });
  });
});
