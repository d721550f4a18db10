import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MiddlewareFactory, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { PORTAL_APP_ID } from '../../src/directory/catalog.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, AZURE_CLI, graph, registerApp, tokenRequest, userToken, type RegisteredApp, type Res } from '../helpers/api.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { parseReportingThrottle, ReportingThrottle } from '../../src/reporting/throttle.js';
import { Command } from 'commander';
import { serveCommand } from '../../src/cli/serve.js';

/**
 * Graph's "Identity and access reports" limits (contract §4): 5 requests per 10 s per app per
 * tenant over every /auditLogs/* request, and a cross-tenant limit per app; 429 `TooManyRequests`
 * with an integer `Retry-After`.
 */

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const THROTTLED = /^This request is throttled\. Please try again after the value specified in the Retry-After header\. CorrelationId: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** one of each: every activity-log endpoint counts towards the same limit */
const ENDPOINTS = ['/v1.0/auditLogs/signIns', '/beta/auditLogs/signIns', '/v1.0/auditLogs/directoryAudits', '/beta/auditLogs/directoryAudits', '/v1.0/auditLogs/provisioning', '/beta/auditLogs/provisioning'];

type ErrorBody = { error: { code: string; message: string; innerError: Record<string, unknown> } };

function expectThrottled(r: Res, retryAfter?: number): number {
  expect(r.status, JSON.stringify(r.body)).toBe(429);
  const header = r.headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  if (retryAfter !== undefined) expect(seconds).toBe(retryAfter);
  expect(r.headers['content-type']).toBe(GRAPH_JSON);
  const e = (r.body as unknown as ErrorBody).error;
  expect(e.code).toBe('TooManyRequests');
  expect(e.message).toMatch(THROTTLED);
  expect(Object.keys(e.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  return seconds;
}

/** A clock the test moves by hand (tokens stay valid: their checks allow 60 s of skew). */
function manualClock() {
  let now = Date.now();
  return { clock: () => now, advance: (ms: number) => { now += ms; } };
}

describe('reporting throttle: per app per tenant', () => {
  const time = manualClock();
  let s: TestServer;
  let t: CreatedTenant;
  let adminToken: string;
  let appA: RegisteredApp;
  let appB: RegisteredApp;
  let tokA: string;
  let tokB: string;

  beforeAll(async () => {
    s = await startServer({ listen: false, clock: time.clock, reportingThrottle: { perAppPerTenant: { max: 5, windowMs: 10_000 }, perApp: { max: 122, windowMs: 10_000 } } });
    t = await s.tenant();
    adminToken = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    appA = await registerApp(s, adminToken, ['AuditLog.Read.All'], 'App A');
    appB = await registerApp(s, adminToken, ['AuditLog.Read.All'], 'App B');
    tokA = await appToken(s, t.tenantId, appA);
    tokB = await appToken(s, t.tenantId, appB);
  });
  afterAll(async () => { await s?.close(); });

  it('admits 5 requests in 10 s over all activity-log endpoints and answers the 6th with 429, Retry-After and Graph\'s envelope', async () => {
    // a bad token is a 401 and is not counted
    for (let i = 0; i < 8; i++) expect((await graph(s, 'GET', ENDPOINTS[0]!, 'not-a-token')).status).toBe(401);
    for (const path of ENDPOINTS.slice(0, 5)) {
      const r = await graph(s, 'GET', path, tokA);
      expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(200);
    }
    expectThrottled(await graph(s, 'GET', ENDPOINTS[5]!, tokA), 10);
    // single items and refused queries are throttled too, and a throttled request does not count
    time.advance(4_000);
    expectThrottled(await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits/Directory_x', tokA), 6);
    expectThrottled(await graph(s, 'GET', '/v1.0/auditLogs/signIns?$top=0', tokA), 6);
  });

  it('leaves another app of the same tenant unaffected', async () => {
    for (const path of ENDPOINTS.slice(0, 5)) expect((await graph(s, 'GET', path, tokB)).status).toBe(200);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[0]!, tokB));
  });

  it('admits requests again once the window has passed (sliding window: one slot per request that left it)', async () => {
    expectThrottled(await graph(s, 'GET', ENDPOINTS[0]!, tokA), 6);
    time.advance(6_000); // the first 5 of app A were at t0; now t0 + 10 s
    for (const path of ENDPOINTS.slice(0, 5)) expect((await graph(s, 'GET', path, tokA)).status).toBe(200);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[5]!, tokA), 10);
    time.advance(9_999);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[5]!, tokA), 1);
    time.advance(1);
    expect((await graph(s, 'GET', ENDPOINTS[5]!, tokA)).status).toBe(200);
  });

  it('counts a delegated token against its client application', async () => {
    for (let i = 0; i < 5; i++) expect((await graph(s, 'GET', ENDPOINTS[2]!, adminToken)).status).toBe(200);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[2]!, adminToken));
    // another user signed in through the same client (the Azure CLI) shares its limit in this tenant
    const r = await graph(s, 'POST', '/v1.0/users', adminToken, {
      accountEnabled: true, displayName: 'Second user', mailNickname: 'second', userPrincipalName: `second@${t.domain}`,
      passwordProfile: { password: 'S3cond!Passw0rd', forceChangePasswordNextSignIn: false },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const second = await userToken(s, t.tenantId, `second@${t.domain}`, 'S3cond!Passw0rd');
    expectThrottled(await graph(s, 'GET', ENDPOINTS[2]!, second));
  });

  it('is callable from any reporting surface as acquire(tenantId, appId), sharing the same counters', async () => {
    time.advance(10_000);
    const throttle = s.services.reportingThrottle;
    for (let i = 0; i < 5; i++) expect(throttle.acquire(t.tenantId, appB.appId)).toBe(0);
    expect(throttle.acquire(t.tenantId, appB.appId)).toBe(10);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[0]!, tokB), 10);
  });
});

describe('reporting throttle: the same app in several tenants', () => {
  const time = manualClock();
  let s: TestServer;
  const tokens: string[] = [];

  beforeAll(async () => {
    s = await startServer({ listen: false, clock: time.clock, reportingThrottle: { perAppPerTenant: { max: 5, windowMs: 10_000 }, perApp: { max: 8, windowMs: 10_000 } } });
    // the Azure CLI is one client application in every tenant
    for (let i = 0; i < 3; i++) {
      const t = await s.tenant();
      tokens.push(await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password));
    }
  });
  afterAll(async () => { await s?.close(); });

  it("Microsoft's own clients are limited per tenant only; other apps across tenants as well", async () => {
    const [one, two, three] = tokens as [string, string, string];
    for (let i = 0; i < 5; i++) expect((await graph(s, 'GET', ENDPOINTS[2]!, one)).status).toBe(200);
    expectThrottled(await graph(s, 'GET', ENDPOINTS[2]!, one), 10);
    // the Azure CLI has one app id in every tenant: members elsewhere must not use up this tenant's share
    time.advance(2_000);
    for (const tok of [two, three]) {
      for (let i = 0; i < 5; i++) expect((await graph(s, 'GET', ENDPOINTS[2]!, tok)).status, `request ${i + 1}`).toBe(200);
      expectThrottled(await graph(s, 'GET', ENDPOINTS[2]!, tok), 10);
    }
    // any other app id is also counted across tenants (8 per 10 s here)
    const app = randomUUID();
    for (let i = 0; i < 8; i++) expect(s.services.reportingThrottle.acquire(`tenant-${i}`, app), `tenant ${i}`).toBe(0);
    expect(s.services.reportingThrottle.acquire('tenant-8', app)).toBe(10);
    time.advance(10_000);
    expect(s.services.reportingThrottle.acquire('tenant-8', app)).toBe(0);
    // the portal: each signed-in user has the app's share in the tenant
    for (const user of ['u1', 'u2']) {
      for (let i = 0; i < 5; i++) expect(s.services.reportingThrottle.acquire('tenant-p', PORTAL_APP_ID, user)).toBe(0);
      expect(s.services.reportingThrottle.acquire('tenant-p', PORTAL_APP_ID, user)).toBe(10);
    }
  });
});

describe('reporting throttle configuration', () => {
  it("'off' admits everything", async () => {
    const s = await startServer({ listen: false, reportingThrottle: 'off' });
    try {
      const t = await s.tenant();
      const tok = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      for (let i = 0; i < 20; i++) expect((await graph(s, 'GET', ENDPOINTS[i % ENDPOINTS.length]!, tok)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('defaults to Graph\'s limits: 5 per 10 s per app per tenant, 122 per 10 s per app', () => {
    const now = 1_700_000_000_000;
    const throttle = new ReportingThrottle(() => now);
    for (let i = 0; i < 5; i++) expect(throttle.acquire('t1', 'app')).toBe(0);
    expect(throttle.acquire('t1', 'app')).toBe(10);
    for (let tenant = 2; tenant <= 24; tenant++) for (let i = 0; i < 5; i++) expect(throttle.acquire(`t${tenant}`, 'app')).toBe(0);
    for (let i = 0; i < 2; i++) expect(throttle.acquire('t25', 'app')).toBe(0); // 122 in all
    expect(throttle.acquire('t25', 'app')).toBe(10);
    expect(throttle.acquire('t25', 'other app')).toBe(0);
  });

  it('parses --reporting-throttle', () => {
    expect(parseReportingThrottle('off')).toBe('off');
    expect(parseReportingThrottle('5/10,122/10')).toEqual({ perAppPerTenant: { max: 5, windowMs: 10_000 }, perApp: { max: 122, windowMs: 10_000 } });
    expect(parseReportingThrottle('50/10')).toEqual({ perAppPerTenant: { max: 50, windowMs: 10_000 }, perApp: { max: 122, windowMs: 10_000 } });
    expect(parseReportingThrottle('100/60,1000/60')).toEqual({ perAppPerTenant: { max: 100, windowMs: 60_000 }, perApp: { max: 1000, windowMs: 60_000 } });
    for (const bad of ['', '5', '5/0', '0/10', '5/10,', '5/10,0/10', '-5/10', '5/99999', 'on', '5/10,122/10,1/1']) expect(parseReportingThrottle(bad), bad).toBeUndefined();
  });

  it('tenantry serve refuses a malformed --reporting-throttle before starting anything', async () => {
    const program = new Command().exitOverride();
    serveCommand(program);
    await expect(program.parseAsync(['node', 'tenantry', 'serve', '--no-demo', '--reporting-throttle', '5/0'])).rejects.toThrow("invalid --reporting-throttle '5/0'");
  });
});

describe('reporting throttle through the Microsoft Graph SDK', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startServer({ listen: true, reportingThrottle: { perAppPerTenant: { max: 2, windowMs: 1_500 }, perApp: { max: 122, windowMs: 10_000 } } });
  });
  afterAll(async () => { await s?.close(); });

  it("the SDK's RetryHandler waits for Retry-After and the retried request succeeds", async () => {
    const t = await s.tenant();
    const token = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const statuses: number[] = [];
    const retryAfters: string[] = [];
    // the SDK's default chain with a probe just before the HTTP handler: it sees every attempt
    const chain = MiddlewareFactory.getDefaultMiddlewareChain({ getAccessToken: async () => token });
    const probe: Middleware & { next?: Middleware } = {
      async execute(context: Context) {
        await probe.next!.execute(context);
        statuses.push(context.response!.status);
        const ra = context.response!.headers.get('retry-after');
        if (ra) retryAfters.push(ra);
      },
      setNext(next: Middleware) { probe.next = next; },
    };
    chain.splice(chain.length - 1, 0, probe);
    const client = Client.initWithMiddleware({ middleware: chain, baseUrl: `${s.baseUrl}/`, customHosts: new Set([new URL(s.baseUrl).hostname]) });
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const page = await client.api('/auditLogs/directoryAudits').version('v1.0').top(1).get();
      expect(Array.isArray(page.value)).toBe(true);
    }
    expect(statuses).toEqual([200, 200, 429, 200]);
    expect(retryAfters).toHaveLength(1);
    expect(Number(retryAfters[0])).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfters[0])).toBeLessThanOrEqual(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(Number(retryAfters[0]) * 1000);
  });
});

describe('throttled token requests are not lost from the sign-in log', () => {
  let s: TestServer;
  let t: CreatedTenant;
  let admin: string;

  beforeAll(async () => {
    s = await startServer({ listen: false, throttle: { perClient: { max: 1000, windowMs: 60_000 }, perIp: { max: 2, windowMs: 60_000 }, perUser: { max: 1000, windowMs: 60_000 } } });
    t = await s.tenant();
    admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
  });
  afterAll(async () => { await s?.close(); });

  /** the failed sign-ins of the tenant, read as a client reads them: through the reporting API */
  const errorCodes = async () => {
    const r = await graph<{ value: { status: { errorCode: number } }[] }>(s, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent('status/errorCode ne 0')}`, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.value.map((x) => x.status.errorCode).sort();
  };

  it('records an IP-throttled attempt on /organizations in the tenant of the user name', async () => {
    const ropc = (tenant: string) => tokenRequest(s, tenant, {
      grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: 'wrong', scope: 'https://graph.microsoft.com/.default',
    });
    for (let i = 0; i < 2; i++) expect((await ropc(t.tenantId)).status).toBe(400);
    const byId = await ropc(t.tenantId);
    expect(byId.status).toBe(429);
    const viaOrganizations = await ropc('organizations');
    expect(viaOrganizations.status).toBe(429);
    expect(Number(viaOrganizations.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await errorCodes()).toEqual([50126, 50126, 50196, 50196]);
  });
});
