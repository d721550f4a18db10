import type { Actor } from './actor.js';
import { ROLE } from './catalog.js';
import { insufficientPrivileges } from './errors.js';

/**
 * Entra's rule for delegated calls is the intersection of what the app was granted (scopes) and what
 * the user may do (directory roles); for app-only calls, the application permissions alone.
 */
export interface Requirement {
  /** delegated scopes, any of which suffices */
  scopes: readonly string[];
  /** application permissions, any of which suffices */
  appRoles: readonly string[];
  /** directory roles the signed-in user needs (any); undefined = every member user may */
  userRoles?: readonly string[];
  /** additionally allowed when this predicate holds for the user (e.g. owner of the object) */
  userAllowed?: () => boolean;
}

export function isAllowed(actor: Actor, req: Requirement): boolean {
  switch (actor.kind) {
    case 'system':
      return true;
    case 'app':
      return req.appRoles.some((r) => actor.appRoles.has(r));
    case 'user': {
      if (!req.scopes.some((s) => actor.scopes.has(s))) return false;
      if (!req.userRoles) return true;
      if (req.userRoles.some((r) => actor.roles.includes(r))) return true;
      return req.userAllowed?.() ?? false;
    }
  }
}

export function authorize(actor: Actor, req: Requirement): void {
  if (!isAllowed(actor, req)) throw insufficientPrivileges();
}

export const APP_ADMIN_ROLES = [ROLE.globalAdministrator, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator] as const;
export const CONSENT_ADMIN_ROLES = [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator] as const;
export const USER_ADMIN_ROLES = [ROLE.globalAdministrator, ROLE.userAdministrator] as const;

const APPLICATION_READ_PERMISSIONS = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] as const;

/** Reading applications, service principals, their app role assignments and permission grants. */
export const READ_APPLICATIONS: Requirement = { scopes: APPLICATION_READ_PERMISSIONS, appRoles: APPLICATION_READ_PERMISSIONS };

const ROLE_MANAGEMENT_READ_PERMISSIONS = ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'] as const;

/** Reading directory roles, their members and role definitions: every member user may (Entra's default user permissions). */
export const READ_DIRECTORY_ROLES: Requirement = { scopes: [...ROLE_MANAGEMENT_READ_PERMISSIONS, 'Directory.AccessAsUser.All'], appRoles: ROLE_MANAGEMENT_READ_PERMISSIONS };

/** Listing unifiedRoleAssignments: delegated callers need a role that reads role assignments (Graph names Global Reader and Privileged Role Administrator as the least privileged). */
export const READ_ROLE_ASSIGNMENTS: Requirement = {
  scopes: ROLE_MANAGEMENT_READ_PERMISSIONS, appRoles: ROLE_MANAGEMENT_READ_PERMISSIONS,
  userRoles: [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.globalReader],
};

/**
 * Roles whose holders a User Administrator may still disable, delete or reset the password of, as
 * Entra's "Who can perform sensitive actions" tables have it (over the roles Tenantry knows).
 */
export const LIMITED_ADMIN_ROLES: readonly string[] = [ROLE.reportsReader, ROLE.userAdministrator];

/**
 * Sensitive actions on a user (accountEnabled, passwordProfile, delete): a Global Administrator may
 * on anyone; a User Administrator on users without a role or with only limited admin roles. App-only
 * callers need such a directory role too, except that User.ReadWrite.All alone may disable or delete
 * users without any role (not reset their passwords).
 */
export function maySensitivelyManage(actor: Actor, targetRoles: readonly string[], opts: { password?: boolean } = {}): boolean {
  if (actor.kind === 'system') return true;
  if (actor.roles.includes(ROLE.globalAdministrator)) return true;
  if (actor.roles.includes(ROLE.userAdministrator)) return targetRoles.every((r) => LIMITED_ADMIN_ROLES.includes(r));
  return actor.kind === 'app' && !opts.password && targetRoles.length === 0;
}
