import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, graph, registerApp, userToken } from '../helpers/api.js';

describe('smoke', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s.close(); });

  it('registers an app, consents, gets a token and reads logs', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, ['AuditLog.Read.All']);
    const tok = await appToken(s, t.tenantId, app);
    const si = await graph(s, 'GET', `/beta/auditLogs/signIns?$filter=${encodeURIComponent("signInEventTypes/any(t: t eq 'servicePrincipal')")}`, tok);
    expect(si.status, JSON.stringify(si.body)).toBe(200);
    const audits = await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', tok);
    expect(audits.status, JSON.stringify(audits.body)).toBe(200);
    console.log(JSON.stringify(si.body).slice(0, 1500));
    console.log(JSON.stringify(audits.body).slice(0, 800));
  });
});
