import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { prepareSignIn, recordSignIn } from '../../src/identity/signIns.js';
import { plainAssessment } from '../../src/reporting/records.js';
import { appToken, graph, registerApp, userToken } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';

type Page = { value: Record<string, unknown>[] };
const q = (path: string, filter: string) => `${path}?$filter=${encodeURIComponent(filter)}`;

/** What a caller sees of a sign-in: own sign-ins without a role, CA data, risk, evolvable enums, $select. */
describe('sign-in views over HTTP', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s?.close(); });

  describe('any user may read their own sign-ins', () => {
    let t: CreatedTenant;
    let admin: string;
    let member: { id: string; upn: string; token: string };
    beforeAll(async () => {
      t = await s.tenant({ license: 'P1' });
      admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      const upn = `plain@${t.domain}`;
      const r = await graph(s, 'POST', '/v1.0/users', admin, {
        accountEnabled: true, displayName: 'Plain', mailNickname: 'plain', userPrincipalName: upn, passwordProfile: { password: 'Pl@inUser-Passw0rd', forceChangePasswordNextSignIn: false },
      });
      expect(r.status).toBe(201);
      member = { id: r.body.id as string, upn, token: await userToken(s, t.tenantId, upn, 'Pl@inUser-Passw0rd') };
    });

    it('lists only with a filter that pins the caller; anything wider is the role error', async () => {
      const all = await graph<{ error: { code: string } }>(s, 'GET', '/v1.0/auditLogs/signIns', member.token);
      expect(all.status).toBe(403);
      expect(all.body.error.code).toBe('Authentication_RequestFromUnsupportedUserRole');
      for (const filter of [`userId eq '${member.id}'`, `userPrincipalName eq '${member.upn.toUpperCase()}'`, `userId eq '${member.id}' and status/errorCode eq 0`]) {
        const own = await graph<Page>(s, 'GET', q('/v1.0/auditLogs/signIns', filter), member.token);
        expect(own.status, filter).toBe(200);
        expect(own.body.value.length, filter).toBeGreaterThan(0);
        expect(own.body.value.every((v) => v.userId === member.id), filter).toBe(true);
        expect(own.body.value[0], filter).not.toHaveProperty('appliedConditionalAccessPolicies');
      }
      for (const filter of [`userId eq '${t.admin.id}'`, `userId eq '${member.id}' or userId eq '${t.admin.id}'`, `startswith(userPrincipalName,'plain')`]) {
        expect((await graph(s, 'GET', q('/v1.0/auditLogs/signIns', filter), member.token)).status, filter).toBe(403);
      }
      // by id: one's own, yes; someone else's, no
      const mine = (await graph<Page>(s, 'GET', q('/v1.0/auditLogs/signIns', `userId eq '${member.id}'`), member.token)).body.value[0]!;
      expect((await graph(s, 'GET', `/v1.0/auditLogs/signIns/${String(mine.id)}`, member.token)).status).toBe(200);
      const theirs = (await graph<Page>(s, 'GET', q('/v1.0/auditLogs/signIns', `userId eq '${t.admin.id}'`), admin)).body.value[0]!;
      expect((await graph(s, 'GET', `/v1.0/auditLogs/signIns/${String(theirs.id)}`, member.token)).status).toBe(403);
      // audits stay role-only
      expect((await graph(s, 'GET', '/v1.0/auditLogs/directoryAudits', member.token)).status).toBe(403);
    });
  });

  describe('Conditional Access data, risk and evolvable enums', () => {
    const seeded = async (tenantId: string) => {
      const id = randomUUID();
      const row = await prepareSignIn(s.testStore.store, {
        id, tenantId, createdAt: Date.now(), eventType: 'interactiveUser', correlationId: randomUUID(), requestId: randomUUID(), ipAddress: '203.0.113.40',
        userAgent: null, clientAppUsed: 'Browser', authenticationProtocol: 'oAuth2', clientCredentialType: 'none',
        user: { id: randomUUID(), userPrincipalName: 'risky@view.test', displayName: 'Risky' }, status: { errorCode: 0, failureReason: null },
        assessment: {
          ...plainAssessment(), conditionalAccessStatus: 'success', riskDetail: 'adminConfirmedAccountSafe', riskLevelAggregated: 'high',
          riskLevelDuringSignIn: 'high', riskState: 'atRisk', riskEventTypes: ['unfamiliarFeatures'],
          appliedConditionalAccessPolicies: [{ id: '0b6f5c3e-6c1c-4a8b-9a51-8e1f3f0a1b2c', displayName: 'Require MFA (report only)', enforcedGrantControls: ['Mfa'], enforcedSessionControls: [], result: 'reportOnlySuccess' }],
        },
      });
      await s.testStore.store.transaction((trx) => recordSignIn(trx, row));
      return id;
    };
    const read = async (tenantId: string, token: string, id: string, prefer = false) => {
      const r = await s.app.inject({ method: 'GET', url: `/v1.0/auditLogs/signIns/${id}`, headers: { authorization: `Bearer ${token}`, ...(prefer ? { prefer: 'include-unknown-enum-members' } : {}) } });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as Record<string, unknown>;
    };

    it('P2 shows risk; CA policies only with a policy permission; members after unknownFutureValue only on request', async () => {
      const t = await s.tenant({ license: 'P2' });
      const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      const id = await seeded(t.tenantId);
      const plain = await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All'], 'No CA'));
      const withCa = await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All', 'Policy.Read.All'], 'With CA'));
      const a = await read(t.tenantId, plain, id);
      expect(a).not.toHaveProperty('appliedConditionalAccessPolicies');
      expect({ d: a.riskDetail, agg: a.riskLevelAggregated, during: a.riskLevelDuringSignIn, state: a.riskState, types: a.riskEventTypes_v2, ca: a.conditionalAccessStatus })
        .toEqual({ d: 'unknownFutureValue', agg: 'high', during: 'high', state: 'atRisk', types: ['unfamiliarFeatures'], ca: 'success' });
      const b = await read(t.tenantId, withCa, id);
      expect((b.appliedConditionalAccessPolicies as { result: string }[]).map((p) => p.result)).toEqual(['unknownFutureValue']);
      const c = await read(t.tenantId, withCa, id, true);
      expect((c.appliedConditionalAccessPolicies as { result: string; displayName: string }[]).map((p) => [p.displayName, p.result])).toEqual([['Require MFA (report only)', 'reportOnlySuccess']]);
      expect(c.riskDetail).toBe('adminConfirmedAccountSafe');
      // the lambda filter on CA policies (beta) finds it for a caller who may read CA data ...
      const caFilter = q('/beta/auditLogs/signIns', "appliedConditionalAccessPolicies/any(p: startswith(p/displayName,'require mfa') and p/result eq 'reportOnlySuccess')");
      expect((await graph<Page>(s, 'GET', caFilter, withCa)).body.value.map((v) => v.id)).toEqual([id]);
      // ... and reveals nothing to one who may not: for them there are no policies
      expect((await graph<Page>(s, 'GET', caFilter, plain)).body.value).toEqual([]);
    });

    it('below P2 the risk properties read hidden', async () => {
      const t = await s.tenant({ license: 'P1' });
      const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
      const id = await seeded(t.tenantId);
      const r = await read(t.tenantId, await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All'])), id);
      expect({ d: r.riskDetail, agg: r.riskLevelAggregated, during: r.riskLevelDuringSignIn, state: r.riskState, types: r.riskEventTypes_v2 })
        .toEqual({ d: 'hidden', agg: 'hidden', during: 'hidden', state: 'none', types: [] });
      // filters see what the caller sees, so they cannot recover the stored risk
      const token = await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All'], 'Filter probe'));
      const ids = async (filter: string) => (await graph<Page>(s, 'GET', q('/v1.0/auditLogs/signIns', filter), token)).body.value.map((v) => v.id);
      expect(await ids("riskLevelDuringSignIn eq 'high'")).toEqual([]);
      expect(await ids("riskLevelDuringSignIn eq 'hidden' and riskState eq 'none'")).toContain(id);
      expect(await ids("riskEventTypes_v2/any(t: t eq 'unfamiliarFeatures')")).toEqual([]);
    });
  });

  it('$select keeps the named properties (and id), on lists and single records, case-insensitively', async () => {
    const t = await s.tenant({ license: 'P1' });
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const token = await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All']));
    const list = await graph<Page>(s, 'GET', '/v1.0/auditLogs/signIns?$select=userPrincipalName,STATUS', token);
    expect(list.status).toBe(200);
    expect(list.body.value.length).toBeGreaterThan(0);
    for (const v of list.body.value) expect(Object.keys(v).sort()).toEqual(['id', 'status', 'userPrincipalName']);
    const one = await graph(s, 'GET', `/v1.0/auditLogs/signIns/${String(list.body.value[0]!.id)}?$select=createdDateTime`, token);
    expect(Object.keys(one.body).filter((k) => !k.startsWith('@')).sort()).toEqual(['createdDateTime', 'id']);
    const audits = await graph<Page>(s, 'GET', '/v1.0/auditLogs/directoryAudits?$select=activityDisplayName', token);
    expect(audits.body.value.every((v) => Object.keys(v).sort().join() === 'activityDisplayName,id')).toBe(true);
  });
});

describe('null on a dimension property', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ listen: false }); });
  afterAll(async () => { await s?.close(); });

  it('userDisplayName eq null finds a sign-in whose user row has no display name, as the record shows it', async () => {
    const t = await s.tenant({ license: 'P1' });
    const admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password);
    const token = await appToken(s, t.tenantId, await registerApp(s, admin, ['AuditLog.Read.All']));
    const id = randomUUID();
    const row = await prepareSignIn(s.testStore.store, {
      id, tenantId: t.tenantId, createdAt: Date.now(), eventType: 'interactiveUser', correlationId: randomUUID(), requestId: null, ipAddress: null, userAgent: null,
      clientAppUsed: 'Browser', authenticationProtocol: 'none', clientCredentialType: 'none',
      user: { id: null, userPrincipalName: 'ghost@nowhere.test', displayName: null }, status: { errorCode: 50126, failureReason: 'x' },
    });
    await s.testStore.store.transaction((trx) => recordSignIn(trx, row));
    const ids = async (filter: string) => {
      const r = await graph<Page>(s, 'GET', q('/v1.0/auditLogs/signIns', filter), token);
      expect(r.status, `${filter}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body.value.map((v) => v.id);
    };
    expect((await graph(s, 'GET', `/v1.0/auditLogs/signIns/${id}`, token)).body.userDisplayName).toBeNull();
    expect(await ids('userDisplayName eq null')).toEqual([id]);
    expect(await ids("userDisplayName eq 'Ghost'")).toEqual([]);
  });
});
