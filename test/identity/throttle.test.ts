import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { AZURE_CLI, registerApp, tokenRequest, userToken, type RegisteredApp } from '../helpers/api.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { signInRows } from '../helpers/signIns.js';

const LIMITS = {
  perClient: { max: 3, windowMs: 60_000 },
  perIp: { max: 1000, windowMs: 60_000 },
  perUser: { max: 3, windowMs: 60_000 },
};

describe('token endpoint throttling and lockout', () => {
  let s: TestServer;
  let t: CreatedTenant;
  let app: RegisteredApp;

  beforeAll(async () => {
    s = await startServer({ listen: false, throttle: LIMITS });
    t = await s.tenant();
    app = await registerApp(s, await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password), ['AuditLog.Read.All']);
  });
  afterAll(async () => { await s.close(); });

  const cc = (secret: string) => tokenRequest(s, t.tenantId, {
    grant_type: 'client_credentials', client_id: app.appId, client_secret: secret, scope: 'https://graph.microsoft.com/.default',
  });

  it('answers 429 with Retry-After after repeated failed client authentications, and logs the throttled attempt', async () => {
    for (let i = 0; i < 3; i++) expect((await cc('wrong')).status).toBe(401);
    const throttled = await cc(app.secret);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toBe('temporarily_unavailable');
    expect((throttled.body.error_codes as number[])[0]).toBe(50196);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const rows = await signInRows(s.services.ctx.store, { tenantId: t.tenantId, appId: app.appId });
    expect(rows.map((r) => r.error_code).sort()).toEqual([50196, 7000215, 7000215, 7000215].sort());
  });

  it('locks an account after repeated bad passwords: the client sees 50126, the log says 50053', async () => {
    const ropc = (password: string, username = t.admin.userPrincipalName) => tokenRequest(s, t.tenantId, {
      grant_type: 'password', client_id: AZURE_CLI, username, password, scope: 'https://graph.microsoft.com/.default',
    });
    // counted per lower-cased user name, whatever the case typed
    for (const u of [t.admin.userPrincipalName, t.admin.userPrincipalName.toUpperCase(), t.admin.userPrincipalName]) {
      expect((await ropc('bad-password', u)).status).toBe(400);
    }
    const locked = await ropc(t.admin.password);
    expect(locked.status).toBe(400);
    expect((locked.body.error_codes as number[])[0]).toBe(50126);
    const rows = (await signInRows(s.services.ctx.store, { tenantId: t.tenantId })).filter((r) => r.event_type === 'interactiveUser' && r.error_code !== 0);
    expect(rows.map((r) => r.error_code).sort()).toEqual([50053, 50126, 50126, 50126]);
  });
});

describe('hostile text at the token endpoint', () => {
  let s: TestServer;
  let t: CreatedTenant;
  beforeAll(async () => { s = await startServer({ listen: false }); t = await s.tenant(); });
  afterAll(async () => { await s.close(); });

  it('answers NUL in parameters with invalid_request, never 5xx, and logs the attempt', async () => {
    for (const username of ['admin\u0000@x', 'admin@x\u0000']) {
      const r = await tokenRequest(s, t.tenantId, { grant_type: 'password', client_id: AZURE_CLI, username, password: 'x', scope: 'openid' });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_request');
    }
    const rows = await signInRows(s.services.ctx.store, { tenantId: t.tenantId });
    expect(rows.map((x) => x.error_code)).toEqual([9002313, 9002313]);
  });

  it('answers a tenant segment with NUL as an unknown tenant', async () => {
    const r = await s.app.inject({ method: 'POST', url: '/a%00b/oauth2/v2.0/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error_codes).toEqual([90002]);
  });

  it('answers an over-long path segment on Graph in Graph\'s envelope with request ids', async () => {
    const r = await s.app.inject({ method: 'GET', url: `/v1.0/applications/${'a'.repeat(300)}` });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(r.json().error.code).toBe('BadRequest');
    expect(r.headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
