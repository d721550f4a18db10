import * as appsRepo from '../store/repositories/applications.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import * as usersRepo from '../store/repositories/users.js';
import type { ApplicationRow, PasswordCredentialRow } from '../store/repositories/applications.js';
import type { AppRoleAssignmentRow, PermissionGrantRow, ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { DirectoryContext } from './context.js';

/** The directory reads a token request needs: clients, credentials, consent and roles. */
export interface DirectoryReads {
  servicePrincipalByAppId(appId: string): Promise<ServicePrincipalRow | undefined>;
  applicationByAppId(appId: string): Promise<ApplicationRow | undefined>;
  passwordCredentials(applicationId: string): Promise<PasswordCredentialRow[]>;
  appRoleAssignmentsOf(principalId: string): Promise<AppRoleAssignmentRow[]>;
  roleIdsOf(principalId: string): Promise<string[]>;
  permissionGrants(clientSpId: string, resourceSpId: string): Promise<PermissionGrantRow[]>;
}

export function liveReads(ctx: DirectoryContext, tenantId: string): DirectoryReads {
  const db = ctx.store.db;
  return {
    servicePrincipalByAppId: (appId) => spRepo.findServicePrincipalByAppId(db, tenantId, appId),
    applicationByAppId: (appId) => appsRepo.findApplicationByAppId(db, tenantId, appId),
    passwordCredentials: (applicationId) => appsRepo.listPasswordCredentials(db, tenantId, applicationId),
    appRoleAssignmentsOf: (principalId) => spRepo.listAppRoleAssignmentsOfPrincipal(db, tenantId, principalId),
    roleIdsOf: (principalId) => usersRepo.roleIdsOfPrincipal(db, tenantId, principalId),
    permissionGrants: (clientSpId, resourceSpId) => spRepo.listPermissionGrants(db, tenantId, { clientId: clientSpId, resourceId: resourceSpId }),
  };
}

interface Snapshot {
  version: number;
  values: Map<string, Promise<unknown>>;
}

const MAX_TENANTS = 1_000;
const MAX_KEYS_PER_TENANT = 20_000;

/**
 * Directory reads cached per tenant and directory version. Every directory change bumps the
 * version in its own transaction (with its audit record), and each token request reads the version
 * with the tenant, so a change made by any process is seen by the next request: the cache only
 * saves reads between changes. Users are not cached (sign-in checks their state live).
 */
export class DirectorySnapshots {
  private readonly tenants = new Map<string, Snapshot>();

  constructor(private readonly ctx: DirectoryContext) {}

  for(tenant: { id: string; version: number }): DirectoryReads {
    let snap = this.tenants.get(tenant.id);
    if (!snap || snap.version !== tenant.version) {
      if (!snap && this.tenants.size >= MAX_TENANTS) this.tenants.delete(this.tenants.keys().next().value as string);
      snap = { version: tenant.version, values: new Map() };
      this.tenants.set(tenant.id, snap);
    }
    const values = snap.values;
    const live = liveReads(this.ctx, tenant.id);
    const memo = <T>(key: string, load: () => Promise<T>): Promise<T> => {
      const hit = values.get(key) as Promise<T> | undefined;
      if (hit) return hit;
      if (values.size >= MAX_KEYS_PER_TENANT) values.clear();
      const p = load();
      values.set(key, p);
      p.catch(() => values.delete(key));
      return p;
    };
    return {
      servicePrincipalByAppId: (appId) => memo(`sp:${appId}`, () => live.servicePrincipalByAppId(appId)),
      applicationByAppId: (appId) => memo(`app:${appId}`, () => live.applicationByAppId(appId)),
      passwordCredentials: (id) => memo(`pwd:${id}`, () => live.passwordCredentials(id)),
      appRoleAssignmentsOf: (id) => memo(`ara:${id}`, () => live.appRoleAssignmentsOf(id)),
      roleIdsOf: (id) => memo(`roles:${id}`, () => live.roleIdsOf(id)),
      permissionGrants: (c, r) => memo(`grants:${c}:${r}`, () => live.permissionGrants(c, r)),
    };
  }
}
