import type { PermissionDef, ResourceApp } from './catalog.js';

/** Graph shapes of a resource's permissions, as its service principal exposes them. */
export function appRolesOf(perms: readonly PermissionDef[]): Record<string, unknown>[] {
  return perms
    .filter((p) => p.roleId)
    .map((p) => ({
      allowedMemberTypes: ['Application'],
      description: p.description,
      displayName: p.displayName,
      id: p.roleId,
      isEnabled: true,
      origin: 'Application',
      value: p.value,
    }));
}

export function scopesOf(perms: readonly PermissionDef[]): Record<string, unknown>[] {
  return perms
    .filter((p) => p.scopeId)
    .map((p) => ({
      adminConsentDescription: p.description,
      adminConsentDisplayName: p.displayName,
      id: p.scopeId,
      isEnabled: true,
      type: p.adminConsentRequired ? 'Admin' : 'User',
      userConsentDescription: p.adminConsentRequired ? null : p.description,
      userConsentDisplayName: p.adminConsentRequired ? null : p.displayName,
      value: p.value,
    }));
}

export interface ServicePrincipalBody {
  appRoles: Record<string, unknown>[];
  oauth2PermissionScopes: Record<string, unknown>[];
  servicePrincipalNames: string[];
  tags: string[];
  replyUrls: string[];
}

export function resourceServicePrincipalBody(app: ResourceApp): ServicePrincipalBody {
  return {
    appRoles: appRolesOf(app.permissions),
    oauth2PermissionScopes: scopesOf(app.permissions),
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    tags: [],
    replyUrls: [],
  };
}
