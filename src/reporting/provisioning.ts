import type { Actor } from '../directory/actor.js';
import type { DirectoryContext } from '../directory/context.js';
import { DirectoryError } from '../directory/errors.js';
import { parseFilter } from '../graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../graph/odata/validate.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import { checkReportingAccess } from './access.js';
import { badSkipToken, parseOrder, parseTop, type LogPage, type LogQuery } from './logs.js';

/**
 * `GET /auditLogs/provisioning`: the provisioning logs (provisioningObjectSummary). Tenantry has no
 * provisioning service, so there is nothing to list; the endpoint still keeps Graph's rules, so a
 * client written for Entra meets the same answers: access policy, `$filter`, `$top`, `$orderby` and
 * `$skiptoken` validated, then an empty page.
 */

const EQ = ['eq'] as const;
const EQ_CONTAINS = ['eq', 'contains'] as const;

/** provisioningObjectSummary properties a `$filter` may name (contract §1.5, §2.5). */
export const PROVISIONING_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: false,
  fields: {
    activityDateTime: { type: 'datetime', ops: ['eq', 'ge', 'le', 'gt', 'lt'] },
    id: { type: 'string', ops: EQ },
    jobId: { type: 'string', ops: EQ },
    cycleId: { type: 'string', ops: EQ },
    changeId: { type: 'string', ops: EQ },
    'servicePrincipal/id': { type: 'string', ops: EQ },
    'servicePrincipal/displayName': { type: 'string', ops: EQ_CONTAINS },
    'sourceIdentity/id': { type: 'string', ops: EQ },
    'sourceIdentity/displayName': { type: 'string', ops: EQ_CONTAINS },
    'targetIdentity/id': { type: 'string', ops: EQ },
    'targetIdentity/displayName': { type: 'string', ops: EQ_CONTAINS },
    provisioningAction: { type: 'enum', ops: EQ, enumValues: ['other', 'create', 'delete', 'disable', 'update', 'stagedDelete', 'unknownFutureValue'] },
    'provisioningStatusInfo/status': { type: 'enum', ops: EQ, enumValues: ['success', 'failure', 'skipped', 'warning', 'unknownFutureValue'] },
    'initiatedBy/displayName': { type: 'string', ops: EQ_CONTAINS },
  },
  collections: {},
};

export class ProvisioningLogs {
  constructor(private readonly ctx: DirectoryContext) {}

  /** Same prerequisites as the directory audits: AuditLog.Read.All, and a delegated user needs a provisioning-log role; no licence. */
  private async authorize(actor: Actor): Promise<void> {
    const tenant = await tenantsRepo.getTenant(this.ctx.store.db, actor.tenantId);
    if (!tenant) throw new DirectoryError('forbidden', 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    checkReportingAccess(actor, { license: tenant.license, type: tenant.tenant_type }, 'provisioning', { strictDirectoryRead: false });
  }

  async list(actor: Actor, q: LogQuery): Promise<LogPage<Record<string, unknown>>> {
    await this.authorize(actor);
    // the same option checks as the other activity logs
    parseTop(q.top);
    parseOrder(q.orderby, 'activityDateTime');
    if (q.filter !== undefined) validateFilter(parseFilter(q.filter), PROVISIONING_SPEC);
    // no page was ever issued, so no skiptoken can be one of ours
    if (q.skiptoken !== undefined) throw badSkipToken();
    return { items: [] };
  }

  async get(actor: Actor, _id: string): Promise<never> {
    await this.authorize(actor);
    throw new DirectoryError('notFound', 'ResourceNotFound', 'Resource not found.');
  }
}
