/**
 * Microsoft Graph on this page's origin (Tenantry's public URL): `/v1.0/…` and `/beta/…`, with the
 * signed-in user's access token. Errors come in Graph's envelope and are thrown as GraphError.
 */
import { getAccessToken, refreshAccessToken, TokenError } from './auth';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerError: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

/** Anything a page may show of a failed call. */
export function toGraphError(err: unknown): GraphError {
  if (err instanceof GraphError) return err;
  if (err instanceof TokenError) return new GraphError(err.status || 401, err.error, err.description);
  return new GraphError(0, 'ClientError', err instanceof Error ? err.message : String(err));
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * A Graph path (`/v1.0/…`, `/beta/…`), Tenantry's own API (`/tenantry/…`, e.g. the doctor, which takes
 * the same Graph token) or an absolute `@odata.nextLink` on this origin, as a URL.
 */
function graphUrl(pathOrUrl: string): URL {
  const url = new URL(pathOrUrl, window.location.origin);
  // the token goes to this origin only (a nextLink is absolute: it must point here too)
  if (url.origin !== window.location.origin) throw new GraphError(0, 'ClientError', `Refusing to send the access token to ${url.origin}.`);
  if (!/^\/(v1\.0|beta|tenantry)\//.test(url.pathname)) throw new GraphError(0, 'ClientError', `Not a Microsoft Graph path: ${url.pathname}`);
  return url;
}

function newRequestId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : '';
}

async function errorFrom(res: Response): Promise<GraphError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const e = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (e && typeof e === 'object') {
    const { code, message, innerError } = e as { code?: unknown; message?: unknown; innerError?: unknown };
    return new GraphError(
      res.status,
      typeof code === 'string' ? code : `HTTP${res.status}`,
      typeof message === 'string' ? message : res.statusText,
      innerError && typeof innerError === 'object' ? (innerError as Record<string, unknown>) : {},
    );
  }
  return new GraphError(res.status, `HTTP${res.status}`, `The server answered ${res.status} ${res.statusText}.`);
}

/** One Graph call; a 401 refreshes the token and retries once. */
export async function graphRequest<T>(method: Method, pathOrUrl: string, body?: unknown): Promise<T> {
  const url = graphUrl(pathOrUrl);
  const send = async (token: string): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const requestId = newRequestId();
    if (requestId) headers['client-request-id'] = requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    } catch (err) {
      throw new GraphError(0, 'NetworkError', `The server could not be reached: ${(err as Error).message}`);
    }
  };
  let res = await send(await getAccessToken());
  if (res.status === 401) res = await send(await refreshAccessToken());
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** Every item of a collection, following `@odata.nextLink` (an absolute URL, fetched as it is). */
export async function graphList<T>(path: string, maxPages = 100): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined = path;
  for (let page = 0; next && page < maxPages; page++) {
    const c: Collection<T> = await graphRequest<Collection<T>>('GET', next);
    out.push(...(Array.isArray(c.value) ? c.value : []));
    next = c['@odata.nextLink'];
  }
  return out;
}

// ---------------------------------------------------------------- the resources the portal shows

export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
  type?: string;
  capabilities?: string;
}

export interface Organization {
  id: string;
  displayName: string;
  createdDateTime?: string | null;
  /** 'AAD' or 'AAD B2C' */
  tenantType?: string;
  verifiedDomains: VerifiedDomain[];
  assignedPlans?: { servicePlanId: string; capabilityStatus: string; service: string }[];
}

export interface Domain {
  id: string;
  authenticationType: string;
  isDefault: boolean;
  isInitial: boolean;
  isVerified: boolean;
  isRoot?: boolean;
  supportedServices?: string[];
}

export interface SubscribedSku {
  id: string;
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string;
  consumedUnits: number;
  appliesTo: string;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut?: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus?: string; appliesTo?: string }[];
}

export interface PasswordCredential {
  customKeyIdentifier: string | null;
  displayName: string | null;
  endDateTime: string;
  hint: string | null;
  keyId: string;
  secretText: string | null;
  startDateTime: string;
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Role' | 'Scope' }[];
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  createdDateTime: string | null;
  publisherDomain?: string;
  passwordCredentials: PasswordCredential[];
  requiredResourceAccess: RequiredResourceAccess[];
  web?: { redirectUris: string[] };
  spa?: { redirectUris: string[] };
  publicClient?: { redirectUris: string[] };
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appRoles?: { id: string; value: string; displayName: string; description?: string }[];
  oauth2PermissionScopes?: { id: string; value: string; adminConsentDisplayName?: string; userConsentDisplayName?: string }[];
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalDisplayName?: string;
  resourceId: string;
  resourceDisplayName?: string;
}

export interface PermissionGrant {
  id: string;
  clientId: string;
  consentType: string;
  principalId: string | null;
  resourceId: string;
  scope: string;
}

export type Platform = 'web' | 'spa' | 'publicClient';

export interface NewApplication {
  displayName: string;
  signInAudience: 'AzureADMyOrg' | 'AzureADMultipleOrgs';
  platform?: Platform;
  redirectUri?: string;
}

const enc = encodeURIComponent;

export const graph = {
  organization: async (): Promise<Organization | null> => (await graphList<Organization>('/v1.0/organization'))[0] ?? null,
  domains: () => graphList<Domain>('/v1.0/domains'),
  subscribedSkus: () => graphList<SubscribedSku>('/v1.0/subscribedSkus'),
  applications: () => graphList<Application>('/v1.0/applications'),
  application: (id: string) => graphRequest<Application>('GET', `/v1.0/applications/${enc(id)}`),
  createApplication: (a: NewApplication) => {
    const body: Record<string, unknown> = { displayName: a.displayName, signInAudience: a.signInAudience };
    if (a.platform && a.redirectUri) body[a.platform] = { redirectUris: [a.redirectUri] };
    return graphRequest<Application>('POST', '/v1.0/applications', body);
  },
  createServicePrincipal: (appId: string) => graphRequest<ServicePrincipal>('POST', '/v1.0/servicePrincipals', { appId }),
  servicePrincipalByAppId: (appId: string) => graphRequest<ServicePrincipal>('GET', `/v1.0/servicePrincipals(appId='${enc(appId)}')`),
  appRoleAssignedTo: (resourceSpId: string) => graphList<AppRoleAssignment>(`/v1.0/servicePrincipals/${enc(resourceSpId)}/appRoleAssignedTo`),
  permissionGrantsOf: (clientSpId: string) => graphList<PermissionGrant>(`/v1.0/oauth2PermissionGrants?$filter=${enc(`clientId eq '${clientSpId}'`)}`),
  addPassword: (id: string, credential: { displayName: string | null; startDateTime?: string; endDateTime: string }) =>
    graphRequest<PasswordCredential>('POST', `/v1.0/applications/${enc(id)}/addPassword`, { passwordCredential: credential }),
  removePassword: (id: string, keyId: string) => graphRequest<void>('POST', `/v1.0/applications/${enc(id)}/removePassword`, { keyId }),
};
