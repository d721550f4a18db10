import { newId } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import { isUniqueViolation, type Executor } from '../store/db.js';
import * as appsRepo from '../store/repositories/applications.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import * as usersRepo from '../store/repositories/users.js';
import type { AppRoleAssignmentRow, PermissionGrantRow, ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { Actor } from './actor.js';
import type { ApplicationBody } from './applications.js';
import { auditValue, recordAudit } from './audit.js';
import { APP_ADMIN_ROLES, authorize, CONSENT_ADMIN_ROLES, READ_APPLICATIONS } from './authz.js';
import { FIRST_PARTY_CLIENTS, RESOURCE_APPS, type ResourceApp } from './catalog.js';
import type { DirectoryContext } from './context.js';
import { badRequest, DirectoryError, notFound } from './errors.js';
import type { ServicePrincipalBody } from './principals.js';
import type { DirectoryReads } from './snapshot.js';
import { asObject, rejectUnknown } from './validate.js';

export interface ServicePrincipal extends ServicePrincipalBody {
  id: string;
  appId: string;
  appDisplayName: string;
  displayName: string;
  servicePrincipalType: string;
  appOwnerOrganizationId: string | null;
  accountEnabled: boolean;
  createdDateTime: number;
}

export function toServicePrincipal(row: ServicePrincipalRow): ServicePrincipal {
  const body = JSON.parse(row.body) as ServicePrincipalBody;
  return {
    ...body, id: row.id, appId: row.app_id, appDisplayName: row.display_name, displayName: row.display_name,
    servicePrincipalType: row.service_principal_type, appOwnerOrganizationId: row.app_owner_organization_id,
    accountEnabled: true, createdDateTime: row.created_at,
  };
}

export async function listServicePrincipals(ctx: DirectoryContext, actor: Actor, filter: { appId?: string } = {}): Promise<ServicePrincipal[]> {
  authorize(actor, READ_APPLICATIONS);
  if (filter.appId !== undefined && !isGuid(filter.appId)) return [];
  const rows = await spRepo.listServicePrincipals(ctx.store.db, actor.tenantId, { appId: filter.appId?.toLowerCase(), limit: 999 });
  return rows.map(toServicePrincipal);
}

async function loadSp(ctx: DirectoryContext, tenantId: string, key: { id?: string; appId?: string }): Promise<ServicePrincipalRow> {
  const row = key.id !== undefined
    ? isGuid(key.id) ? await spRepo.getServicePrincipal(ctx.store.db, tenantId, key.id.toLowerCase()) : undefined
    : isGuid(key.appId) ? await spRepo.findServicePrincipalByAppId(ctx.store.db, tenantId, key.appId.toLowerCase()) : undefined;
  if (!row) throw notFound(key.id ?? key.appId ?? '');
  return row;
}

export type SpKey = { id: string } | { appId: string };

export async function getServicePrincipal(ctx: DirectoryContext, actor: Actor, key: SpKey): Promise<ServicePrincipal> {
  authorize(actor, READ_APPLICATIONS);
  return toServicePrincipal(await loadSp(ctx, actor.tenantId, key));
}

export async function createServicePrincipal(ctx: DirectoryContext, actor: Actor, rawBody: unknown): Promise<ServicePrincipal> {
  const json = asObject(rawBody, 'servicePrincipal');
  rejectUnknown(json, ['appId', 'accountEnabled', 'tags', 'appRoleAssignmentRequired'], 'servicePrincipal');
  if (!isGuid(json.appId)) throw badRequest("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.");
  const appId = json.appId.toLowerCase();
  const app = await appsRepo.findApplicationByAppId(ctx.store.db, actor.tenantId, appId);
  if (!app) {
    throw new DirectoryError('badRequest', 'Request_BadRequest', `The appId '${appId}' of the service principal does not reference a valid application object.`);
  }
  const appBody = JSON.parse(app.body) as ApplicationBody;
  authorize(actor, {
    scopes: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'], appRoles: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
    userRoles: APP_ADMIN_ROLES, userAllowed: () => actor.kind === 'user' && appBody.ownerIds.includes(actor.userId),
  });
  const row: ServicePrincipalRow = {
    tenant_id: actor.tenantId, id: newId(), app_id: appId, display_name: app.display_name, app_owner_organization_id: actor.tenantId,
    service_principal_type: 'Application', builtin: 0, public_client: app.is_fallback_public_client,
    body: JSON.stringify({ appRoles: [], oauth2PermissionScopes: [], servicePrincipalNames: [appId, ...appBody.identifierUris], tags: [], replyUrls: appBody.web.redirectUris } satisfies ServicePrincipalBody),
    created_at: 0,
  };
  try {
    await ctx.store.transaction(async (trx) => {
      row.created_at = ctx.clock();
      await spRepo.insertServicePrincipal(trx, row);
      await recordAudit(trx, actor, {
        activityDisplayName: 'Add service principal', category: 'ApplicationManagement', operationType: 'Add',
        targets: [{ id: row.id, displayName: row.display_name, type: 'ServicePrincipal', modifiedProperties: [
          { displayName: 'AccountEnabled', oldValue: null, newValue: auditValue(true) },
          { displayName: 'AppPrincipalId', oldValue: null, newValue: auditValue(appId) },
          { displayName: 'DisplayName', oldValue: null, newValue: auditValue(row.display_name) },
          { displayName: 'ServicePrincipalName', oldValue: null, newValue: JSON.stringify([appId]) },
        ] }],
      }, row.created_at);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badRequest('The service principal name is already present for the tenant', 'Request_MultipleObjectsWithSameKeyValue');
    throw err;
  }
  return toServicePrincipal(row);
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: number;
  deletedDateTime: null;
  principalDisplayName: string;
  principalId: string;
  principalType: string;
  resourceDisplayName: string;
  resourceId: string;
}

function toAssignment(r: AppRoleAssignmentRow): AppRoleAssignment {
  return {
    id: r.id, appRoleId: r.app_role_id, createdDateTime: r.created_at, deletedDateTime: null, principalDisplayName: r.principal_display_name,
    principalId: r.principal_id, principalType: r.principal_type, resourceDisplayName: r.resource_display_name, resourceId: r.resource_id,
  };
}

export async function listAppRoleAssignedTo(ctx: DirectoryContext, actor: Actor, resourceSpId: string): Promise<AppRoleAssignment[]> {
  authorize(actor, READ_APPLICATIONS);
  const sp = await loadSp(ctx, actor.tenantId, { id: resourceSpId });
  return (await spRepo.listAppRoleAssignmentsToResource(ctx.store.db, actor.tenantId, sp.id)).map(toAssignment);
}

const CONSENT_REQUIREMENT = {
  scopes: ['AppRoleAssignment.ReadWrite.All'], appRoles: ['AppRoleAssignment.ReadWrite.All'], userRoles: CONSENT_ADMIN_ROLES,
};

/** Admin consent to an application permission: an app role assignment to the client's service principal. */
export async function assignAppRole(ctx: DirectoryContext, actor: Actor, resourceSpId: string, rawBody: unknown): Promise<AppRoleAssignment> {
  authorize(actor, CONSENT_REQUIREMENT);
  const json = asObject(rawBody, 'appRoleAssignment');
  rejectUnknown(json, ['principalId', 'resourceId', 'appRoleId'], 'appRoleAssignment');
  for (const k of ['principalId', 'resourceId', 'appRoleId'] as const) {
    if (!isGuid(json[k])) throw badRequest(`Invalid value specified for property '${k}' of resource 'AppRoleAssignment'.`);
  }
  const resource = await loadSp(ctx, actor.tenantId, { id: resourceSpId });
  if (String(json.resourceId).toLowerCase() !== resource.id) {
    throw badRequest("The resourceId in the request body does not match the service principal in the URL.");
  }
  const appRoleId = String(json.appRoleId).toLowerCase();
  const role = (JSON.parse(resource.body) as ServicePrincipalBody).appRoles.find((r) => r.id === appRoleId);
  if (!role) throw badRequest('Permission being assigned was not found on application', 'Request_BadRequest');
  const principalId = String(json.principalId).toLowerCase();
  const principalSp = await spRepo.getServicePrincipal(ctx.store.db, actor.tenantId, principalId);
  const principalUser = principalSp ? undefined : await usersRepo.getUser(ctx.store.db, actor.tenantId, principalId);
  if (!principalSp && !principalUser) throw notFound(principalId);
  const row: AppRoleAssignmentRow = {
    tenant_id: actor.tenantId, id: newId(), principal_id: principalId, principal_type: principalSp ? 'ServicePrincipal' : 'User',
    principal_display_name: principalSp?.display_name ?? principalUser!.display_name, resource_id: resource.id,
    resource_display_name: resource.display_name, app_role_id: appRoleId, created_at: 0,
  };
  try {
    await ctx.store.transaction(async (trx) => {
      row.created_at = ctx.clock();
      await spRepo.insertAppRoleAssignment(trx, row);
      await recordAudit(trx, actor, {
        activityDisplayName: 'Add app role assignment to service principal', category: 'ApplicationManagement', operationType: 'Assign',
        targets: [
          { id: principalId, displayName: row.principal_display_name, type: principalSp ? 'ServicePrincipal' : 'User', modifiedProperties: [
            { displayName: 'AppRole.Id', oldValue: null, newValue: auditValue(appRoleId) },
            { displayName: 'AppRole.Value', oldValue: null, newValue: auditValue(role.value) },
            { displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: auditValue(resource.id) },
            { displayName: 'ServicePrincipal.DisplayName', oldValue: null, newValue: auditValue(resource.display_name) },
            { displayName: 'ServicePrincipal.AppId', oldValue: null, newValue: auditValue(resource.app_id) },
          ] },
          { id: resource.id, displayName: resource.display_name, type: 'ServicePrincipal' },
        ],
      }, row.created_at);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badRequest('Permission being assigned already exists on the object', 'Request_BadRequest');
    throw err;
  }
  return toAssignment(row);
}

export async function removeAppRoleAssignment(ctx: DirectoryContext, actor: Actor, resourceSpId: string, assignmentId: string): Promise<void> {
  authorize(actor, CONSENT_REQUIREMENT);
  await ctx.store.transaction(async (trx) => {
    const a = await spRepo.getAppRoleAssignment(trx, actor.tenantId, assignmentId);
    if (!a || a.resource_id !== resourceSpId.toLowerCase()) throw notFound(assignmentId);
    await spRepo.deleteAppRoleAssignment(trx, actor.tenantId, a.id);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Remove app role assignment from service principal', category: 'ApplicationManagement', operationType: 'Unassign',
      targets: [
        { id: a.principal_id, displayName: a.principal_display_name, type: a.principal_type === 'User' ? 'User' : 'ServicePrincipal', modifiedProperties: [
          { displayName: 'AppRole.Id', oldValue: auditValue(a.app_role_id), newValue: null },
        ] },
        { id: a.resource_id, displayName: a.resource_display_name, type: 'ServicePrincipal' },
      ],
    }, ctx.clock());
  });
}

export interface PermissionGrant {
  id: string;
  clientId: string;
  consentType: string;
  principalId: string | null;
  resourceId: string;
  scope: string;
}

const toGrant = (g: PermissionGrantRow): PermissionGrant => ({
  id: g.id, clientId: g.client_id, consentType: g.consent_type, principalId: g.principal_id, resourceId: g.resource_id, scope: g.scope,
});

export async function listPermissionGrants(ctx: DirectoryContext, actor: Actor, filter: { clientId?: string; resourceId?: string } = {}): Promise<PermissionGrant[]> {
  authorize(actor, READ_APPLICATIONS);
  return (await spRepo.listPermissionGrants(ctx.store.db, actor.tenantId, filter)).map(toGrant);
}

/** Delegated consent: AllPrincipals (admin consent) or for one user. */
export async function createPermissionGrant(ctx: DirectoryContext, actor: Actor, rawBody: unknown): Promise<PermissionGrant> {
  const json = asObject(rawBody, 'oAuth2PermissionGrant');
  rejectUnknown(json, ['clientId', 'consentType', 'principalId', 'resourceId', 'scope', 'startTime', 'expiryTime'], 'oAuth2PermissionGrant');
  if (!isGuid(json.clientId) || !isGuid(json.resourceId)) throw badRequest("Invalid value specified for property 'clientId' or 'resourceId' of resource 'OAuth2PermissionGrant'.");
  const consentType = json.consentType;
  if (consentType !== 'AllPrincipals' && consentType !== 'Principal') throw badRequest("Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.");
  const principalId = consentType === 'Principal' ? (isGuid(json.principalId) ? json.principalId.toLowerCase() : null) : null;
  if (consentType === 'Principal' && !principalId) throw badRequest("Invalid value specified for property 'principalId' of resource 'OAuth2PermissionGrant'.");
  if (consentType === 'AllPrincipals' && json.principalId !== undefined && json.principalId !== null) throw badRequest("principalId must be null when consentType is 'AllPrincipals'.");
  const scopeText = typeof json.scope === 'string' ? json.scope.trim() : '';
  const scopes = scopeText.split(/\s+/).filter(Boolean);
  if (scopes.length === 0 || scopes.length > 100) throw badRequest("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.");

  const client = await loadSp(ctx, actor.tenantId, { id: json.clientId });
  const resource = await loadSp(ctx, actor.tenantId, { id: json.resourceId });
  const published = (JSON.parse(resource.body) as ServicePrincipalBody).oauth2PermissionScopes;
  for (const s of scopes) {
    if (!published.some((p) => p.value === s)) throw badRequest(`Invalid scope '${s}' for the resource '${resource.display_name}'.`);
  }
  const needsAdmin = consentType === 'AllPrincipals' || scopes.some((s) => published.find((p) => p.value === s)?.type === 'Admin') || (actor.kind === 'user' && principalId !== actor.userId);
  authorize(actor, {
    scopes: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'], appRoles: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
    userRoles: CONSENT_ADMIN_ROLES, userAllowed: () => !needsAdmin,
  });
  // a personal grant is for a user of this tenant: any other id is unknown here, as Graph answers
  // (checked once the caller may grant at all, so the answer tells nothing to others)
  if (principalId !== null && !(await usersRepo.getUser(ctx.store.db, actor.tenantId, principalId))) throw notFound(principalId);
  const row: PermissionGrantRow = {
    tenant_id: actor.tenantId, id: newId(), client_id: client.id, consent_type: consentType, principal_id: principalId, resource_id: resource.id,
    scope: scopes.join(' '), created_at: 0,
  };
  await ctx.store.transaction(async (trx) => {
    row.created_at = ctx.clock();
    await spRepo.insertPermissionGrant(trx, row);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Add delegated permission grant', category: 'ApplicationManagement', operationType: 'Assign',
      targets: [
        { id: resource.id, displayName: resource.display_name, type: 'ServicePrincipal', modifiedProperties: [
          { displayName: 'DelegatedPermissionGrant.Scope', oldValue: null, newValue: auditValue(row.scope) },
          { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: null, newValue: auditValue(consentType) },
          { displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: auditValue(client.id) },
        ] },
        { id: client.id, displayName: client.display_name, type: 'ServicePrincipal' },
      ],
    }, row.created_at);
  });
  return toGrant(row);
}

const GRANT_WRITE = {
  scopes: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'], appRoles: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'],
  userRoles: CONSENT_ADMIN_ROLES,
};

async function loadGrant(ex: Executor, tenantId: string, id: string): Promise<PermissionGrantRow> {
  const g = typeof id === 'string' && id.length <= 128 ? await spRepo.getPermissionGrant(ex, tenantId, id) : undefined;
  if (!g) throw notFound(id);
  return g;
}

/** PATCH /oauth2PermissionGrants/{id}: only `scope` changes (widen or narrow a consent). */
export async function updatePermissionGrant(ctx: DirectoryContext, actor: Actor, id: string, rawBody: unknown): Promise<void> {
  authorize(actor, GRANT_WRITE);
  const json = asObject(rawBody, 'oAuth2PermissionGrant');
  rejectUnknown(json, ['scope'], 'oAuth2PermissionGrant');
  const scopes = (typeof json.scope === 'string' ? json.scope.trim() : '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0 || scopes.length > 100) throw badRequest("Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.");
  await ctx.store.transaction(async (trx) => {
    const g = await loadGrant(trx, actor.tenantId, id);
    const resource = await spRepo.getServicePrincipal(trx, actor.tenantId, g.resource_id);
    if (!resource) throw notFound(g.resource_id);
    const published = (JSON.parse(resource.body) as ServicePrincipalBody).oauth2PermissionScopes;
    for (const s of scopes) if (!published.some((p) => p.value === s)) throw badRequest(`Invalid scope '${s}' for the resource '${resource.display_name}'.`);
    const scope = [...new Set(scopes)].join(' ');
    await spRepo.updatePermissionGrantScope(trx, actor.tenantId, g.id, scope);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Update delegated permission grant', category: 'ApplicationManagement', operationType: 'Update',
      targets: [
        { id: resource.id, displayName: resource.display_name, type: 'ServicePrincipal', modifiedProperties: [
          { displayName: 'DelegatedPermissionGrant.Scope', oldValue: auditValue(g.scope), newValue: auditValue(scope) },
        ] },
        { id: g.client_id, displayName: null, type: 'ServicePrincipal' },
      ],
    }, ctx.clock());
  });
}

/** DELETE /oauth2PermissionGrants/{id}: the consent is withdrawn; tokens already issued live on until they expire. */
export async function deletePermissionGrant(ctx: DirectoryContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, GRANT_WRITE);
  await ctx.store.transaction(async (trx) => {
    const g = await loadGrant(trx, actor.tenantId, id);
    await spRepo.deletePermissionGrant(trx, actor.tenantId, g.id);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Remove delegated permission grant', category: 'ApplicationManagement', operationType: 'Unassign',
      targets: [
        { id: g.resource_id, displayName: null, type: 'ServicePrincipal', modifiedProperties: [
          { displayName: 'DelegatedPermissionGrant.Scope', oldValue: auditValue(g.scope), newValue: null },
        ] },
        { id: g.client_id, displayName: null, type: 'ServicePrincipal' },
      ],
    }, ctx.clock());
  });
}

/** Resolves a scope/resource string (https://graph.microsoft.com/.default, an appId, an identifier URI) to its resource app. */
export function resourceAppFor(resource: string) {
  const r = resource.toLowerCase().replace(/\/+$/, '');
  return RESOURCE_APPS.find((a) => a.appId === r || a.identifierUris.some((u) => u.toLowerCase().replace(/\/+$/, '') === r));
}

/** Application permissions consented for client on resource (values of the roles claim). */
export async function consentedAppRoles(reads: DirectoryReads, clientSpId: string, resource: ResourceApp, resourceSpId: string): Promise<string[]> {
  const assignments = await reads.appRoleAssignmentsOf(clientSpId);
  return assignments
    .filter((a) => a.resource_id === resourceSpId)
    .map((a) => resource.permissions.find((p) => p.roleId === a.app_role_id)?.value)
    .filter((v): v is string => typeof v === 'string')
    .sort();
}

/** Delegated scopes a user's token for client on resource may carry: tenant-wide and personal grants, plus pre-authorisations. */
export async function consentedScopes(reads: DirectoryReads, client: { spId: string; appId: string }, resourceSp: ServicePrincipalRow, userId: string): Promise<Set<string>> {
  const grants = await reads.permissionGrants(client.spId, resourceSp.id);
  const out = new Set<string>();
  for (const g of grants) {
    if (g.consent_type === 'AllPrincipals' || g.principal_id === userId) for (const s of g.scope.split(' ')) out.add(s);
  }
  const fp = FIRST_PARTY_CLIENTS.find((c) => c.appId === client.appId);
  for (const s of fp?.preAuthorized[resourceSp.app_id] ?? []) out.add(s);
  return out;
}
