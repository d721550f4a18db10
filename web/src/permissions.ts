/**
 * API permissions of an app registration, through Microsoft Graph: what it asks for
 * (`requiredResourceAccess` of the application), the APIs' permissions (the `appRoles` and
 * `oauth2PermissionScopes` of their service principals) and admin consent to them, which is an
 * app role assignment per application permission (`/servicePrincipals/{resource}/appRoleAssignedTo`)
 * and one tenant-wide delegated grant per API (`/oauth2PermissionGrants`, consentType AllPrincipals).
 */
import { GraphError, graphList, graphRequest, type Application, type AppRoleAssignment, type PermissionGrant, type RequiredResourceAccess } from './graph';

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const AAD_GRAPH_APP_ID = '00000002-0000-0000-c000-000000000000';

/** The APIs offered in "Request API permissions", as the Entra portal names them. */
export const KNOWN_APIS = [
  {
    appId: MICROSOFT_GRAPH_APP_ID,
    name: 'Microsoft Graph',
    description: 'Take advantage of the tremendous amount of data in Microsoft Entra ID and Microsoft 365: users, applications, directory roles, audit and sign-in logs.',
  },
  {
    appId: AAD_GRAPH_APP_ID,
    name: 'Azure Active Directory Graph',
    description: 'Programmatic access to the directory (legacy: Microsoft Graph replaces it).',
  },
] as const;

export interface ApiAppRole {
  id: string;
  value: string;
  displayName: string;
  description?: string;
  isEnabled?: boolean;
  allowedMemberTypes?: string[];
}

export interface ApiPermissionScope {
  id: string;
  value: string;
  /** 'Admin': only an administrator may consent */
  type?: string;
  adminConsentDisplayName?: string;
  adminConsentDescription?: string;
  userConsentDisplayName?: string | null;
  userConsentDescription?: string | null;
  isEnabled?: boolean;
}

export interface ApiServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appRoles?: ApiAppRole[];
  oauth2PermissionScopes?: ApiPermissionScope[];
}

export type AccessType = 'Role' | 'Scope';

/** One permission an API offers, as the pickers list it. */
export interface ApiPermission {
  id: string;
  type: AccessType;
  value: string;
  displayName: string;
  description: string;
  adminConsentRequired: boolean;
}

/** The name of an API in the portal: its Entra portal name when it is a well-known one. */
export function apiName(resourceAppId: string, resource?: ApiServicePrincipal | null): string {
  const known = KNOWN_APIS.find((a) => a.appId === resourceAppId.toLowerCase());
  return known?.name ?? resource?.displayName ?? resourceAppId;
}

/** The application (type 'Role') or delegated (type 'Scope') permissions an API offers, by value. */
export function permissionsOf(resource: ApiServicePrincipal, type: AccessType): ApiPermission[] {
  const list: ApiPermission[] = type === 'Role'
    ? (resource.appRoles ?? [])
        .filter((r) => r.isEnabled !== false && (!r.allowedMemberTypes || r.allowedMemberTypes.includes('Application')))
        .map((r) => ({ id: r.id, type, value: r.value, displayName: r.displayName, description: r.description ?? '', adminConsentRequired: true }))
    : (resource.oauth2PermissionScopes ?? [])
        .filter((s) => s.isEnabled !== false)
        .map((s) => ({
          id: s.id,
          type,
          value: s.value,
          displayName: s.adminConsentDisplayName ?? s.userConsentDisplayName ?? '',
          description: s.adminConsentDescription ?? s.userConsentDescription ?? '',
          adminConsentRequired: s.type === 'Admin',
        }));
  return list.sort((a, b) => a.value.localeCompare(b.value));
}

/** The permission with this id and type, if the API offers it. */
export function findPermission(resource: ApiServicePrincipal | null | undefined, type: AccessType, id: string): ApiPermission | undefined {
  return resource ? permissionsOf(resource, type).find((p) => p.id.toLowerCase() === id.toLowerCase()) : undefined;
}

// ---------------------------------------------------------------- requiredResourceAccess

/** `current` with these permissions of one API added (each once; the other APIs unchanged, in order). */
export function addRequiredAccess(current: readonly RequiredResourceAccess[], resourceAppId: string, additions: readonly { id: string; type: AccessType }[]): RequiredResourceAccess[] {
  const out = current.map((r) => ({ ...r, resourceAccess: [...r.resourceAccess] }));
  let entry = out.find((r) => r.resourceAppId.toLowerCase() === resourceAppId.toLowerCase());
  if (!entry) {
    entry = { resourceAppId, resourceAccess: [] };
    out.push(entry);
  }
  for (const a of additions) {
    if (!entry.resourceAccess.some((x) => x.type === a.type && x.id.toLowerCase() === a.id.toLowerCase())) entry.resourceAccess.push({ id: a.id, type: a.type });
  }
  return out.filter((r) => r.resourceAccess.length > 0);
}

/** `current` without one permission (an API left without any is dropped). */
export function removeRequiredAccess(current: readonly RequiredResourceAccess[], resourceAppId: string, access: { id: string; type: AccessType }): RequiredResourceAccess[] {
  return current
    .map((r) => r.resourceAppId.toLowerCase() !== resourceAppId.toLowerCase()
      ? { ...r, resourceAccess: [...r.resourceAccess] }
      : { ...r, resourceAccess: r.resourceAccess.filter((x) => !(x.type === access.type && x.id.toLowerCase() === access.id.toLowerCase())) })
    .filter((r) => r.resourceAccess.length > 0);
}

/** A grant's scope with these values added: space-separated, each once, the existing ones first. */
export function mergeScope(existing: string, add: readonly string[]): string {
  return [...new Set([...existing.split(' '), ...add].filter(Boolean))].join(' ');
}

const scopeSet = (scope: string) => new Set(scope.split(' ').filter(Boolean));

// ---------------------------------------------------------------- Graph calls

const enc = encodeURIComponent;
const odataString = (v: string) => `'${v.replace(/'/g, "''")}'`;

export const permissionsApi = {
  /** `GET /servicePrincipals?$filter=appId eq '…'`: the service principal of an app in this tenant, or null. */
  servicePrincipalByAppId: async (appId: string): Promise<ApiServicePrincipal | null> =>
    (await graphList<ApiServicePrincipal>(`/v1.0/servicePrincipals?$filter=${enc(`appId eq ${odataString(appId)}`)}`))[0] ?? null,
  createServicePrincipal: (appId: string) => graphRequest<ApiServicePrincipal>('POST', '/v1.0/servicePrincipals', { appId }),
  /** App role assignments to `resourceSpId` held by `principalId` (the list is filtered here). */
  appRoleAssignments: async (resourceSpId: string, principalId: string): Promise<AppRoleAssignment[]> =>
    (await graphList<AppRoleAssignment>(`/v1.0/servicePrincipals/${enc(resourceSpId)}/appRoleAssignedTo`))
      .filter((a) => a.principalId.toLowerCase() === principalId.toLowerCase()),
  permissionGrants: (clientSpId: string) =>
    graphList<PermissionGrant>(`/v1.0/oauth2PermissionGrants?$filter=${enc(`clientId eq ${odataString(clientSpId)}`)}`),
  setRequiredResourceAccess: (applicationId: string, requiredResourceAccess: RequiredResourceAccess[]) =>
    graphRequest<void>('PATCH', `/v1.0/applications/${enc(applicationId)}`, { requiredResourceAccess }),
  assignAppRole: (resourceSpId: string, principalId: string, appRoleId: string) =>
    graphRequest<AppRoleAssignment>('POST', `/v1.0/servicePrincipals/${enc(resourceSpId)}/appRoleAssignedTo`, { principalId, resourceId: resourceSpId, appRoleId }),
  removeAppRoleAssignment: (resourceSpId: string, assignmentId: string) =>
    graphRequest<void>('DELETE', `/v1.0/servicePrincipals/${enc(resourceSpId)}/appRoleAssignedTo/${enc(assignmentId)}`),
  createAdminGrant: (clientId: string, resourceId: string, scope: string) =>
    graphRequest<PermissionGrant>('POST', '/v1.0/oauth2PermissionGrants', { clientId, consentType: 'AllPrincipals', resourceId, scope }),
  updateGrant: (id: string, scope: string) => graphRequest<void>('PATCH', `/v1.0/oauth2PermissionGrants/${enc(id)}`, { scope }),
  deleteGrant: (id: string) => graphRequest<void>('DELETE', `/v1.0/oauth2PermissionGrants/${enc(id)}`),
};

// ---------------------------------------------------------------- the configured permissions and their status

export interface ConfiguredPermission {
  key: string;
  resourceAppId: string;
  id: string;
  type: AccessType;
  /** the permission's value (`AuditLog.Read.All`), or its id when the API does not offer it */
  value: string;
  description: string;
  adminConsentRequired: boolean;
  known: boolean;
  granted: boolean;
  /** what revoking the admin consent removes */
  assignmentId?: string;
  grant?: PermissionGrant;
}

export interface PermissionGroup {
  resourceAppId: string;
  apiName: string;
  resource: ApiServicePrincipal | null;
  permissions: ConfiguredPermission[];
}

export interface PermissionsView {
  clientSp: ApiServicePrincipal | null;
  groups: PermissionGroup[];
}

const adminGrantOf = (grants: readonly PermissionGrant[], resourceId: string) =>
  grants.find((g) => g.consentType === 'AllPrincipals' && g.resourceId.toLowerCase() === resourceId.toLowerCase());

/** The app's configured permissions, per API, each with whether admin consent was granted for the tenant. */
export async function loadPermissionsView(app: Application): Promise<PermissionsView> {
  const [clientSp, ...resources] = await Promise.all([
    permissionsApi.servicePrincipalByAppId(app.appId),
    ...app.requiredResourceAccess.map((r) => permissionsApi.servicePrincipalByAppId(r.resourceAppId)),
  ]);
  const grants = clientSp ? await permissionsApi.permissionGrants(clientSp.id) : [];
  const groups = await Promise.all(app.requiredResourceAccess.map(async (rra, i): Promise<PermissionGroup> => {
    const resource = resources[i] ?? null;
    const assignments = clientSp && resource && rra.resourceAccess.some((a) => a.type === 'Role')
      ? await permissionsApi.appRoleAssignments(resource.id, clientSp.id)
      : [];
    const grant = resource ? adminGrantOf(grants, resource.id) : undefined;
    const granted = grant ? scopeSet(grant.scope) : new Set<string>();
    const permissions = rra.resourceAccess.map((access): ConfiguredPermission => {
      const type: AccessType = access.type === 'Role' ? 'Role' : 'Scope';
      const p = findPermission(resource, type, access.id);
      const base = {
        key: `${rra.resourceAppId}:${type}:${access.id}`,
        resourceAppId: rra.resourceAppId, id: access.id, type,
        value: p?.value ?? access.id, description: p?.displayName ?? '', adminConsentRequired: p?.adminConsentRequired ?? true, known: p !== undefined,
      };
      if (type === 'Role') {
        const assignment = assignments.find((a) => a.appRoleId.toLowerCase() === access.id.toLowerCase());
        return { ...base, granted: assignment !== undefined, ...(assignment ? { assignmentId: assignment.id } : {}) };
      }
      const ok = p !== undefined && granted.has(p.value);
      return { ...base, granted: ok, ...(ok && grant ? { grant } : {}) };
    });
    return { resourceAppId: rra.resourceAppId, apiName: apiName(rra.resourceAppId, resource), resource, permissions };
  }));
  return { clientSp, groups };
}

export interface ConsentOutcome {
  createdServicePrincipal: boolean;
  assigned: number;
  grantsCreated: number;
  grantsUpdated: number;
  /** configured permissions that could not be granted (an API or a permission this tenant does not know) */
  skipped: string[];
}

/**
 * Grants admin consent for every configured permission not yet granted: an app role assignment per
 * application permission; for the delegated ones of an API, its tenant-wide grant widened (PATCH)
 * or created (POST). The app's service principal is created first when it has none. Statuses are
 * read again here, so what another admin granted meanwhile is not sent twice.
 */
export async function grantAdminConsent(app: Application): Promise<ConsentOutcome> {
  const out: ConsentOutcome = { createdServicePrincipal: false, assigned: 0, grantsCreated: 0, grantsUpdated: 0, skipped: [] };
  let clientSp = await permissionsApi.servicePrincipalByAppId(app.appId);
  if (!clientSp) {
    clientSp = await permissionsApi.createServicePrincipal(app.appId);
    out.createdServicePrincipal = true;
  }
  const grants = await permissionsApi.permissionGrants(clientSp.id);
  for (const rra of app.requiredResourceAccess) {
    const resource = await permissionsApi.servicePrincipalByAppId(rra.resourceAppId);
    if (!resource) {
      out.skipped.push(...rra.resourceAccess.map((a) => `${apiName(rra.resourceAppId)} / ${a.id}`));
      continue;
    }
    const roles = rra.resourceAccess.filter((a) => a.type === 'Role');
    if (roles.length > 0) {
      const held = new Set((await permissionsApi.appRoleAssignments(resource.id, clientSp.id)).map((a) => a.appRoleId.toLowerCase()));
      for (const r of roles) {
        if (held.has(r.id.toLowerCase())) continue;
        if (!findPermission(resource, 'Role', r.id)) {
          out.skipped.push(`${apiName(rra.resourceAppId, resource)} / ${r.id}`);
          continue;
        }
        await permissionsApi.assignAppRole(resource.id, clientSp.id, r.id);
        held.add(r.id.toLowerCase());
        out.assigned++;
      }
    }
    const values: string[] = [];
    for (const s of rra.resourceAccess.filter((a) => a.type === 'Scope')) {
      const p = findPermission(resource, 'Scope', s.id);
      if (p) values.push(p.value);
      else out.skipped.push(`${apiName(rra.resourceAppId, resource)} / ${s.id}`);
    }
    if (values.length === 0) continue;
    const existing = adminGrantOf(grants, resource.id);
    if (existing) {
      const merged = mergeScope(existing.scope, values);
      if (merged !== existing.scope) {
        await permissionsApi.updateGrant(existing.id, merged);
        existing.scope = merged;
        out.grantsUpdated++;
      }
    } else {
      grants.push(await permissionsApi.createAdminGrant(clientSp.id, resource.id, mergeScope('', values)));
      out.grantsCreated++;
    }
  }
  return out;
}

/** Withdraws the admin consent of one permission: its app role assignment, or its value from the API's tenant-wide grant. */
export async function revokeAdminConsent(p: ConfiguredPermission, resource: ApiServicePrincipal): Promise<void> {
  if (p.type === 'Role') {
    if (!p.assignmentId) throw new GraphError(0, 'ClientError', `${p.value} is not granted.`);
    await permissionsApi.removeAppRoleAssignment(resource.id, p.assignmentId);
    return;
  }
  if (!p.grant) throw new GraphError(0, 'ClientError', `${p.value} is not granted.`);
  // the grant as it is now (what was read for the table may be older): only this value goes
  const grantId = p.grant.id;
  const current = (await permissionsApi.permissionGrants(p.grant.clientId)).find((g) => g.id === grantId);
  if (!current) return;
  const rest = [...scopeSet(current.scope)].filter((s) => s !== p.value);
  if (rest.length === 0) await permissionsApi.deleteGrant(current.id);
  else if (rest.length !== scopeSet(current.scope).size) await permissionsApi.updateGrant(current.id, rest.join(' '));
}
