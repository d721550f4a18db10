import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AAD_GRAPH_APP_ID } from '../../src/directory/catalog.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { AZURE_CLI, graph, registerApp, tokenRequest, userToken, type RegisteredApp } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';

const READ_DIRECTORY_DATA = '5778995a-e1bf-45b8-affa-663a9f3f4d04';

interface LegacyError { 'odata.error': { code: string; message: { lang: string; value: string }; requestId: string; date: string } }
interface LegacyPage { '@odata.context': string; '@odata.nextLink'?: string; value: Record<string, unknown>[] }

/** The retired Azure AD Graph reporting endpoints (contract §8) over the same records. */
describe('legacy Azure AD Graph activities/signinEvents and activities/audit', () => {
  let s: TestServer;
  let t: CreatedTenant;
  let admin: string;
  let app: RegisteredApp;
  let aadToken: string;

  const aadAppToken = async (tenant: string, a: { appId: string; secret: string }) => {
    const r = await tokenRequest(s, tenant, { grant_type: 'client_credentials', client_id: a.appId, client_secret: a.secret, scope: 'https://graph.windows.net/.default' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.access_token as string;
  };
  const get = async <T>(path: string, token?: string) => {
    const r = await s.app.inject({ method: 'GET', url: path, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, headers: r.headers, body: r.json() as T };
  };
  /** Grants the Azure AD Graph "Read directory data" application permission with admin consent. */
  const grantReadDirectoryData = async (spId: string) => {
    const aad = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${AAD_GRAPH_APP_ID}'`)}`, admin);
    const resourceId = aad.body.value[0]!.id;
    const r = await graph(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, admin, { principalId: spId, resourceId, appRoleId: READ_DIRECTORY_DATA });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };

  beforeAll(async () => {
    s = await startServer({ listen: false });
    t = await s.tenant({ license: 'P1' });
    admin = await userToken(s, t.tenantId, t.admin.userPrincipalName, t.admin.password); // an interactive sign-in
    app = await registerApp(s, admin, ['AuditLog.Read.All']);
    await grantReadDirectoryData(app.spId);
    aadToken = await aadAppToken(t.tenantId, app);
  });
  afterAll(async () => { await s?.close(); });

  const SIGNINS = () => `/${t.tenantId}/activities/signinEvents?api-version=beta`;
  const AUDIT = () => `/${t.tenantId}/activities/audit?api-version=beta`;

  it("an app without Azure AD Graph's 'Read directory data' gets the seed's message", async () => {
    const other = await registerApp(s, admin, ['AuditLog.Read.All'], 'No AAD Graph permission');
    const token = await aadAppToken(t.tenantId, other);
    for (const path of [SIGNINS(), AUDIT()]) {
      const r = await get<LegacyError>(path, token);
      expect(r.status).toBe(403);
      expect(r.body['odata.error']).toMatchObject({ code: 'Authorization_RequestDenied', message: { lang: 'en', value: "Application missing AAD 'Read directory data' permission" } });
    }
  });

  it('lists interactive sign-ins in the legacy shape, filters on the legacy names, and pages by nextLink', async () => {
    const r = await get<LegacyPage>(SIGNINS(), aadToken);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body['@odata.context']).toBe(`https://localhost:8443/${t.tenantId}/$metadata#signinEvents`);
    const mine = r.body.value.find((v) => v.userPrincipalName === t.admin.userPrincipalName.toLowerCase());
    expect(mine).toMatchObject({ appId: AZURE_CLI, appDisplayName: 'Microsoft Azure CLI', loginStatus: 0, signinErrorCode: 0, failureReason: null, tenantId: t.tenantId });
    expect(typeof mine!.signinDateTime).toBe('string');
    // a failed password is loginStatus 1 with its AADSTS code
    const bad = await tokenRequest(s, t.tenantId, { grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: 'wrong-Passw0rd', scope: 'https://graph.microsoft.com/.default' });
    expect(bad.status).toBe(400);
    const failed = await get<LegacyPage>(`${SIGNINS()}&$filter=${encodeURIComponent('loginStatus eq 1')}`, aadToken);
    expect(failed.body.value.map((v) => [v.loginStatus, v.signinErrorCode])).toEqual([[1, 50126]]);
    const ok = await get<LegacyPage>(`${SIGNINS()}&$filter=${encodeURIComponent(`loginStatus eq 0 and userPrincipalName eq '${t.admin.userPrincipalName}' and signinDateTime ge ${new Date(Date.now() - 3_600_000).toISOString()}`)}`, aadToken);
    expect(ok.body.value.length).toBeGreaterThan(0);
    expect(ok.body.value.every((v) => v.loginStatus === 0)).toBe(true);
    // $top=1 pages through an absolute nextLink that keeps api-version
    const p1 = await get<LegacyPage>(`${SIGNINS()}&$top=1`, aadToken);
    expect(p1.body.value).toHaveLength(1);
    const next = p1.body['@odata.nextLink']!;
    expect(next).toMatch(/^https:\/\/localhost:8443\/.+\/activities\/signinEvents\?api-version=beta&\$top=1&\$skiptoken=/);
    const p2 = await get<LegacyPage>(next.replace('https://localhost:8443', ''), aadToken);
    expect(p2.status).toBe(200);
    expect(p2.body.value[0]!.id).not.toBe(p1.body.value[0]!.id);
  });

  it('audit: legacy names for filters and records, $orderby=activityDate allowed', async () => {
    const byTarget = await get<LegacyPage>(`${AUDIT()}&$filter=${encodeURIComponent(`targets/any(t: t/objectId eq '${app.id}')`)}`, aadToken);
    expect(byTarget.status, JSON.stringify(byTarget.body)).toBe(200);
    const activities = byTarget.body.value.map((v) => v.activity);
    expect(activities).toContain('Add application');
    const added = byTarget.body.value.find((v) => v.activity === 'Add application')!;
    expect(added).toMatchObject({ activityType: 'Application', activityOperationType: 'Add', activityStatus: 0, category: 'Directory', tenantId: t.tenantId });
    expect((added.actor as Record<string, unknown>).userPrincipalName).toBe(t.admin.userPrincipalName.toLowerCase());
    const asc = await get<LegacyPage>(`${AUDIT()}&$orderby=activityDate&$filter=${encodeURIComponent("activity eq 'Add application' and activityStatus eq 0 and category eq 'Directory'")}`, aadToken);
    const times = asc.body.value.map((v) => Date.parse(String(v.activityDate)));
    expect(times.length).toBeGreaterThan(1);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await get<LegacyPage>(`${AUDIT()}&$filter=${encodeURIComponent("category eq 'SSPR'")}`, aadToken)).body.value).toEqual([]);
  });

  it("refuses what Azure AD Graph refused, in its own envelope", async () => {
    const cases: [string, string | undefined, number, string, string][] = [
      [`/${t.tenantId}/activities/signinEvents`, aadToken, 400, 'Request_BadRequest', "A required query string parameter 'api-version' was not specified."],
      [`/${t.tenantId}/activities/signinEvents?api-version=1.6`, aadToken, 400, 'Request_BadRequest', 'The specified api-version is invalid. The value must exactly match a supported version.'],
      [`${SIGNINS()}&$orderby=signinDateTime`, aadToken, 400, 'Request_BadRequest', "Query option 'OrderBy' is not allowed. To allow it, set the 'AllowedQueryOptions' property on QueryValidationSettings."],
      [`${SIGNINS()}&$filter=${encodeURIComponent("ipAddress eq '1.2.3.4'")}`, aadToken, 400, 'Request_BadRequest', 'Invalid filter clause'],
      [SIGNINS(), undefined, 401, 'Authentication_MissingOrMalformed', 'Access Token missing or malformed.'],
      [`/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/activities/signinEvents?api-version=beta`, aadToken, 401, 'Authentication_Unauthorized', 'Access token validation failure. Invalid tenant.'],
    ];
    for (const [path, token, status, code, message] of cases) {
      const r = await get<LegacyError>(path, token);
      expect({ path, status: r.status, code: r.body['odata.error']?.code, message: r.body['odata.error']?.message.value }).toEqual({ path, status, code, message });
    }
    // a Microsoft Graph token is for another audience
    const graphToken = await tokenRequest(s, t.tenantId, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' });
    const wrongAud = await get<LegacyError>(SIGNINS(), graphToken.body.access_token as string);
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.body['odata.error'].code).toBe('Authentication_Unauthorized');
    // the tenant may be named by domain
    expect((await get<LegacyPage>(`/${t.domain}/activities/audit?api-version=beta`, aadToken)).status).toBe(200);
  });

  it('sign-ins need P1/P2 (the old message); audits do not', async () => {
    const free = await s.tenant({ license: 'none' });
    const freeAdmin = await userToken(s, free.tenantId, free.admin.userPrincipalName, free.admin.password);
    const freeApp = await registerApp(s, freeAdmin, ['AuditLog.Read.All']);
    const aad = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${AAD_GRAPH_APP_ID}'`)}`, freeAdmin);
    await graph(s, 'POST', `/v1.0/servicePrincipals/${aad.body.value[0]!.id}/appRoleAssignedTo`, freeAdmin, { principalId: freeApp.spId, resourceId: aad.body.value[0]!.id, appRoleId: READ_DIRECTORY_DATA });
    const token = await aadAppToken(free.tenantId, freeApp);
    const r = await get<LegacyError>(`/${free.tenantId}/activities/signinEvents?api-version=beta`, token);
    expect(r.status).toBe(403);
    expect(r.body['odata.error']).toMatchObject({ code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', message: { value: "Tenant is not B2C or tenant doesn't have premium license" } });
    expect((await get<LegacyPage>(`/${free.tenantId}/activities/audit?api-version=beta`, token)).status).toBe(200);
  });

  it('a delegated Azure AD Graph token works for a reporting role and names the role problem otherwise', async () => {
    const r = await tokenRequest(s, t.tenantId, { grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: t.admin.password, scope: 'https://graph.windows.net/.default' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await get<LegacyPage>(AUDIT(), r.body.access_token as string)).status).toBe(200);
    const created = await graph<{ id: string }>(s, 'POST', '/v1.0/users', admin, {
      accountEnabled: true, displayName: 'Plain User', mailNickname: 'plain', userPrincipalName: `plain@${t.domain}`,
      passwordProfile: { password: 'Pl@inUser-Passw0rd', forceChangePasswordNextSignIn: false },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const u = await tokenRequest(s, t.tenantId, { grant_type: 'password', client_id: AZURE_CLI, username: `plain@${t.domain}`, password: 'Pl@inUser-Passw0rd', scope: 'https://graph.windows.net/.default' });
    expect(u.status, JSON.stringify(u.body)).toBe(200);
    const denied = await get<LegacyError>(AUDIT(), u.body.access_token as string);
    expect(denied.status).toBe(403);
    expect(denied.body['odata.error'].message.value).toBe('The allowed roles does not include User.');
  });
});
