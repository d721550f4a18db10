import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemActor } from '../../src/directory/actor.js';
import { setLicense } from '../../src/directory/tenants.js';
import { prepareSignIn, recordSignIn } from '../../src/identity/signIns.js';
import { insertDirectoryAudit } from '../../src/store/repositories/logs.js';
import { appToken, graph, registerApp, userToken } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { signInRows } from '../helpers/signIns.js';

const DAY = 86_400_000;

/**
 * Retention (contract §4): Free keeps 7 days, P1/P2 30. Queries never return older records, a time
 * filter wholly before the floor is 400 "Invalid filter clause", and the purge deletes what is past it.
 */
describe('retention', () => {
  let s: TestServer;
  let now = Date.now(); // tokens are checked against the real time; the purge test moves it on
  const clock = () => now;
  const system = (tenantId: string): SystemActor => ({ kind: 'system', name: 'test', tenantId, ipAddress: null, correlationId: randomUUID() });

  beforeAll(async () => { s = await startServer({ listen: false, clock }); });
  afterAll(async () => { await s?.close(); });

  async function signInAt(tenantId: string, at: number): Promise<string> {
    const id = randomUUID();
    const row = await prepareSignIn(s.testStore.store, {
      id, tenantId, createdAt: at, eventType: 'interactiveUser', correlationId: randomUUID(), requestId: null, ipAddress: '203.0.113.1',
      userAgent: null, clientAppUsed: 'Browser', authenticationProtocol: 'none', clientCredentialType: 'none',
      user: { id: randomUUID(), userPrincipalName: 'old@ret.test', displayName: 'Old' }, status: { errorCode: 0, failureReason: null },
    });
    await s.testStore.store.transaction((trx) => recordSignIn(trx, row));
    return id;
  }

  async function auditAt(tenantId: string, at: number): Promise<string> {
    const id = `Directory_${randomUUID()}_RETEN_1`;
    await insertDirectoryAudit(s.testStore.store.db, {
      tenant_id: tenantId, id, activity_at: at, category: 'UserManagement', activity_display_name: 'Update user', operation_type: 'Update',
      result: 'success', result_reason: '', correlation_id: randomUUID(), logged_by_service: 'Core Directory', initiator_user_id: null,
      initiator_user_principal_name: null, initiator_app_id: null, initiator_user_display_name: null, initiator_app_display_name: null,
      details: JSON.stringify({ initiatedBy: { user: null, app: null }, targetResources: [], additionalDetails: [], userAgent: null }),
    }, []);
    return id;
  }

  it('P1 serves 30 days of sign-ins: older rows are neither listed nor found by id, and a filter wholly before is 400', async () => {
    const t = await s.tenant({ license: 'P1' });
    const recent = await signInAt(t.tenantId, now - 3 * DAY);
    const month = await signInAt(t.tenantId, now - 29 * DAY);
    const old = await signInAt(t.tenantId, now - 40 * DAY);
    const page = await s.services.logs.listSignIns(system(t.tenantId), { version: 'v1.0' });
    const ids = page.items.map((x) => x.id);
    expect(ids).toContain(recent);
    expect(ids).toContain(month);
    expect(ids).not.toContain(old);
    await expect(s.services.logs.getSignIn(system(t.tenantId), 'v1.0', old)).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect((await s.services.logs.getSignIn(system(t.tenantId), 'v1.0', month)).id).toBe(month);

    // over HTTP, as a reporting app: 400 in Graph's envelope for a date wholly outside retention
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const app = await registerApp(s, admin, ['AuditLog.Read.All', 'Directory.Read.All']);
    const token = await appToken(s, t.tenantId, app);
    const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const bad = await graph<{ error: { code: string; message: string } }>(s, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`createdDateTime ge ${at(now - 40 * DAY)}`)}`, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BadRequest', message: 'Invalid filter clause' });
    const edge = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`createdDateTime ge ${at(now - 30 * DAY - 3_600_000)}`)}`, token);
    expect(edge.status).toBe(200);
    expect(edge.body.value.map((v) => v.id)).toEqual(expect.arrayContaining([recent, month]));
  });

  it('Free keeps 7 days of audits; a licence change takes effect at once', async () => {
    const t = await s.tenant({ license: 'none' });
    const week = await auditAt(t.tenantId, now - 6 * DAY);
    const older = await auditAt(t.tenantId, now - 10 * DAY);
    const list = async () => (await s.services.logs.listDirectoryAudits(system(t.tenantId), { version: 'v1.0', filter: "activityDisplayName eq 'Update user'" })).items.map((x) => x.id);
    expect(await list()).toEqual([week]);
    await setLicense(s.services.ctx, system(t.tenantId), 'P1');
    expect(await list()).toEqual([week, older]);
  });

  it('the purge deletes exactly what is past each tenant’s retention, in batches, and nothing else', async () => {
    const p1 = await s.tenant({ license: 'P1' });
    const free = await s.tenant({ license: 'none' });
    const keep = [await signInAt(p1.tenantId, now - 20 * DAY), await signInAt(p1.tenantId, now - DAY)];
    for (let i = 0; i < 7; i++) await signInAt(p1.tenantId, now - (31 + i) * DAY);
    const keptAudit = await auditAt(free.tenantId, now - 2 * DAY);
    await auditAt(free.tenantId, now - 8 * DAY);
    await auditAt(free.tenantId, now - 9 * DAY);
    const deleted = await s.services.logs.purgeExpired(3); // small batches: the loop must go round
    expect(deleted).toBeGreaterThanOrEqual(9);
    expect((await signInRows(s.testStore.store, { tenantId: p1.tenantId })).map((r) => r.id).sort()).toEqual([...keep].sort());
    const audits = await s.testStore.store.db.selectFrom('directory_audits').select('id').where('tenant_id', '=', free.tenantId).execute();
    expect(audits.map((a) => a.id).filter((id) => id.endsWith('_RETEN_1'))).toEqual([keptAudit]);
    // time passes: what was kept ages out too
    now += 25 * DAY;
    await s.services.logs.purgeExpired();
    expect((await signInRows(s.testStore.store, { tenantId: p1.tenantId })).map((r) => r.id)).toEqual([keep[1]]);
  });
});
