import { randomBytes } from 'node:crypto';
import type { Executor } from '../store/db.js';
import { insertDirectoryAudit } from '../store/repositories/logs.js';
import { bumpDirectoryVersion } from '../store/repositories/tenants.js';
import type { Actor } from './actor.js';

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface TargetResource {
  id: string;
  displayName: string | null;
  type: 'User' | 'Application' | 'ServicePrincipal' | 'Role' | 'Directory' | 'Other';
  userPrincipalName?: string | null;
  modifiedProperties?: ModifiedProperty[];
}

export interface AuditEvent {
  activityDisplayName: string;
  category: 'UserManagement' | 'ApplicationManagement' | 'RoleManagement' | 'DirectoryManagement' | 'Policy';
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  targets: TargetResource[];
  additionalDetails?: { key: string; value: string }[];
  result?: 'success' | 'failure';
  resultReason?: string;
}

/** JSON-encode a value the way Entra's modifiedProperties do (a JSON array of one value). */
export function auditValue(value: unknown): string {
  return JSON.stringify([value]);
}

const AUDIT_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
let sequence = 0;

/** Entra style: Directory_<correlationId>_<5 chars>_<n> */
function auditId(correlationId: string): string {
  const suffix = Array.from(randomBytes(5), (b) => AUDIT_SUFFIX_ALPHABET[b % AUDIT_SUFFIX_ALPHABET.length]).join('');
  sequence = (sequence + 1) % 1_000_000_000;
  return `Directory_${correlationId}_${suffix}_${sequence}`;
}

function initiatedBy(actor: Actor): Record<string, unknown> {
  switch (actor.kind) {
    case 'user':
      return {
        app: null,
        user: { id: actor.userId, displayName: null, userPrincipalName: actor.userPrincipalName, ipAddress: actor.ipAddress ?? '', userType: 'Member', homeTenantId: actor.tenantId, homeTenantName: null },
      };
    case 'app':
      return {
        user: null,
        app: { appId: actor.appId, displayName: actor.displayName, servicePrincipalId: actor.servicePrincipalId, servicePrincipalName: null },
      };
    case 'system':
      return { user: null, app: { appId: null, displayName: actor.name, servicePrincipalId: null, servicePrincipalName: null } };
  }
}

/**
 * Writes the audit record with ex, which must be the transaction of the change it describes, and
 * bumps the tenant's directory version (every change is audited, so every change invalidates caches).
 */
export async function recordAudit(ex: Executor, actor: Actor, event: AuditEvent, now: number): Promise<string> {
  await bumpDirectoryVersion(ex, actor.tenantId);
  const id = auditId(actor.correlationId);
  const targetResources = event.targets.map((t) => ({
    id: t.id,
    displayName: t.displayName,
    type: t.type,
    userPrincipalName: t.userPrincipalName ?? null,
    groupType: null,
    modifiedProperties: t.modifiedProperties ?? [],
  }));
  await insertDirectoryAudit(
    ex,
    {
      tenant_id: actor.tenantId,
      id,
      activity_at: now,
      category: event.category,
      activity_display_name: event.activityDisplayName,
      operation_type: event.operationType,
      result: event.result ?? 'success',
      result_reason: event.resultReason ?? '',
      correlation_id: actor.correlationId,
      logged_by_service: 'Core Directory',
      initiator_user_id: actor.kind === 'user' ? actor.userId : null,
      initiator_user_principal_name: actor.kind === 'user' ? actor.userPrincipalName : null,
      initiator_app_id: actor.kind === 'app' ? actor.appId : null,
      initiator_user_display_name: null,
      initiator_app_display_name: actor.kind === 'app' ? actor.displayName : actor.kind === 'system' ? actor.name : null,
      details: JSON.stringify({
        initiatedBy: initiatedBy(actor),
        targetResources,
        additionalDetails: event.additionalDetails ?? [],
        userAgent: actor.userAgent ?? null,
      }),
    },
    event.targets.map((t) => ({ id: t.id, displayName: t.displayName })),
  );
  return id;
}
