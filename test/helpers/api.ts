import type { TestServer } from './server.js';
import { GRAPH_PERMISSIONS, MICROSOFT_GRAPH_APP_ID } from '../../src/directory/catalog.js';

export const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface Res<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
}

/** POST /{tenant}/oauth2/v2.0/token with a form body (in process). */
export async function tokenRequest(s: TestServer, tenant: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> {
  const r = await s.app.inject({
    method: 'POST',
    url: `/${tenant}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: r.statusCode, headers: r.headers, body: r.json() };
}

/** A Graph call (in process). */
export async function graph<T = Record<string, unknown>>(s: TestServer, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, token?: string, body?: unknown): Promise<Res<T>> {
  const r = await s.app.inject({
    method,
    url: path,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, headers: r.headers, body: (r.body ? r.json() : {}) as T };
}

/** A delegated Graph token for a user through the Azure CLI client (ROPC), as `az login -u -p` gets one. */
export async function userToken(s: TestServer, tenantId: string, upn: string, password: string): Promise<string> {
  const r = await tokenRequest(s, tenantId, {
    grant_type: 'password', client_id: AZURE_CLI, username: upn, password, scope: 'https://graph.microsoft.com/.default openid profile offline_access',
  });
  if (r.status !== 200) throw new Error(`user token failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

export function graphRoleId(value: string): string {
  const p = GRAPH_PERMISSIONS.find((x) => x.value === value);
  if (!p?.roleId) throw new Error(`no Graph app role ${value}`);
  return p.roleId;
}

export interface RegisteredApp {
  id: string;
  appId: string;
  spId: string;
  secret: string;
}

/**
 * The seed's path through Graph as an administrator: register, service principal, secret, and admin
 * consent to the given Microsoft Graph application permissions.
 */
export async function registerApp(s: TestServer, adminToken: string, roles: string[], displayName = 'Reporting API application'): Promise<RegisteredApp> {
  const app = await graph(s, 'POST', '/v1.0/applications', adminToken, {
    displayName, signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
    requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: roles.map((r) => ({ id: graphRoleId(r), type: 'Role' })) }],
  });
  if (app.status !== 201) throw new Error(`create app: ${JSON.stringify(app.body)}`);
  const sp = await graph(s, 'POST', '/v1.0/servicePrincipals', adminToken, { appId: app.body.appId });
  if (sp.status !== 201) throw new Error(`create sp: ${JSON.stringify(sp.body)}`);
  const pw = await graph(s, 'POST', `/v1.0/applications/${app.body.id as string}/addPassword`, adminToken, { passwordCredential: { displayName: 'Reporting API' } });
  if (pw.status !== 200) throw new Error(`addPassword: ${JSON.stringify(pw.body)}`);
  const graphSp = await graph<{ value: { id: string }[] }>(s, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${MICROSOFT_GRAPH_APP_ID}'`)}`, adminToken);
  const resourceId = graphSp.body.value[0]!.id;
  for (const r of roles) {
    const a = await graph(s, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, adminToken, { principalId: sp.body.id, resourceId, appRoleId: graphRoleId(r) });
    if (a.status !== 201) throw new Error(`consent ${r}: ${JSON.stringify(a.body)}`);
  }
  return { id: app.body.id as string, appId: app.body.appId as string, spId: sp.body.id as string, secret: pw.body.secretText as string };
}

export async function appToken(s: TestServer, tenantId: string, app: { appId: string; secret: string }): Promise<string> {
  const r = await tokenRequest(s, tenantId, { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' });
  if (r.status !== 200) throw new Error(`app token failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}
