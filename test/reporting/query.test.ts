import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSignIn, recordSignIn, type SignInEventType } from '../../src/identity/signIns.js';
import { KEEP_ALL, startServer, type TestServer } from '../helpers/server.js';
import { appToken, registerApp, userToken, type RegisteredApp } from '../helpers/api.js';

/**
 * Query behaviour of /auditLogs/signIns and /auditLogs/directoryAudits: event types, ordering, $top,
 * $filter (semantics and hostile input), server-driven paging and $skiptoken integrity.
 */

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const PUBLIC = 'https://localhost:8443';
const SIGN_INS = '/v1.0/auditLogs/signIns';
const AUDITS = '/v1.0/auditLogs/directoryAudits';
const BAD_FILTER = 'Invalid filter clause';
const BAD_SKIPTOKEN = 'Invalid $skiptoken: it is malformed, expired, or was issued for another query.';
/** nothing in an error body may reveal the engine, the SQL or the code */
const LEAK = /sql|syntax|stack|node_modules|\/work\/|\/src\/|\.ts\b|\.js\b|\bat \S+:\d+/i;

interface Res<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  raw: string;
}

interface SignInJson {
  id: string;
  createdDateTime: string;
  userPrincipalName: string | null;
  appId: string;
  appDisplayName: string;
  isInteractive: boolean;
  signInEventTypes?: string[];
  status: { errorCode: number };
}

interface AuditJson {
  id: string;
  activityDisplayName: string;
  category: string;
  operationType: string;
  correlationId: string;
  targetResources: { id: string; type: string }[];
}

interface Page<T> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  value: T[];
}

interface ErrorBody {
  error: { code: string; message: string };
}

/** GET through inject with a raw (already encoded) URL; every Graph JSON response must carry Graph's content type. */
async function get<T = Record<string, unknown>>(s: TestServer, url: string, token: string): Promise<Res<T>> {
  const r = await s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  expect(r.headers['content-type'], url).toBe(GRAPH_JSON);
  return { status: r.statusCode, headers: r.headers, body: r.json() as T, raw: r.body };
}

const q = (path: string, options: Record<string, string>): string =>
  `${path}?${Object.entries(options).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;

async function list<T = SignInJson>(s: TestServer, token: string, path: string, options: Record<string, string> = {}): Promise<Page<T>> {
  const r = await get<Page<T>>(s, Object.keys(options).length ? q(path, options) : path, token);
  expect(r.status, r.raw).toBe(200);
  return r.body;
}

/** Follows a nextLink verbatim (it is absolute on the public URL). */
async function follow<T = SignInJson>(s: TestServer, token: string, nextLink: string): Promise<Page<T>> {
  expect(nextLink.startsWith(`${PUBLIC}/`)).toBe(true);
  const r = await get<Page<T>>(s, nextLink.slice(PUBLIC.length), token);
  expect(r.status, r.raw).toBe(200);
  return r.body;
}

function expectBadRequest(r: Res, message: string): void {
  expect(r.status, r.raw.slice(0, 300)).toBe(400);
  expect((r.body as unknown as ErrorBody).error.code).toBe('BadRequest');
  expect((r.body as unknown as ErrorBody).error.message).toBe(message);
  expect(r.raw).not.toMatch(LEAK);
}

interface Seed {
  id?: string;
  at: number;
  type?: SignInEventType;
  upn?: string;
  appId?: string;
  appName?: string;
  errorCode?: number;
}

interface Seeded {
  id: string;
  at: number;
  /** insertion order: the tie-break of equal times */
  n: number;
}

let inserted = 0;

/** Writes sign-ins through the token service's own recorder, with controlled times. */
async function seed(s: TestServer, tenantId: string, rows: Seed[]): Promise<Seeded[]> {
  const out = rows.map((r) => ({ id: r.id ?? randomUUID(), at: r.at, n: inserted++ }));
  const prepared: Awaited<ReturnType<typeof prepareSignIn>>[] = [];
  for (const [i, r] of rows.entries()) {
      const type = r.type ?? 'interactiveUser';
      prepared.push(await prepareSignIn(s.testStore.store, {
        id: out[i]!.id, tenantId, createdAt: r.at, eventType: type, correlationId: randomUUID(), requestId: randomUUID(),
        ipAddress: '203.0.113.7', userAgent: 'seed', clientAppUsed: 'Mobile Apps and Desktop clients',
        authenticationProtocol: type === 'interactiveUser' ? 'ropc' : 'none', clientCredentialType: type === 'servicePrincipal' ? 'clientSecret' : 'none',
        ...(type === 'servicePrincipal' ? {} : { user: { id: randomUUID(), userPrincipalName: r.upn ?? 'someone@seed.test', displayName: 'Someone' } }),
        app: { appId: r.appId ?? '11111111-2222-3333-4444-555555555555', displayName: r.appName ?? 'Seed app', servicePrincipalId: null },
        resource: { appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph', servicePrincipalId: null },
        status: { errorCode: r.errorCode ?? 0, failureReason: r.errorCode ? 'Invalid username or password.' : null },
      }));
  }
  await s.testStore.store.transaction(async (trx) => {
    for (const row of prepared) await recordSignIn(trx, row);
  });
  return out;
}

/** created_at desc, insertion desc (or the reverse): the documented keyset order. */
function ordered(rows: Seeded[], dir: 'desc' | 'asc' = 'desc'): string[] {
  const sorted = [...rows].sort((a, b) => (a.at !== b.at ? b.at - a.at : b.n - a.n));
  return (dir === 'desc' ? sorted : sorted.reverse()).map((r) => r.id);
}

async function countRows(s: TestServer, table: 'sign_ins' | 'directory_audits'): Promise<number> {
  const r = await s.testStore.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

interface Reporting {
  tenantId: string;
  admin: string;
  app: RegisteredApp;
  token: string;
}

/**
 * A tenant with a consented reporting app. Its own sign-ins: the admin's ROPC sign-in (interactive)
 * and the app's client-credentials sign-in (servicePrincipal), both "now"; seeds use 2024 dates.
 */
async function reporting(s: TestServer): Promise<Reporting> {
  const t = await s.tenant({ license: 'P1' });
  const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
  const app = await registerApp(s, admin, ['AuditLog.Read.All', 'Directory.Read.All']);
  return { tenantId: t.tenantId, admin, app, token: await appToken(s, t.tenantId, app) };
}

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0); // 2024-05-01T10:00:00.000Z
const iso = (ms: number): string => new Date(ms).toISOString();
const WINDOW_2024 = 'createdDateTime ge 2024-01-01T00:00:00Z and createdDateTime le 2024-12-31T23:59:59Z';

describe('sign-in and audit queries', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false, retention: KEEP_ALL }); });
  afterAll(async () => { await s?.close(); });

  describe('event types', () => {
    let r: Reporting;
    let interactive: string;
    let nonInteractive: string;
    let servicePrincipal: string;
    beforeAll(async () => {
      r = await reporting(s);
      [interactive, nonInteractive, servicePrincipal] = (await seed(s, r.tenantId, [
        { at: T0 + 3000, type: 'interactiveUser', upn: 'inter@seed.test' },
        { at: T0 + 2000, type: 'nonInteractiveUser', upn: 'refresh@seed.test' },
        { at: T0 + 1000, type: 'servicePrincipal' },
      ])).map((x) => x.id) as [string, string, string];
    });

    it('v1.0 returns interactive user sign-ins only', async () => {
      const all = await list(s, r.token, SIGN_INS);
      expect(all['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#auditLogs/signIns`);
      expect(all['@odata.nextLink']).toBeUndefined();
      // the admin's own ROPC sign-in (now) and the seeded interactive one, nothing else
      expect(all.value).toHaveLength(2);
      expect(all.value[1]!.id).toBe(interactive);
      expect(all.value.every((v) => v.isInteractive === true && v.signInEventTypes === undefined)).toBe(true);
      expect(all.value[0]!.userPrincipalName).toMatch(/^admin@/);
      expect((await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024 })).value.map((v) => v.id)).toEqual([interactive]);
    });

    it('v1.0 has no signInEventTypes property to filter on', async () => {
      expectBadRequest(await get(s, q(SIGN_INS, { $filter: "signInEventTypes/any(t: t eq 'servicePrincipal')" }), r.token), BAD_FILTER);
    });

    it('beta returns interactive only by default and other types on request', async () => {
      const byDefault = await list(s, r.token, '/beta/auditLogs/signIns', { $filter: WINDOW_2024 });
      expect(byDefault['@odata.context']).toBe(`${PUBLIC}/beta/$metadata#auditLogs/signIns`);
      expect(byDefault.value.map((v) => [v.id, v.signInEventTypes])).toEqual([[interactive, ['interactiveUser']]]);

      const sp = await list(s, r.token, '/beta/auditLogs/signIns', { $filter: "signInEventTypes/any(t: t eq 'servicePrincipal')" });
      // the app's own client-credentials sign-in (now) and the seeded one
      expect(sp.value).toHaveLength(2);
      expect(sp.value[1]!.id).toBe(servicePrincipal);
      expect(sp.value[0]!.appId).toBe(r.app.appId);
      expect(sp.value.every((v) => v.isInteractive === false && JSON.stringify(v.signInEventTypes) === '["servicePrincipal"]')).toBe(true);
      expect(sp.value.every((v) => v.userPrincipalName === null)).toBe(true);

      const ni = await list(s, r.token, '/beta/auditLogs/signIns', { $filter: "signInEventTypes/any(t: t eq 'nonInteractiveUser')" });
      expect(ni.value.map((v) => v.id)).toEqual([nonInteractive]);

      const both = await list(s, r.token, '/beta/auditLogs/signIns', {
        $filter: `(signInEventTypes/any(t: t eq 'interactiveUser') or signInEventTypes/any(t: t eq 'servicePrincipal')) and ${WINDOW_2024}`,
      });
      expect(both.value.map((v) => v.id)).toEqual([interactive, servicePrincipal]);

      const notSp = await list(s, r.token, '/beta/auditLogs/signIns', { $filter: `signInEventTypes/any(t: t ne 'servicePrincipal') and ${WINDOW_2024}` });
      expect(notSp.value.map((v) => v.id)).toEqual([interactive, nonInteractive]);

      expectBadRequest(await get(s, q('/beta/auditLogs/signIns', { $filter: "signInEventTypes/any(t: t eq 'robot')" }), r.token), BAD_FILTER);
    });

    it('GET by id: a service-principal sign-in is 404 on v1.0 and 200 on beta', async () => {
      const v1 = await get<ErrorBody>(s, `${SIGN_INS}/${servicePrincipal}`, r.token);
      expect(v1.status).toBe(404);
      expect(v1.body.error.code).toBe('ResourceNotFound');
      expect(v1.body.error.message).toBe('Resource not found.');

      const beta = await get<SignInJson & { '@odata.context': string }>(s, `/beta/auditLogs/signIns/${servicePrincipal}`, r.token);
      expect(beta.status, beta.raw).toBe(200);
      expect(beta.body['@odata.context']).toBe(`${PUBLIC}/beta/$metadata#auditLogs/signIns/$entity`);
      expect(beta.body['@odata.context'].endsWith('$metadata#auditLogs/signIns/$entity')).toBe(true);
      expect(beta.body.id).toBe(servicePrincipal);
      expect(beta.body.signInEventTypes).toEqual(['servicePrincipal']);
      expect(beta.body.createdDateTime).toBe(iso(T0 + 1000));

      const inter = await get<SignInJson & { '@odata.context': string }>(s, `${SIGN_INS}/${interactive.toUpperCase()}`, r.token);
      expect(inter.status, inter.raw).toBe(200);
      expect(inter.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#auditLogs/signIns/$entity`);
      expect(inter.body.id).toBe(interactive);
      expect(inter.body.userPrincipalName).toBe('inter@seed.test');

      // the lower-case alias Graph also answers on
      expect((await get(s, `/v1.0/auditLogs/signins/${interactive}`, r.token)).status).toBe(200);
      for (const id of [randomUUID(), 'not-a-guid', `${interactive}x`, '%00']) {
        const miss = await get<ErrorBody>(s, `${SIGN_INS}/${id}`, r.token);
        expect(miss.status, id).toBe(404);
        expect(miss.body.error.code).toBe('ResourceNotFound');
      }
    });

    it('another tenant cannot read these sign-ins by id or by list', async () => {
      const other = await reporting(s);
      expect((await get(s, `/beta/auditLogs/signIns/${servicePrincipal}`, other.token)).status).toBe(404);
      expect((await get(s, `${SIGN_INS}/${interactive}`, other.token)).status).toBe(404);
      expect((await list(s, other.token, SIGN_INS, { $filter: WINDOW_2024 })).value).toEqual([]);
      expectBadRequest(await get(s, q(SIGN_INS, { $filter: `tenantId eq '${r.tenantId}'` }), other.token), BAD_FILTER);
    });
  });

  describe('order and $top', () => {
    let r: Reporting;
    let rows: Seeded[];
    beforeAll(async () => {
      r = await reporting(s);
      rows = await seed(s, r.tenantId, [5, 1, 4, 2, 3, 0, 6].map((k) => ({ at: T0 + k * 1000 })));
    });

    it('newest first by default; $orderby createdDateTime asc / desc', async () => {
      const byDefault = await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024 });
      expect(byDefault.value.map((v) => v.id)).toEqual(ordered(rows));
      expect(byDefault.value.map((v) => v.createdDateTime)).toEqual([6, 5, 4, 3, 2, 1, 0].map((k) => iso(T0 + k * 1000)));
      const asc = await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024, $orderby: 'createdDateTime asc' });
      expect(asc.value.map((v) => v.id)).toEqual(ordered(rows, 'asc'));
      const desc = await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024, $orderby: 'createdDateTime desc' });
      expect(desc.value.map((v) => v.id)).toEqual(ordered(rows));
      for (const bad of ['userPrincipalName', 'createdDateTime up', 'createdDateTime asc, id desc']) {
        const res = await get<ErrorBody>(s, q(SIGN_INS, { $orderby: bad }), r.token);
        expect(res.status, bad).toBe(400);
        expect(res.body.error.code).toBe('BadRequest');
      }
    });

    it('$top limits the page; invalid values are 400', async () => {
      const two = await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024, $top: '2' });
      expect(two.value.map((v) => v.id)).toEqual(ordered(rows).slice(0, 2));
      expect(two['@odata.nextLink']).toBeDefined();
      const seven = await list(s, r.token, SIGN_INS, { $filter: WINDOW_2024, $top: '7' });
      expect(seven.value).toHaveLength(7);
      expect(seven['@odata.nextLink']).toBeUndefined();
      for (const bad of ['0', '-1', 'abc', '', '1.5', '1e3', ' 5']) {
        const res = await get<ErrorBody>(s, q(SIGN_INS, { $top: bad }), r.token);
        expect(res.status, `$top=${bad}`).toBe(400);
        expect(res.body.error.code).toBe('BadRequest');
        expect(res.body.error.message).toBe(`Invalid page size specified: '${bad}'. Must be between 1 and 1000 inclusive.`);
        expect(res.raw).not.toMatch(LEAK);
      }
    });
  });

  describe('$filter semantics', () => {
    let r: Reporting;
    const APP_X = 'aaaaaaaa-0000-4000-8000-000000000001';
    const APP_Y = 'bbbbbbbb-0000-4000-8000-000000000002';
    const T1 = Date.UTC(2024, 4, 1, 10, 0, 0);
    const T2 = Date.UTC(2024, 4, 1, 11, 0, 0);
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      r = await reporting(s);
      const named: [string, Seed][] = [
        ['beforeT1', { at: T1 - 1 }],
        ['atT1', { at: T1 }],
        ['mid', { at: T1 + 30 * 60_000 }],
        ['atT2', { at: T2 }],
        ['afterT2', { at: T2 + 1 }],
        ['obrien', { at: T0 - 86_400_000, upn: "O'Brien@Contoso.test", appId: APP_X, appName: 'Reporting API application' }],
        ['failedX', { at: T0 - 86_400_000 + 1, upn: 'failed@contoso.test', appId: APP_X, appName: 'Reports dashboard', errorCode: 50126 }],
        ['failedY', { at: T0 - 86_400_000 + 2, upn: 'other@contoso.test', appId: APP_Y, appName: 'report tool', errorCode: 50053 }],
        ['okY', { at: T0 - 86_400_000 + 3, upn: 'other@contoso.test', appId: APP_Y, appName: 'My Reports' }],
      ];
      const seeded = await seed(s, r.tenantId, named.map(([, v]) => v));
      named.forEach(([k], i) => { ids[k] = seeded[i]!.id; });
    });

    const idsOf = async (filter: string, path = SIGN_INS): Promise<string[]> => (await list(s, r.token, path, { $filter: filter })).value.map((v) => v.id);
    const names = (...keys: string[]): string[] => keys.map((k) => ids[k]!);

    it('createdDateTime ge/le with UTC literals includes both boundaries and nothing beyond', async () => {
      expect(await idsOf('createdDateTime ge 2024-05-01T10:00:00Z and createdDateTime le 2024-05-01T11:00:00Z')).toEqual(names('atT2', 'mid', 'atT1'));
      expect(await idsOf('createdDateTime gt 2024-05-01T10:00:00Z and createdDateTime lt 2024-05-01T11:00:00Z')).toEqual(names('mid'));
      expect(await idsOf('createdDateTime ge 2024-05-01T10:00:00.000Z and createdDateTime le 2024-05-01T11:00:00.0000000Z')).toEqual(names('atT2', 'mid', 'atT1'));
      expect(await idsOf('createdDateTime ge 2024-05-01T09:59:59.999Z and createdDateTime le 2024-05-01T11:00:00.001Z')).toEqual(names('afterT2', 'atT2', 'mid', 'atT1', 'beforeT1'));
      expect(await idsOf('createdDateTime eq 2024-05-01T10:00:00Z')).toEqual(names('atT1'));
      expect(await idsOf('createdDateTime le 2024-05-01T09:59:59.999Z and createdDateTime ge 2024-05-01T00:00:00Z')).toEqual(names('beforeT1'));
    });

    it('createdDateTime literals with an offset are normalised to UTC', async () => {
      // 12:00+02:00 = 10:00Z and 13:00+02:00 = 11:00Z
      expect(await idsOf('createdDateTime ge 2024-05-01T12:00:00+02:00 and createdDateTime le 2024-05-01T13:00:00+02:00')).toEqual(names('atT2', 'mid', 'atT1'));
      expect(await idsOf('createdDateTime gt 2024-05-01T12:00:00+02:00 and createdDateTime lt 2024-05-01T13:00:00+02:00')).toEqual(names('mid'));
      // 04:30-05:30 = 10:00Z
      expect(await idsOf('createdDateTime eq 2024-05-01T04:30:00-05:30')).toEqual(names('atT1'));
      // had the offset been ignored, 12:00 local would have excluded every row
      expect(await idsOf('createdDateTime le 2024-05-01T12:00:00+02:00 and createdDateTime ge 2024-05-01T11:59:59+02:00')).toEqual(names('atT1', 'beforeT1'));
      expect(await idsOf('createdDateTime lt 2024-05-01T12:00:00+02:00 and createdDateTime ge 2024-05-01T11:59:59+02:00')).toEqual(names('beforeT1'));
    });

    it('appId eq, case-insensitively for the GUID', async () => {
      expect(await idsOf(`appId eq '${APP_X}'`)).toEqual(names('failedX', 'obrien'));
      expect(await idsOf(`appId eq '${APP_Y.toUpperCase()}'`)).toEqual(names('okY', 'failedY'));
      expect(await idsOf(`appId eq ${APP_X}`)).toEqual(names('failedX', 'obrien'));
      expect(await idsOf(`appId eq '${randomUUID()}'`)).toEqual([]);
      expectBadRequest(await get(s, q(SIGN_INS, { $filter: "appId eq 'not-a-guid'" }), r.token), BAD_FILTER);
    });

    it("userPrincipalName eq is case-insensitive and decodes '' as an apostrophe", async () => {
      const page = await list(s, r.token, SIGN_INS, { $filter: "userPrincipalName eq 'O''BRIEN@contoso.TEST'" });
      expect(page.value.map((v) => v.id)).toEqual(names('obrien'));
      expect(page.value[0]!.userPrincipalName).toBe("o'brien@contoso.test");
      expect(await idsOf("userPrincipalName eq 'o''brien@contoso.test'")).toEqual(names('obrien'));
      expect(await idsOf("userPrincipalName eq 'obrien@contoso.test'")).toEqual([]);
      expectBadRequest(await get(s, q(SIGN_INS, { $filter: "userPrincipalName eq 'O'Brien@contoso.test'" }), r.token), BAD_FILTER);
    });

    it('status/errorCode eq 0 and ne 0 partition the rows', async () => {
      const day = 'createdDateTime ge 2024-04-30T00:00:00Z and createdDateTime le 2024-04-30T23:59:59Z';
      expect(await idsOf(`${day} and status/errorCode eq 0`)).toEqual(names('okY', 'obrien'));
      expect(await idsOf(`${day} and status/errorCode ne 0`)).toEqual(names('failedY', 'failedX'));
      expect(await idsOf('status/errorCode eq 50126')).toEqual(names('failedX'));
      const failed = await list(s, r.token, SIGN_INS, { $filter: 'status/errorCode eq 50053' });
      expect(failed.value.map((v) => [v.id, v.status.errorCode])).toEqual([[ids.failedY, 50053]]);
    });

    it("startswith(appDisplayName,'Rep') matches the prefix, case-insensitively", async () => {
      expect(await idsOf("startswith(appDisplayName,'Rep')")).toEqual(names('failedY', 'failedX', 'obrien'));
      expect(await idsOf("startswith(appDisplayName,'Reports')")).toEqual(names('failedX'));
      expect(await idsOf("startswith(appDisplayName,'Reports d') and appId eq '" + APP_X + "'")).toEqual(names('failedX'));
      expect(await idsOf("startswith(appDisplayName,'eports')")).toEqual([]);
    });

    it('and / or combine as in OData (and binds tighter)', async () => {
      expect(await idsOf(`appId eq '${APP_X}' or appId eq '${APP_Y}' and status/errorCode eq 0`)).toEqual(names('okY', 'failedX', 'obrien'));
      expect(await idsOf(`(appId eq '${APP_X}' or appId eq '${APP_Y}') and status/errorCode eq 0`)).toEqual(names('okY', 'obrien'));
      expect(await idsOf(`(appId eq '${APP_X}' or appId eq '${APP_Y}') and status/errorCode ne 0`)).toEqual(names('failedY', 'failedX'));
      expect(await idsOf("userPrincipalName eq 'failed@contoso.test' or userPrincipalName eq 'o''brien@contoso.test'")).toEqual(names('failedX', 'obrien'));
      expect(await idsOf("AppId EQ '" + APP_X + "' AND status/errorCode Eq 0")).toEqual(names('obrien'));
      // not: the complement, and a row whose property is absent counts as "not equal"
      const y = await idsOf(`appId eq '${APP_Y}'`);
      expect(y.length).toBeGreaterThan(1);
      expect(await idsOf(`not (appId eq '${APP_X}') and appId eq '${APP_Y}'`)).toEqual(y);
      expect(await idsOf(`not (appId eq '${APP_Y}' or appId eq '${APP_X}') and (appId eq '${APP_Y}')`)).toEqual([]);
    });

    it('targetResources/any(t: t/id eq ...) finds every audit record of an application registration', async () => {
      type Audits = Page<AuditJson>;
      const byApp = async () => (await list<AuditJson>(s, r.admin, AUDITS, { $filter: `targetResources/any(t: t/id eq '${r.app.id}')` }) as Audits).value;
      const first = await byApp();
      expect(first.map((a) => a.activityDisplayName).sort()).toEqual(['Add application', 'Update application – Certificates and secrets management']);
      expect(first.every((a) => a.category === 'ApplicationManagement' && a.targetResources.some((t) => t.id === r.app.id && t.type === 'Application'))).toBe(true);

      const patched = await s.app.inject({ method: 'PATCH', url: `/v1.0/applications/${r.app.id}`, headers: { authorization: `Bearer ${r.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ notes: 'patched' }) });
      expect(patched.statusCode, patched.body).toBe(204);
      const second = await byApp();
      expect(second.map((a) => a.activityDisplayName).sort()).toEqual(['Add application', 'Update application', 'Update application – Certificates and secrets management']);

      const both = await list<AuditJson>(s, r.admin, AUDITS, { $filter: `targetResources/any(t: t/id eq '${r.app.id.toUpperCase()}') and activityDisplayName eq 'Add application'` });
      expect(both.value.map((a) => [a.activityDisplayName, a.operationType])).toEqual([['Add application', 'Add']]);
      const either = await list<AuditJson>(s, r.admin, AUDITS, {
        $filter: `targetResources/any(t: t/id eq '${r.app.id}') or targetResources/any(t: t/id eq '${r.app.spId}')`,
      });
      expect(either.value.map((a) => a.activityDisplayName).sort()).toEqual([
        'Add app role assignment to service principal', 'Add app role assignment to service principal', 'Add application', 'Add service principal',
        'Update application', 'Update application – Certificates and secrets management',
      ]);
      const byName = await list<AuditJson>(s, r.admin, AUDITS, { $filter: "targetResources/any(t: startswith(t/displayName,'Reporting API'))" });
      expect(new Set(byName.value.map((a) => a.activityDisplayName))).toEqual(new Set(['Add application', 'Update application', 'Update application – Certificates and secrets management', 'Add service principal', 'Add app role assignment to service principal']));
      expect((await list<AuditJson>(s, r.admin, AUDITS, { $filter: `targetResources/any(t: t/id eq '${randomUUID()}')` })).value).toEqual([]);
    });

    it('directoryAudit ids have Entra’s shape and can be read one by one', async () => {
      const all = await list<AuditJson>(s, r.admin, AUDITS);
      expect(all['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#auditLogs/directoryAudits`);
      // tenant creation (2), registration (5), and possibly the PATCH of the previous test
      expect(all.value.length).toBeGreaterThanOrEqual(7);
      for (const a of all.value) {
        expect(a.id).toMatch(/^Directory_[0-9a-f-]{36}_[A-Z0-9]{5}_\d+$/);
        expect(a.id.startsWith(`Directory_${a.correlationId}_`)).toBe(true);
      }
      const one = all.value[0]!;
      const single = await get<AuditJson & { '@odata.context': string }>(s, `${AUDITS}/${encodeURIComponent(one.id)}`, r.admin);
      expect(single.status).toBe(200);
      expect(single.body['@odata.context']).toBe(`${PUBLIC}/v1.0/$metadata#auditLogs/directoryAudits/$entity`);
      expect(single.body.id).toBe(one.id);
      expect(single.body.activityDisplayName).toBe(one.activityDisplayName);
      expect(new Set(all.value.map((a) => a.id)).size).toBe(all.value.length);

      const other = await reporting(s);
      expect((await get(s, `${AUDITS}/${encodeURIComponent(one.id)}`, other.token)).status).toBe(404);
      // (path segments over 100 characters never reach the route: see the report)
      for (const id of ['Directory_nope', 'x'.repeat(100), 'a%00b', encodeURIComponent(`${one.id}'`)]) {
        const miss = await get<ErrorBody>(s, `${AUDITS}/${id}`, r.admin);
        expect(miss.status, id).toBe(404);
        expect(miss.body.error.code).toBe('ResourceNotFound');
      }
    });
  });

  describe('paging', () => {
    const N = 2500;
    // three rows share each timestamp, so page boundaries fall inside ties
    const rowsAt = (base: number) => Array.from({ length: N }, (_, i) => ({ at: base + Math.floor(i / 3) * 1000 }));
    const base = Date.UTC(2024, 5, 1, 0, 0, 0);
    // written with an offset so the nextLink must re-encode '+'
    const FILTER = 'createdDateTime ge 2024-06-01T02:00:00+02:00 and createdDateTime le 2024-06-30T00:00:00Z';

    let r: Reporting;
    let rows: Seeded[];
    beforeAll(async () => {
      r = await reporting(s);
      rows = await seed(s, r.tenantId, rowsAt(base));
    }, 120_000);

    it('2,500 rows at $top=1000: three pages through absolute nextLinks, no duplicates, no gaps', async () => {
      const p1 = await list(s, r.token, SIGN_INS, { $filter: FILTER, $top: '1000' });
      expect(p1.value).toHaveLength(1000);
      const link = p1['@odata.nextLink']!;
      expect(link.startsWith(`${PUBLIC}/v1.0/auditLogs/signIns?`)).toBe(true);
      const url = new URL(link);
      expect(url.searchParams.get('$filter')).toBe(FILTER);
      expect(url.searchParams.get('$top')).toBe('1000');
      expect(url.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_.-]+$/);
      expect(link).toContain(`$filter=${encodeURIComponent(FILTER)}`);
      expect(link).toContain('%2B02%3A00');

      const p2 = await follow(s, r.token, link);
      expect(p2.value).toHaveLength(1000);
      const p3 = await follow(s, r.token, p2['@odata.nextLink']!);
      expect(p3.value).toHaveLength(500);
      expect(p3['@odata.nextLink']).toBeUndefined();
      const got = [...p1.value, ...p2.value, ...p3.value].map((v) => v.id);
      expect(new Set(got).size).toBe(N);
      expect(got).toEqual(ordered(rows));
    });

    it('ascending order pages the same way and keeps $orderby in the nextLink', async () => {
      const got: string[] = [];
      let page = await list(s, r.token, SIGN_INS, { $filter: FILTER, $top: '1000', $orderby: 'createdDateTime asc' });
      let pages = 1;
      got.push(...page.value.map((v) => v.id));
      while (page['@odata.nextLink']) {
        expect(new URL(page['@odata.nextLink']).searchParams.get('$orderby')).toBe('createdDateTime asc');
        page = await follow(s, r.token, page['@odata.nextLink']);
        got.push(...page.value.map((v) => v.id));
        pages++;
      }
      expect(pages).toBe(3);
      expect(got).toEqual(ordered(rows, 'asc'));
    });

    it('$top defaults to 1000 and is clamped to 1000', async () => {
      const byDefault = await list(s, r.token, SIGN_INS, { $filter: FILTER });
      expect(byDefault.value).toHaveLength(1000);
      expect(byDefault.value.map((v) => v.id)).toEqual(ordered(rows).slice(0, 1000));
      expect(new URL(byDefault['@odata.nextLink']!).searchParams.has('$top')).toBe(false);
      const clamped = await list(s, r.token, SIGN_INS, { $filter: FILTER, $top: '5000' });
      expect(clamped.value).toHaveLength(1000);
      expect(new URL(clamped['@odata.nextLink']!).searchParams.get('$top')).toBe('5000');
      const p2 = await follow(s, r.token, clamped['@odata.nextLink']!);
      expect(p2.value.map((v) => v.id)).toEqual(ordered(rows).slice(1000, 2000));
    });

    it('small pages keep the order across equal timestamps', async () => {
      const got: string[] = [];
      let page = await list(s, r.token, SIGN_INS, { $filter: 'createdDateTime le 2024-06-01T00:00:09Z and createdDateTime ge 2024-06-01T00:00:00Z', $top: '2' });
      got.push(...page.value.map((v) => v.id));
      while (page['@odata.nextLink']) {
        page = await follow(s, r.token, page['@odata.nextLink']);
        expect(page.value.length).toBeLessThanOrEqual(2);
        got.push(...page.value.map((v) => v.id));
      }
      expect(got).toEqual(ordered(rows.filter((x) => x.at <= base + 9000)));
      expect(got).toHaveLength(30);
    });

    it('rows written between pages neither duplicate nor hide pre-existing rows', async () => {
      const w = await reporting(s);
      const old = await seed(s, w.tenantId, rowsAt(base));
      const p1 = await list(s, w.token, SIGN_INS, { $filter: FILTER, $top: '1000' });
      expect(p1.value.map((v) => v.id)).toEqual(ordered(old).slice(0, 1000));

      const newest = Math.max(...old.map((x) => x.at));
      // 50 newer rows (before the cursor in the desc order) ...
      const newer = await seed(s, w.tenantId, Array.from({ length: 50 }, (_, i) => ({ at: newest + 1 + i })));
      // ... and 50 rows sharing timestamps with rows of pages 2 and 3
      const cursorAt = new Date(p1.value[999]!.createdDateTime).getTime();
      const later = await seed(s, w.tenantId, Array.from({ length: 50 }, (_, i) => ({ at: cursorAt - i * 10_000 })));
      expect(later.every((x) => x.at >= base)).toBe(true);

      const p2 = await follow(s, w.token, p1['@odata.nextLink']!);
      const rest = [...p2.value];
      let link = p2['@odata.nextLink'];
      while (link) {
        const p = await follow(s, w.token, link);
        rest.push(...p.value);
        link = p['@odata.nextLink'];
      }
      const seen = [...p1.value, ...rest].map((v) => v.id);
      expect(new Set(seen).size).toBe(seen.length);
      const oldIds = new Set(old.map((x) => x.id));
      expect(seen.filter((id) => oldIds.has(id))).toEqual(ordered(old));
      const newerIds = new Set(newer.map((x) => x.id));
      expect(seen.some((id) => newerIds.has(id))).toBe(false);
      // the interleaved rows that sort after the cursor appear once, in place
      // (a row written later at the cursor's very time has a later insertion number: it sorts before the cursor)
      const expectedLater = later.filter((x) => x.at < cursorAt);
      expect(rest.map((v) => v.id)).toEqual(ordered([...old, ...expectedLater]).filter((id) => !p1.value.some((v) => v.id === id)));
    }, 120_000);

    describe('$skiptoken integrity', () => {
      let link: string;
      let token: string;
      const withToken = (t: string, options: Record<string, string> = { $filter: FILTER, $top: '1000' }) =>
        `${SIGN_INS}?${Object.entries(options).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}&$skiptoken=${encodeURIComponent(t)}`;
      beforeAll(async () => {
        const p1 = await list(s, r.token, SIGN_INS, { $filter: FILTER, $top: '1000' });
        link = p1['@odata.nextLink']!;
        token = new URL(link).searchParams.get('$skiptoken')!;
      });

      it('the token is opaque: no raw offset, no id or timestamp in the clear', async () => {
        expect(token).not.toMatch(/^\d+$/);
        expect(token).not.toContain(ordered(rows)[999]!);
        expect(token).not.toContain(String(rows.find((x) => x.id === ordered(rows)[999])!.at));
        expect((await get(s, withToken(token), r.token)).status).toBe(200);
      });

      it('every single-character change is rejected', async () => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        for (let i = 0; i < token.length; i++) {
          const c = token[i]!;
          const replacement = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] ?? 'A';
          const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
          const res = await get(s, withToken(tampered), r.token);
          expect(res.status, `position ${i}: ${tampered}`).toBe(400);
          expectBadRequest(res, BAD_SKIPTOKEN);
        }
      });

      it('truncated, extended or forged tokens are rejected', async () => {
        const dot = token.indexOf('.');
        const forgedPayload = Buffer.from(JSON.stringify([0, 'ffffffff-ffff-ffff-ffff-ffffffffffff'])).toString('base64url');
        for (const bad of [
          token.slice(0, -1), token.slice(0, token.length >> 1), token.slice(0, dot), token.slice(0, dot + 1), token.slice(dot), token.slice(1),
          `${token}A`, `${token}=`, `${token}.`, `${forgedPayload}${token.slice(dot)}`, `${forgedPayload}.`, '', '0', '1000', 'x'.repeat(600),
          token.replace('.', '..'),
        ]) {
          expectBadRequest(await get(s, withToken(bad), r.token), BAD_SKIPTOKEN);
        }
      });

      it('a token is bound to its query, version, endpoint and tenant', async () => {
        // another $filter, another $top, no $filter, another $orderby
        expectBadRequest(await get(s, withToken(token, { $filter: 'createdDateTime ge 2024-06-01T00:00:00Z and createdDateTime le 2024-06-30T00:00:00Z', $top: '1000' }), r.token), BAD_SKIPTOKEN);
        expectBadRequest(await get(s, withToken(token, { $filter: FILTER, $top: '999' }), r.token), BAD_SKIPTOKEN);
        expectBadRequest(await get(s, withToken(token, { $filter: FILTER }), r.token), BAD_SKIPTOKEN);
        expectBadRequest(await get(s, withToken(token, { $top: '1000' }), r.token), BAD_SKIPTOKEN);
        expectBadRequest(await get(s, withToken(token, { $filter: FILTER, $top: '1000', $orderby: 'createdDateTime desc' }), r.token), BAD_SKIPTOKEN);
        // the beta endpoint
        expectBadRequest(await get(s, withToken(token).replace('/v1.0/', '/beta/'), r.token), BAD_SKIPTOKEN);
        // another tenant, same query
        const other = await reporting(s);
        expectBadRequest(await get(s, withToken(token), other.token), BAD_SKIPTOKEN);
        // the same admin tenant through another principal still works (same tenant, same query)
        expect((await get(s, withToken(token), r.admin)).status).toBe(200);
      });

      it('a sign-in token does not page directory audits', async () => {
        const small = await list(s, r.token, SIGN_INS, { $top: '1' });
        const t = new URL(small['@odata.nextLink']!).searchParams.get('$skiptoken')!;
        expect((await get(s, `${SIGN_INS}?$top=1&$skiptoken=${encodeURIComponent(t)}`, r.token)).status).toBe(200);
        expectBadRequest(await get(s, `${AUDITS}?$top=1&$skiptoken=${encodeURIComponent(t)}`, r.token), BAD_SKIPTOKEN);
        const audits = await list<AuditJson>(s, r.token, AUDITS, { $top: '1' });
        const at = new URL(audits['@odata.nextLink']!).searchParams.get('$skiptoken')!;
        expect((await get(s, `${AUDITS}?$top=1&$skiptoken=${encodeURIComponent(at)}`, r.token)).status).toBe(200);
        expectBadRequest(await get(s, `${SIGN_INS}?$top=1&$skiptoken=${encodeURIComponent(at)}`, r.token), BAD_SKIPTOKEN);
      });
    });
  });

  describe('hostile $filter and query options', () => {
    let r: Reporting;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      r = await reporting(s);
      const named: [string, string][] = [
        ['a_b', 'a_b@lit.test'], ['axb', 'axb@lit.test'], ['pct', '50%off@lit.test'], ['500', '500@lit.test'],
        ['back', 'back\\slash@lit.test'], ['backx', 'backxslash@lit.test'], ['inject', "x') or ('1'='1"], ['plain', 'a@lit.test'],
      ];
      const seeded = await seed(s, r.tenantId, named.map(([, upn], i) => ({ at: T0 + i, upn })));
      named.forEach(([k], i) => { ids[k] = seeded[i]!.id; });
    });

    it('injection attempts are rejected or matched literally, and the table is intact', async () => {
      const signIns = await countRows(s, 'sign_ins');
      const audits = await countRows(s, 'directory_audits');
      const cases: [string, string[] | 400][] = [
        ["userPrincipalName eq 'a' or 1 eq 1", 400],
        ["userPrincipalName eq 'a' or 1 eq 1 or 'a' eq 'a'", 400],
        ["userPrincipalName eq 'x'') or (''1''=''1'", [ids.inject!]],
        ["userPrincipalName eq 'x'; DROP TABLE sign_ins;--'", 400],
        ["userPrincipalName eq 'x''; DROP TABLE sign_ins;--'", []],
        ["userPrincipalName eq 'x' -- '", 400],
        ["userPrincipalName eq 'x' /* */", 400],
        ['userPrincipalName eq "a@lit.test"', 400],
        ['userPrincipalName eq `a@lit.test`', 400],
        ["userPrincipalName eq 'a@lit.test'", [ids.plain!]],
        ["startswith(userPrincipalName,'a_b')", [ids.a_b!]],
        ["startswith(userPrincipalName,'a_')", [ids.a_b!]],
        ["startswith(userPrincipalName,'50%')", [ids.pct!]],
        ["startswith(userPrincipalName,'%')", []],
        ["startswith(userPrincipalName,'_')", []],
        ["startswith(userPrincipalName,'back\\')", [ids.back!]],
        ["startswith(userPrincipalName,'x'') or (''1''=''1')", [ids.inject!]],
        ['foo eq 1', 400],
        ["tenantId eq 'x'", 400],
        ['__proto__ eq 1', 400],
        ['constructor eq 1', 400],
        ["status/errorCode eq '0'", 400],
        ['status/errorCode eq 0.5', 400],
        ['status/errorCode eq 99999999999999999999', 400],
        ['id eq 5', 400],
        ["createdDateTime ge '2024-05-01T00:00:00Z'", 400],
        ['createdDateTime ge 2024-02-30T00:00:00Z', 400],
        ['createdDateTime ge 2024-05-01', 400],
        ["substringof('a',userPrincipalName)", 400],
        ["matchesPattern(userPrincipalName,'^a.*$')", 400],
        ["contains(userPrincipalName,'a')", 400],
        ["userPrincipalName in ('a@lit.test')", 400],
        ["userPrincipalName eq 'unterminated", 400],
        ['', 400],
        ['(', 400],
        [`${'('.repeat(100)}status/errorCode eq 0${')'.repeat(100)}`, 400],
        [Array.from({ length: 500 }, (_, i) => `status/errorCode eq ${i}`).join(' or '), 400],
        [`userPrincipalName eq '${'a'.repeat(4980)}'`, 400],
        [`userPrincipalName eq 'a${'\u0000'}b'`, 400],
        [`userPrincipalName eq '${'\u0000'}'`, 400],
        [`userPrincipalName eq 'a${'\u0007'}'`, 400],
        ['userPrincipalName eq @p1', 400],
      ];
      for (const [filter, expected] of cases) {
        const res = await get<Page<SignInJson>>(s, q(SIGN_INS, { $filter: filter }), r.token);
        const label = filter.slice(0, 80);
        expect(res.raw, label).not.toMatch(LEAK);
        if (expected === 400) {
          expect(res.status, label).toBe(400);
          expect((res.body as unknown as ErrorBody).error).toMatchObject({ code: 'BadRequest', message: BAD_FILTER });
        } else {
          expect(res.status, `${label}: ${res.raw.slice(0, 300)}`).toBe(200);
          expect(res.body.value.map((v) => v.id), label).toEqual(expected);
        }
      }
      // 50 flat or-terms are a legitimate query
      const fifty = await get<Page<SignInJson>>(s, q(SIGN_INS, { $filter: Array.from({ length: 50 }, (_, i) => `status/errorCode eq ${i + 1}`).join(' or ') }), r.token);
      expect(fifty.status).toBe(200);
      expect(fifty.body.value).toEqual([]);

      expect(await countRows(s, 'sign_ins')).toBe(signIns);
      expect(await countRows(s, 'directory_audits')).toBe(audits);
      expect((await list(s, r.token, SIGN_INS, { $filter: `startswith(userPrincipalName,'a') and ${WINDOW_2024}` })).value.map((v) => v.id)).toEqual([ids.plain, ids.axb, ids.a_b]);
    });

    it('the same corpus on directoryAudits', async () => {
      const audits = await countRows(s, 'directory_audits');
      for (const filter of [
        "activityDisplayName eq 'a' or 1 eq 1", "activityDisplayName eq 'x'; DROP TABLE directory_audits;--'", 'foo eq 1',
        "targetResources/any(t: t/foo eq 'x')", "targetResources/any(t: t/id eq 'x' or 1 eq 1)", "targetResources/all(t: t/id eq 'x')",
        "targetResources/any(t: targetResources/any(u: u/id eq 'x'))", "initiatedBy/user/id eq 'nope'", `activityDateTime ge '${iso(T0)}'`,
        `activityDisplayName eq '${'\u0000'}'`,
      ]) {
        const res = await get(s, q(AUDITS, { $filter: filter }), r.token);
        expectBadRequest(res, BAD_FILTER);
      }
      const literal = await get<Page<AuditJson>>(s, q(AUDITS, { $filter: "activityDisplayName eq 'x'') or (''1''=''1'" }), r.token);
      expect(literal.status).toBe(200);
      expect(literal.body.value).toEqual([]);
      const wild = await get<Page<AuditJson>>(s, q(AUDITS, { $filter: "startswith(activityDisplayName,'%')" }), r.token);
      expect(wild.body.value).toEqual([]);
      expect(await countRows(s, 'directory_audits')).toBe(audits);
    });

    it('query options: duplicates, aliases, unknown and disallowed options are 400', async () => {
      const cases: [string, string][] = [
        [`${SIGN_INS}?$filter=${encodeURIComponent("userPrincipalName eq 'a'")}&$filter=${encodeURIComponent("userPrincipalName eq 'b'")}`,
          "Query option '$filter' was specified more than once, but it must be specified at most once."],
        [`${SIGN_INS}?$top=1&$top=2`, "Query option '$top' was specified more than once, but it must be specified at most once."],
        [`${SIGN_INS}?$filter=${encodeURIComponent('userPrincipalName eq @p1')}&@p1=${encodeURIComponent("'a@lit.test'")}`, "Parameter aliases such as '@p1' are not supported."],
        [`${SIGN_INS}?$foo=1`, "Query option 'Foo' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."],
        [`${SIGN_INS}?$select=id,nope`, "Could not find a property named 'nope' on type 'microsoft.graph.signIn'."],
        [`${AUDITS}?$select=createdDateTime`, "Could not find a property named 'createdDateTime' on type 'microsoft.graph.directoryAudit'."],
        [`${SIGN_INS}?$select=signInEventTypes`, "Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'."],
        [`${SIGN_INS}?$skip=10`, "Query option 'Skip' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."],
        [`${SIGN_INS}?$count=true`, "Query option 'Count' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."],
        [`${SIGN_INS}?$expand=x`, "Query option 'Expand' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."],
        [`${SIGN_INS}?$search=x`, "Query option 'Search' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."],
      ];
      for (const [url, message] of cases) expectBadRequest(await get(s, url, r.token), message);
      // non-OData parameters are ignored, as Graph does
      expect((await get(s, `${SIGN_INS}?foo=bar`, r.token)).status).toBe(200);
      // option names are case-insensitive
      expect((await list(s, r.token, SIGN_INS, { $FILTER: "userPrincipalName eq 'a@lit.test'" })).value.map((v) => v.id)).toEqual([ids.plain]);
    });

    it('raw bytes that are not valid UTF-8 or NUL in the URL never cause a 500', async () => {
      for (const raw of ['%00', '%27%00%27', '%ED%A0%80', '%FF%FE', '%C0%AF', '%E2%80%AE']) {
        const res = await s.app.inject({ method: 'GET', url: `${SIGN_INS}?$filter=userPrincipalName%20eq%20%27a${raw}%27`, headers: { authorization: `Bearer ${r.token}` } });
        expect(res.statusCode, raw).toBeLessThan(500);
        expect(res.body, raw).not.toMatch(LEAK);
        if (res.statusCode === 200) expect((res.json() as Page<unknown>).value, raw).toEqual([]);
        else expect(res.statusCode, raw).toBe(400);
      }
      for (const raw of ['%00', '%ED%A0%80']) {
        for (const opt of ['$top', '$orderby', '$skiptoken']) {
          const res = await s.app.inject({ method: 'GET', url: `${SIGN_INS}?${opt}=${raw}`, headers: { authorization: `Bearer ${r.token}` } });
          expect(res.statusCode, `${opt}=${raw}`).toBe(400);
          expect(res.body).not.toMatch(LEAK);
        }
      }
    });
  });
});
