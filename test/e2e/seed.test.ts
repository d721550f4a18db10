/**
 * The seed's whole path, driven by the official Microsoft libraries over real HTTPS exactly as a
 * user would configure them for Tenantry: msal-node, Azure Identity and the Graph JS SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfidentialClientApplication, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import { ClientSecretCredential } from '@azure/identity';
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { AZURE_CLI, graphRoleId } from '../helpers/api.js';
import type { CreatedTenant } from '../../src/directory/tenants.js';

const GRAPH = '00000003-0000-0000-c000-000000000000';

function graphClient(s: TestServer, getToken: () => Promise<string>): Client {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: getToken },
    baseUrl: `${s.baseUrl}/`,
    customHosts: new Set([new URL(s.baseUrl).hostname]),
  });
}

describe('the seed, end to end with the official clients', () => {
  let s: TestServer;
  let tenant: CreatedTenant;
  let host: string;
  let admin: Client;
  let app: { id: string; appId: string; displayName: string };
  let secret: string;

  beforeAll(async () => {
    s = await startServer({ listen: true });
    tenant = await s.tenant();
    host = new URL(s.baseUrl).host;
  });
  afterAll(async () => { await s?.close(); });

  it('signs the administrator in with msal-node (ROPC through the Azure CLI client)', async () => {
    const pca = new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const result = (await pca.acquireTokenByUsernamePassword({
      scopes: ['https://graph.microsoft.com/.default'], username: tenant.admin.userPrincipalName, password: tenant.admin.password,
    })) as AuthenticationResult;
    expect(result.accessToken).toMatch(/^ey/);
    expect(result.account?.username).toBe(tenant.admin.userPrincipalName);
    expect(result.account?.tenantId).toBe(tenant.tenantId);
    expect(result.account?.homeAccountId).toBe(`${tenant.admin.id}.${tenant.tenantId}`);
    // a refresh through the cache: acquireTokenSilent with forceRefresh redeems the refresh token
    const silent = await pca.acquireTokenSilent({ account: result.account!, scopes: ['https://graph.microsoft.com/.default'], forceRefresh: true });
    expect(silent.accessToken).not.toBe(result.accessToken);
    const token = silent.accessToken;
    admin = graphClient(s, async () => token);
    const me = await admin.api('/me').get();
    expect(me.userPrincipalName).toBe(tenant.admin.userPrincipalName);
  });

  it('gathers the domain name (Custom domain names)', async () => {
    const domains = await admin.api('/domains').get();
    expect(domains.value.map((d: { id: string }) => d.id)).toEqual([tenant.domain]);
    const org = await admin.api('/organization').get();
    expect(org.value[0].id).toBe(tenant.tenantId);
  });

  it('registers "Reporting API application", adds a secret and grants admin consent', async () => {
    const created = await admin.api('/applications').post({
      displayName: 'Reporting API application', signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
      requiredResourceAccess: [{ resourceAppId: GRAPH, resourceAccess: [{ id: graphRoleId('AuditLog.Read.All'), type: 'Role' }] }],
    });
    app = { id: created.id, appId: created.appId, displayName: created.displayName };
    const sp = await admin.api('/servicePrincipals').post({ appId: app.appId });
    const pw = await admin.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 'Reporting API' } });
    secret = pw.secretText;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const again = await admin.api(`/applications(appId='${app.appId}')`).get();
    expect(again.passwordCredentials[0].secretText).toBeNull();
    expect(again.passwordCredentials[0].hint).toBe(secret.slice(0, 3));
    const graphSp = await admin.api('/servicePrincipals').filter(`appId eq '${GRAPH}'`).get();
    const resourceId = graphSp.value[0].id;
    const assignment = await admin.api(`/servicePrincipals/${resourceId}/appRoleAssignedTo`).post({ principalId: sp.id, resourceId, appRoleId: graphRoleId('AuditLog.Read.All') });
    expect(assignment.principalType).toBe('ServicePrincipal');
  });

  it('gets an app-only token with msal-node ConfidentialClientApplication and Azure Identity', async () => {
    const cca = new ConfidentialClientApplication({ auth: { clientId: app.appId, clientSecret: secret, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const r = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const claims = JSON.parse(Buffer.from(r!.accessToken.split('.')[1]!, 'base64url').toString());
    expect(claims.roles).toEqual(['AuditLog.Read.All']);
    expect(claims.tid).toBe(tenant.tenantId);

    // the domain name works as the tenant too, as the seed gathers it
    const byDomain = new ClientSecretCredential(tenant.domain, app.appId, secret, { authorityHost: s.baseUrl, disableInstanceDiscovery: true });
    const t2 = await byDomain.getToken('https://graph.microsoft.com/.default');
    expect(t2.token).toMatch(/^ey/);
  });

  it('reads its own sign-in (beta) and the registration audit trail with the Graph SDK, paging with PageIterator', async () => {
    const credential = new ClientSecretCredential(tenant.tenantId, app.appId, secret, { authorityHost: s.baseUrl, disableInstanceDiscovery: true });
    const client = Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }),
      baseUrl: `${s.baseUrl}/`,
      customHosts: new Set([new URL(s.baseUrl).hostname]),
    });
    const signIns = await client.api('/auditLogs/signIns').version('beta')
      .filter(`signInEventTypes/any(t: t eq 'servicePrincipal') and appId eq '${app.appId}'`).get();
    expect(signIns.value.length).toBeGreaterThanOrEqual(2);
    for (const si of signIns.value) {
      expect(si.appId).toBe(app.appId);
      expect(si.signInEventTypes).toEqual(['servicePrincipal']);
      expect(si.status.errorCode).toBe(0);
      expect(si.resourceId).toBe(GRAPH);
    }

    const first: PageCollection = await client.api('/auditLogs/directoryAudits').filter(`targetResources/any(t: t/id eq '${app.id}')`).top(1).get();
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${s.baseUrl}/v1.0/auditLogs/directoryAudits\\?`));
    const activities: string[] = [];
    await new PageIterator(client, first, (a: { activityDisplayName: string }) => { activities.push(a.activityDisplayName); return true; }).iterate();
    expect(activities.sort()).toEqual(['Add application', 'Update application – Certificates and secrets management'].sort());
    const consent = await client.api('/auditLogs/directoryAudits').filter("activityDisplayName eq 'Add app role assignment to service principal'").get();
    expect(consent.value.length).toBe(1);
  });

  it('a wrong secret fails with AADSTS7000215 in msal-node and Azure Identity, and the failure is in the log', async () => {
    const cca = new ConfidentialClientApplication({ auth: { clientId: app.appId, clientSecret: 'not-the-secret', authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const err = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).then(() => null, (e: unknown) => e as { errorCode: string; errorNo: string; status: number; errorMessage: string });
    expect(err?.errorCode).toBe('invalid_client');
    expect(String(err?.errorNo)).toBe('7000215');
    expect(err?.status).toBe(401);
    expect(err?.errorMessage).toContain('AADSTS7000215: Invalid client secret provided.');

    const cred = new ClientSecretCredential(tenant.tenantId, app.appId, 'still-wrong', { authorityHost: s.baseUrl, disableInstanceDiscovery: true });
    await expect(cred.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS7000215/);

    const pca = new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const r = (await pca.acquireTokenByUsernamePassword({ scopes: ['https://graph.microsoft.com/.default'], username: tenant.admin.userPrincipalName, password: tenant.admin.password }))!;
    const log = graphClient(s, async () => r.accessToken);
    const failures = await log.api('/auditLogs/signIns').version('beta')
      .filter(`signInEventTypes/any(t: t eq 'servicePrincipal') and appId eq '${app.appId}' and status/errorCode eq 7000215`).get();
    expect(failures.value.length).toBe(2);
    expect(failures.value[0].status.failureReason).toContain('Invalid client secret provided');
  });

  it('surfaces the seed\'s permission error through the Graph SDK as GraphError', async () => {
    const pca = new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const r = (await pca.acquireTokenByUsernamePassword({ scopes: ['https://graph.microsoft.com/.default'], username: tenant.admin.userPrincipalName, password: tenant.admin.password }))!;
    const adminClient = graphClient(s, async () => r.accessToken);
    const other = await adminClient.api('/applications').post({ displayName: 'No permissions app' });
    await adminClient.api('/servicePrincipals').post({ appId: other.appId });
    const pw = await adminClient.api(`/applications/${other.id}/addPassword`).post({});
    const cca = new ConfidentialClientApplication({ auth: { clientId: other.appId, clientSecret: pw.secretText, authority: `${s.baseUrl}/${tenant.tenantId}`, knownAuthorities: [host] } });
    const t = (await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))!;
    const err = await graphClient(s, async () => t.accessToken).api('/auditLogs/directoryAudits').get().then(() => null, (e: unknown) => e as { statusCode: number; code: string; message: string; requestId: string });
    expect(err?.statusCode).toBe(403);
    expect(err?.code).toBe('Authentication_MSGraphPermissionMissing');
    expect(err?.message).toBe('Calling principal does not have required MSGraph permissions AuditLog.Read.All');
    expect(err?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
