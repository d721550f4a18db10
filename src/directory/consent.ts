import { newId } from '../lib/crypto.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import type { ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { UserRow } from '../store/repositories/users.js';
import type { UserActor } from './actor.js';
import { auditValue, recordAudit } from './audit.js';
import type { DirectoryContext } from './context.js';

export interface ConsentInput {
  user: UserRow;
  /** the user's directory roles (template ids) */
  roles: readonly string[];
  clientSp: ServicePrincipalRow;
  resourceSp: ServicePrincipalRow;
  scopes: readonly string[];
  /** admin consent on behalf of the organisation (AllPrincipals) rather than for the user alone */
  onBehalfOfAll: boolean;
  ipAddress: string | null;
  userAgent: string | null;
  correlationId: string;
}

/**
 * Consent given on the sign-in page: the delegated permission grant (widened when one exists) and
 * Entra's two audit records, "Consent to application" and "Add delegated permission grant" (or
 * "Update delegated permission grant"), in one transaction. Who may consent to what is decided by
 * the caller (the authorization endpoint) before this runs.
 */
export async function recordConsent(ctx: DirectoryContext, c: ConsentInput): Promise<void> {
  const tenantId = c.user.tenant_id;
  const actor: UserActor = {
    kind: 'user', tenantId, userId: c.user.id, userPrincipalName: c.user.user_principal_name, displayName: c.user.display_name,
    roles: c.roles, scopes: new Set(), clientAppId: c.clientSp.app_id, ipAddress: c.ipAddress, userAgent: c.userAgent, correlationId: c.correlationId,
  };
  const consentType = c.onBehalfOfAll ? 'AllPrincipals' : 'Principal';
  const principalId = c.onBehalfOfAll ? null : c.user.id;
  await ctx.store.transaction(async (trx) => {
    // two tabs (or a double click) consenting at once must not add two grants or lose a scope
    await spRepo.lockServicePrincipal(trx, ctx.store.engine, tenantId, c.clientSp.id);
    const now = ctx.clock();
    const existing = (await spRepo.listPermissionGrants(trx, tenantId, { clientId: c.clientSp.id, resourceId: c.resourceSp.id }))
      .find((g) => g.consent_type === consentType && g.principal_id === principalId);
    const before = existing ? existing.scope.split(' ').filter(Boolean) : [];
    const scope = [...new Set([...before, ...c.scopes])].join(' ');
    if (existing && scope === existing.scope) return; // already given (a repeated post): nothing to record
    if (existing) await spRepo.updatePermissionGrantScope(trx, tenantId, existing.id, scope);
    else {
      await spRepo.insertPermissionGrant(trx, {
        tenant_id: tenantId, id: newId(), client_id: c.clientSp.id, consent_type: consentType, principal_id: principalId, resource_id: c.resourceSp.id, scope, created_at: now,
      });
    }
    await recordAudit(trx, actor, {
      activityDisplayName: 'Consent to application', category: 'ApplicationManagement', operationType: 'Assign',
      targets: [{ id: c.clientSp.id, displayName: c.clientSp.display_name, type: 'ServicePrincipal', modifiedProperties: [
        { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: auditValue(String(c.onBehalfOfAll)) },
        { displayName: 'ConsentContext.IsAppOnly', oldValue: null, newValue: auditValue('False') },
        { displayName: 'ConsentContext.OnBehalfOfAll', oldValue: null, newValue: auditValue(String(c.onBehalfOfAll)) },
        { displayName: 'ConsentAction.Permissions', oldValue: null, newValue: auditValue(`[] => [[Scope: ${scope}, ConsentType: ${consentType}]]`) },
      ] }],
    }, now);
    await recordAudit(trx, actor, {
      activityDisplayName: existing ? 'Update delegated permission grant' : 'Add delegated permission grant', category: 'ApplicationManagement', operationType: existing ? 'Update' : 'Assign',
      targets: [
        { id: c.resourceSp.id, displayName: c.resourceSp.display_name, type: 'ServicePrincipal', modifiedProperties: [
          { displayName: 'DelegatedPermissionGrant.Scope', oldValue: existing ? auditValue(existing.scope) : null, newValue: auditValue(scope) },
          { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: null, newValue: auditValue(consentType) },
          { displayName: 'ServicePrincipal.ObjectID', oldValue: null, newValue: auditValue(c.clientSp.id) },
        ] },
        { id: c.clientSp.id, displayName: c.clientSp.display_name, type: 'ServicePrincipal' },
      ],
    }, now);
  });
}
