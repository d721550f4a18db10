import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { appToken, graph, graphRoleId, registerApp, tokenRequest, userToken } from '../helpers/api.js';
import { openStore } from '../../src/store/db.js';
import { TEST_ENGINE } from '../helpers/store.js';
import { removePassword } from '../../src/directory/applications.js';

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('directory changes reach the token endpoint at once (versioned read cache)', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s.close(); });

  it('new consent, removed consent and removed secrets take effect on the next token', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, ['AuditLog.Read.All']);
    expect(decode(await appToken(s, t.tenantId, app)).roles).toEqual(['AuditLog.Read.All']);

    const graphSp = (await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent("appId eq '00000003-0000-0000-c000-000000000000'")}`, admin)).body.value[0]!.id;
    const added = await graph(s, 'POST', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo`, admin, { principalId: app.spId, resourceId: graphSp, appRoleId: graphRoleId('Directory.Read.All') });
    expect(added.status).toBe(201);
    expect(decode(await appToken(s, t.tenantId, app)).roles).toEqual(['AuditLog.Read.All', 'Directory.Read.All']);

    expect((await graph(s, 'DELETE', `/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo/${added.body.id as string}`, admin)).status).toBe(204);
    expect(decode(await appToken(s, t.tenantId, app)).roles).toEqual(['AuditLog.Read.All']);

    const creds = await graph<{ passwordCredentials: { keyId: string }[] }>(s, 'GET', `/v1.0/applications/${app.id}`, admin);
    expect((await graph(s, 'POST', `/v1.0/applications/${app.id}/removePassword`, admin, { keyId: creds.body.passwordCredentials[0]!.keyId })).status).toBe(204);
    const r = await tokenRequest(s, t.tenantId, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' });
    expect(r.status).toBe(401);
    expect(r.body.error_codes).toEqual([7000215]);
  });

  it('a change written by another process on the same store is seen by the next token request', async () => {
    const t = await s.tenant();
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, ['AuditLog.Read.All']);
    await appToken(s, t.tenantId, app); // warm the cache
    // a second, independent store handle plays the other process (the CLI, another worker)
    const other = TEST_ENGINE === 'postgres' ? await openStore({ databaseUrl: s.testStore.url! }) : await openStore({ sqlitePath: s.testStore.path! });
    try {
      const otherCtx = { ...s.services.ctx, store: other };
      const creds = await graph<{ passwordCredentials: { keyId: string }[] }>(s, 'GET', `/v1.0/applications/${app.id}`, admin);
      await removePassword(otherCtx, { kind: 'system', name: 'test', tenantId: t.tenantId, ipAddress: null, correlationId: crypto.randomUUID() }, { id: app.id }, { keyId: creds.body.passwordCredentials[0]!.keyId });
    } finally {
      await other.close();
    }
    const r = await tokenRequest(s, t.tenantId, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' });
    expect(r.status).toBe(401);
  });
});
