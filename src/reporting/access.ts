import type { Actor } from '../directory/actor.js';
import { ROLE } from '../directory/catalog.js';
import { DirectoryError } from '../directory/errors.js';

export type Report = 'signIns' | 'directoryAudits' | 'provisioning';

/** Directory roles that may read the activity logs through a delegated token. */
export const REPORTING_ROLES: readonly string[] = [
  ROLE.globalAdministrator, ROLE.securityAdministrator, ROLE.securityReader, ROLE.securityOperator, ROLE.reportsReader, ROLE.globalReader,
];

/** Roles that may read the provisioning logs: the reporting roles and the application administrators (contract §1.1). */
export const PROVISIONING_ROLES: readonly string[] = [...REPORTING_ROLES, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator];

export interface TenantFacts {
  license: 'none' | 'P1' | 'P2';
  type: 'standard' | 'b2c';
}

export interface AccessPolicy {
  /** also require Directory.Read.All for sign-ins (contract note A, strict compatibility) */
  strictDirectoryRead: boolean;
}

const forbidden = (code: string, message: string) => new DirectoryError('forbidden', code, message);

/**
 * The seed's prerequisites, checked in the order Graph reports them: API permission, then the
 * signed-in user's role, then (for sign-ins) the tenant's licence. ownSignInsOnly: the request can
 * only return the caller's own sign-ins.
 */
export function checkReportingAccess(actor: Actor, tenant: TenantFacts, report: Report, policy: AccessPolicy, ownSignInsOnly = false): void {
  if (actor.kind !== 'system') {
    const granted = actor.kind === 'app' ? actor.appRoles : actor.scopes;
    if (!granted.has('AuditLog.Read.All')) {
      throw forbidden('Authentication_MSGraphPermissionMissing', 'Calling principal does not have required MSGraph permissions AuditLog.Read.All');
    }
    if (report === 'signIns' && policy.strictDirectoryRead && !granted.has('Directory.Read.All') && !granted.has('Directory.ReadWrite.All')) {
      // AuditLog.Read.All alone historically failed Graph's premium-licence check (contract note A, §3.2)
      throw forbidden('Authentication_ApplicationHasNoDirectoryReadAccess', 'Failed to do premium license check from ADGraph');
    }
    // any user may read their own sign-ins (contract §1.1); everything else needs a reporting role
    if (actor.kind === 'user' && !(ownSignInsOnly && report === 'signIns') && !actor.roles.some((r) => (report === 'provisioning' ? PROVISIONING_ROLES : REPORTING_ROLES).includes(r))) {
      throw forbidden('Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
    }
  }
  if (report === 'signIns' && tenant.type !== 'b2c' && tenant.license === 'none') {
    throw forbidden('Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  }
}
