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
