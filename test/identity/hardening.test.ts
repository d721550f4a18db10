import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { AZURE_CLI, tokenRequest } from '../helpers/api.js';
import { FailureLimiter } from '../../src/identity/throttle.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { signInRows } from '../helpers/signIns.js';

const STRICT = {
  perClient: { max: 1000, windowMs: 60_000 },
  perIp: { max: 1000, windowMs: 60_000 },
  perUser: { max: 10, windowMs: 15 * 60_000 },
};

describe('FailureLimiter', () => {
  it('keeps a 15-minute lockout although failures with shorter windows come and go', () => {
    let now = 0;
    const l = new FailureLimiter(() => now);
    for (let i = 0; i < 10; i++) l.fail('user:alice', STRICT.perUser);
    expect(l.retryAfter('user:alice', STRICT.perUser)).toBeGreaterThan(0);
    for (let minute = 1; minute <= 14; minute++) {
      now = minute * 60_000;
      l.fail(`ip:${minute}`, { max: 100, windowMs: 60_000 }); // sweeps with a one-minute window
      expect(l.retryAfter('user:alice', STRICT.perUser), `minute ${minute}`).toBeGreaterThan(0);
    }
    now = 15 * 60_000 + 1;
    expect(l.retryAfter('user:alice', STRICT.perUser)).toBe(0);
  });

  it('bounds its memory: long keys are digested and old windows evicted', () => {
    const l = new FailureLimiter(() => 0);
    l.fail('user:' + 'x'.repeat(100_000), STRICT.perUser);
    expect(l.retryAfter('user:' + 'x'.repeat(100_000), { max: 1, windowMs: 1000 })).toBeGreaterThan(0);
  });
});

describe('token endpoint hardening', () => {
  let s: TestServer;
  let t: CreatedTenant;
  beforeAll(async () => { s = await startServer({ listen: false, throttle: STRICT }); t = await s.tenant(); });
  afterAll(async () => { await s.close(); });

  const ropc = (password: string, username = t.admin.userPrincipalName, tenant = t.tenantId) =>
    tokenRequest(s, tenant, { grant_type: 'password', client_id: AZURE_CLI, username, password, scope: 'https://graph.microsoft.com/.default' });

  it('refuses a body of thousands of parameters before looking at them one by one', async () => {
    const body = Array.from({ length: 6_000 }, (_, i) => `${i}=`).join('&');
    const r = await s.app.inject({ method: 'POST', url: `/${t.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=password&${body}` });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toBe('invalid_request');
    expect(r.json().error_description).toContain('Too many parameters.');
  });

  it('does not let parallel guesses slip past the lockout', async () => {
    const tenant = await s.tenant();
    const guesses = Array.from({ length: 40 }, () => ropc('wrong-Passw0rd!', tenant.admin.userPrincipalName, tenant.tenantId));
    const right = ropc(tenant.admin.password, tenant.admin.userPrincipalName, tenant.tenantId);
    const results = await Promise.all([...guesses, right]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(0);
    const codes = (await signInRows(s.services.ctx.store, { tenantId: tenant.tenantId })).map((r) => r.error_code);
    expect(codes.filter((c) => c === 50126)).toHaveLength(10);
    expect(codes.filter((c) => c === 50053)).toHaveLength(31);
  });

  it('records an over-long user name lower-cased and cut to size, without failing other sign-ins in the same batch', async () => {
    const tenant = await s.tenant();
    const evil = 'İ'.repeat(320); // lower-cases to 640 UTF-16 units
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => ropc('x', evil, tenant.tenantId)),
      ...Array.from({ length: 5 }, () => ropc(tenant.admin.password, tenant.admin.userPrincipalName, tenant.tenantId)),
    ]);
    expect(results.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(400));
    expect(results.slice(10).map((r) => r.status)).toEqual(Array(5).fill(200));
    const rows = (await signInRows(s.services.ctx.store, { tenantId: tenant.tenantId })).filter((r) => r.error_code !== 0);
    expect(rows).toHaveLength(10);
    for (const r of rows) expect(Array.from(r.user_principal_name!).length).toBe(320);
  });

  it('refuses the password grant on /common and /consumers (AADSTS9001023) and accepts /organizations', async () => {
    for (const seg of ['common', 'consumers']) {
      const r = await ropc(t.admin.password, t.admin.userPrincipalName, seg);
      expect(r.status).toBe(400);
      expect(r.body.error_codes).toEqual([9001023]);
    }
    expect((await ropc(t.admin.password, t.admin.userPrincipalName, 'organizations')).status).toBe(200);
  });

  it('treats losing a concurrent refresh race as reuse: the whole family is revoked, the winner\'s new token too', async () => {
    const first = await tokenRequest(s, t.tenantId, {
      grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: t.admin.password, scope: 'https://graph.microsoft.com/.default offline_access',
    });
    const rt = first.body.refresh_token as string;
    const refresh = (token: string) => tokenRequest(s, t.tenantId, { grant_type: 'refresh_token', client_id: AZURE_CLI, refresh_token: token, scope: 'https://graph.microsoft.com/.default offline_access' });
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(rt)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error_codes).toEqual([50173]);
    const again = await refresh(winners[0]!.body.refresh_token as string);
    expect(again.status).toBe(400);
    expect(again.body.error_codes).toEqual([50173]);
  });

  it('sends Expires: -1 with token responses', async () => {
    const r = await ropc(t.admin.password);
    expect(r.headers.expires).toBe('-1');
    expect(r.headers['cache-control']).toContain('no-store');
  });
});

describe('per-IP throttling is logged', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false, throttle: { ...STRICT, perIp: { max: 2, windowMs: 60_000 } } }); });
  afterAll(async () => { await s.close(); });

  it('writes a sign-in record for a request refused by the IP limit', async () => {
    const t = await s.tenant();
    const bad = () => tokenRequest(s, t.tenantId, { grant_type: 'client_credentials', client_id: '11111111-1111-1111-1111-111111111111', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' });
    expect((await bad()).status).toBe(400);
    expect((await bad()).status).toBe(400);
    const throttled = await bad();
    expect(throttled.status).toBe(429);
    const codes = (await signInRows(s.services.ctx.store, { tenantId: t.tenantId })).map((r) => r.error_code).sort();
    expect(codes).toEqual([50196, 700016, 700016]);
  });
});
