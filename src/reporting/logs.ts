import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor } from '../directory/actor.js';
import type { DirectoryContext } from '../directory/context.js';
import { DirectoryError } from '../directory/errors.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as logsRepo from '../store/repositories/logs.js';
import type { DirectoryAuditRow, SignInRow } from '../store/repositories/logs.js';
import { filterToSql, type TableMapping } from '../store/filterSql.js';
import type { FilterNode } from '../graph/odata/ast.js';
import { parseFilter } from '../graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../graph/odata/validate.js';
import { isGuid } from '../lib/guid.js';
import { isoTime } from '../lib/time.js';
import { checkReportingAccess, type AccessPolicy, type Report } from './access.js';
import type { SkipTokens } from './skiptoken.js';

export type ApiVersion = 'v1.0' | 'beta';
export const PAGE_MAX = 1000;

export interface LogQuery {
  version: ApiVersion;
  filter?: string;
  top?: string;
  orderby?: string;
  skiptoken?: string;
}

export interface LogPage<T> {
  items: T[];
  /** opaque $skiptoken for the next page, when there is one */
  next?: string;
}

const EQ = ['eq'] as const;
const EQ_START = ['eq', 'startswith'] as const;
const TIME_OPS = ['eq', 'ge', 'le', 'gt', 'lt'] as const;
const EVENT_TYPES = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity', 'unknownFutureValue'];

const SIGNIN_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: false,
  fields: {
    id: { type: 'guid', ops: EQ },
    createdDateTime: { type: 'datetime', ops: TIME_OPS },
    userId: { type: 'guid', ops: EQ },
    userPrincipalName: { type: 'string', ops: EQ_START },
    userDisplayName: { type: 'string', ops: EQ_START },
    appId: { type: 'guid', ops: EQ },
    appDisplayName: { type: 'string', ops: EQ_START },
    ipAddress: { type: 'string', ops: EQ_START },
    clientAppUsed: { type: 'string', ops: EQ },
    correlationId: { type: 'guid', ops: EQ },
    resourceId: { type: 'guid', ops: EQ },
    resourceDisplayName: { type: 'string', ops: EQ },
    servicePrincipalId: { type: 'guid', ops: EQ },
    'status/errorCode': { type: 'int', ops: ['eq', 'ne'] },
  },
  collections: {
    signInEventTypes: { element: { '': { type: 'enum', ops: ['eq', 'ne'], enumValues: EVENT_TYPES } } },
  },
};

const SIGNIN_MAPPING: TableMapping = {
  fields: {
    id: { column: 'id', lowerLiteral: true },
    createdDateTime: { column: 'created_at' },
    userId: { column: 'user_id', lowerLiteral: true },
    userPrincipalName: { column: 'user_principal_name', lowerLiteral: true },
    userDisplayName: { column: 'user_display_name' },
    appId: { column: 'app_id', lowerLiteral: true },
    appDisplayName: { column: 'app_display_name' },
    ipAddress: { column: 'ip_address' },
    clientAppUsed: { column: 'client_app_used' },
    correlationId: { column: 'correlation_id', lowerLiteral: true },
    resourceId: { column: 'resource_id', lowerLiteral: true },
    resourceDisplayName: { column: 'resource_display_name' },
    servicePrincipalId: { column: 'service_principal_id', lowerLiteral: true },
    'status/errorCode': { column: 'error_code' },
  },
  collections: {
    // one event type per stored row: any(t: t eq x) is a test on that column
    signInEventTypes: { element: { '': { column: 'event_type' } }, wrap: (p) => p },
  },
};

const AUDIT_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: false,
  fields: {
    id: { type: 'string', ops: EQ },
    activityDateTime: { type: 'datetime', ops: TIME_OPS },
    activityDisplayName: { type: 'string', ops: EQ_START },
    category: { type: 'string', ops: EQ },
    correlationId: { type: 'guid', ops: EQ },
    loggedByService: { type: 'string', ops: EQ },
    result: { type: 'enum', ops: EQ, enumValues: ['success', 'failure', 'timeout', 'unknownFutureValue'] },
    operationType: { type: 'string', ops: EQ },
    'initiatedBy/user/id': { type: 'guid', ops: EQ },
    'initiatedBy/user/userPrincipalName': { type: 'string', ops: EQ_START },
    'initiatedBy/app/appId': { type: 'guid', ops: EQ },
  },
  collections: {
    targetResources: { element: { id: { type: 'string', ops: EQ }, displayName: { type: 'string', ops: EQ_START } } },
  },
};

const AUDIT_MAPPING: TableMapping = {
  fields: {
    id: { column: 'id' },
    activityDateTime: { column: 'activity_at' },
    activityDisplayName: { column: 'activity_display_name' },
    category: { column: 'category' },
    correlationId: { column: 'correlation_id', lowerLiteral: true },
    loggedByService: { column: 'logged_by_service' },
    result: { column: 'result' },
    operationType: { column: 'operation_type' },
    'initiatedBy/user/id': { column: 'initiator_user_id', lowerLiteral: true },
    'initiatedBy/user/userPrincipalName': { column: 'initiator_user_principal_name', lowerLiteral: true },
    'initiatedBy/app/appId': { column: 'initiator_app_id', lowerLiteral: true },
  },
  collections: {
    targetResources: {
      element: { id: { column: 't.target_id', lowerLiteral: true }, displayName: { column: 't.display_name' } },
      wrap: (p) => sql<SqlBool>`exists (select 1 from audit_targets t where t.tenant_id = directory_audits.tenant_id and t.audit_id = directory_audits.id and ${p})`,
    },
  },
};

function parseTop(top: string | undefined): number {
  if (top === undefined) return PAGE_MAX;
  if (!/^\d{1,7}$/.test(top) || Number(top) < 1) throw new DirectoryError('badRequest', 'BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and ${PAGE_MAX} inclusive.`);
  return Math.min(Number(top), PAGE_MAX);
}

function parseOrder(orderby: string | undefined, field: string): 'asc' | 'desc' {
  if (orderby === undefined) return 'desc';
  const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(orderby);
  if (!m || m[1]!.toLowerCase() !== field.toLowerCase()) {
    throw new DirectoryError('badRequest', 'BadRequest', `Invalid $orderby: only '${field}' is supported.`);
  }
  return (m[2]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc';
}

function parse(filter: string | undefined, spec: FilterSpec): FilterNode | undefined {
  if (filter === undefined) return undefined;
  return validateFilter(parseFilter(filter), spec);
}

function mentions(node: FilterNode | undefined, collection: string): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.some((n) => mentions(n, collection));
    case 'not':
      return mentions(node.operand, collection);
    case 'any':
      return node.collection === collection;
    default:
      return false;
  }
}

const badSkipToken = () => new DirectoryError('badRequest', 'BadRequest', 'Invalid $skiptoken: it is malformed, expired, or was issued for another query.');

export class ActivityLogs {
  constructor(
    private readonly ctx: DirectoryContext,
    private readonly skipTokens: SkipTokens,
    private readonly policy: AccessPolicy,
  ) {}

  private async authorize(actor: Actor, report: Report) {
    const tenant = await tenantsRepo.getTenant(this.ctx.store.db, actor.tenantId);
    if (!tenant) throw new DirectoryError('forbidden', 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    checkReportingAccess(actor, { license: tenant.license, type: tenant.tenant_type }, report, this.policy);
    return tenant;
  }

  private scope(actor: Actor, report: Report, q: LogQuery): string {
    return JSON.stringify([actor.tenantId, report, q.version, q.filter ?? '', q.top ?? '', q.orderby ?? '']);
  }

  async listSignIns(actor: Actor, q: LogQuery): Promise<LogPage<Record<string, unknown>>> {
    const tenant = await this.authorize(actor, 'signIns');
    const top = parseTop(q.top);
    const order = parseOrder(q.orderby, 'createdDateTime');
    const node = parse(q.filter, q.version === 'beta' ? SIGNIN_SPEC : { ...SIGNIN_SPEC, collections: {} });
    const scope = this.scope(actor, 'signIns', q);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    // Graph returns interactive user sign-ins unless the caller asks for other event types (beta).
    const interactiveOnly = !mentions(node, 'signInEventTypes');
    const where = (): Expression<SqlBool> => {
      const parts: Expression<SqlBool>[] = [];
      if (interactiveOnly) parts.push(sql<SqlBool>`event_type = ${'interactiveUser'}`);
      if (node) parts.push(filterToSql(node, SIGNIN_MAPPING));
      return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
    };
    const rows = await logsRepo.listSignIns(this.ctx.store.db, {
      tenantId: actor.tenantId, where: interactiveOnly || node ? where : undefined, after, order, limit: top + 1,
    });
    const page = rows.slice(0, top);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => serializeSignIn(r, q.version, tenant.license === 'P2')),
      next: rows.length > top && last ? this.skipTokens.encode(scope, { at: last.created_at, id: last.id }) : undefined,
    };
  }

  async getSignIn(actor: Actor, version: ApiVersion, id: string): Promise<Record<string, unknown>> {
    const tenant = await this.authorize(actor, 'signIns');
    const row = isGuid(id) ? await logsRepo.getSignIn(this.ctx.store.db, actor.tenantId, id.toLowerCase()) : undefined;
    if (!row || (version === 'v1.0' && row.event_type !== 'interactiveUser')) {
      throw new DirectoryError('notFound', 'ResourceNotFound', 'Resource not found.');
    }
    return serializeSignIn(row, version, tenant.license === 'P2');
  }

  async listDirectoryAudits(actor: Actor, q: LogQuery): Promise<LogPage<Record<string, unknown>>> {
    await this.authorize(actor, 'directoryAudits');
    const top = parseTop(q.top);
    const order = parseOrder(q.orderby, 'activityDateTime');
    const node = parse(q.filter, AUDIT_SPEC);
    const scope = this.scope(actor, 'directoryAudits', q);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    const rows = await logsRepo.listDirectoryAudits(this.ctx.store.db, {
      tenantId: actor.tenantId, where: node ? () => filterToSql(node, AUDIT_MAPPING) : undefined, after, order, limit: top + 1,
    });
    const page = rows.slice(0, top);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => serializeAudit(r, q.version)),
      next: rows.length > top && last ? this.skipTokens.encode(scope, { at: last.activity_at, id: last.id }) : undefined,
    };
  }

  async getDirectoryAudit(actor: Actor, version: ApiVersion, id: string): Promise<Record<string, unknown>> {
    await this.authorize(actor, 'directoryAudits');
    // ids we issue are Directory_<guid>_<suffix>_<n>; anything else (NUL breaks PostgreSQL text) cannot match
    const row = /^[\w-]{1,128}$/.test(id) ? await logsRepo.getDirectoryAudit(this.ctx.store.db, actor.tenantId, id) : undefined;
    if (!row) throw new DirectoryError('notFound', 'ResourceNotFound', 'Resource not found.');
    return serializeAudit(row, version);
  }
}

interface SignInDetails {
  isInteractive: boolean;
  userAgent: string;
  deviceDetail: Record<string, unknown>;
  authenticationProtocol: string;
  clientCredentialType: string;
  authenticationRequirement: string;
  servicePrincipalCredentialKeyId: string;
  resourceServicePrincipalId: string;
  originalRequestId: string;
  uniqueTokenIdentifier: string;
  processingTimeInMilliseconds: number;
  additionalDetails: string | null;
}

const EMPTY_LOCATION = { city: '', state: '', countryOrRegion: '', geoCoordinates: { altitude: null, latitude: null, longitude: null } };

export function serializeSignIn(r: SignInRow, version: ApiVersion, p2: boolean): Record<string, unknown> {
  const d = JSON.parse(r.details) as SignInDetails;
  const risk = p2 ? 'none' : 'hidden';
  const out: Record<string, unknown> = {
    id: r.id,
    createdDateTime: isoTime(r.created_at),
    userDisplayName: r.user_display_name ?? (r.event_type === 'servicePrincipal' ? null : ''),
    userPrincipalName: r.user_principal_name ?? (r.event_type === 'servicePrincipal' ? null : ''),
    userId: r.user_id ?? '',
    appId: r.app_id ?? '',
    appDisplayName: r.app_display_name ?? '',
    ipAddress: r.ip_address ?? '',
    clientAppUsed: r.client_app_used ?? '',
    userAgent: d.userAgent,
    correlationId: r.correlation_id,
    conditionalAccessStatus: 'notApplied',
    isInteractive: d.isInteractive,
    riskDetail: p2 ? 'none' : 'hidden',
    riskLevelAggregated: risk,
    riskLevelDuringSignIn: risk,
    riskState: 'none',
    riskEventTypes: [],
    riskEventTypes_v2: [],
    resourceDisplayName: r.resource_display_name ?? '',
    resourceId: r.resource_id ?? '',
    resourceTenantId: r.tenant_id,
    homeTenantId: r.tenant_id,
    servicePrincipalId: r.service_principal_id ?? '00000000-0000-0000-0000-000000000000',
    servicePrincipalName: r.event_type === 'servicePrincipal' ? (r.app_display_name ?? '') : '',
    status: { errorCode: r.error_code, failureReason: r.failure_reason ?? 'Other.', additionalDetails: d.additionalDetails },
    deviceDetail: d.deviceDetail,
    location: EMPTY_LOCATION,
  };
  if (version === 'beta') {
    delete out.riskEventTypes;
    Object.assign(out, {
      signInEventTypes: [r.event_type],
      authenticationProtocol: d.authenticationProtocol,
      authenticationRequirement: d.authenticationRequirement,
      clientCredentialType: d.clientCredentialType,
      incomingTokenType: 'none',
      originalRequestId: d.originalRequestId,
      processingTimeInMilliseconds: d.processingTimeInMilliseconds,
      resourceServicePrincipalId: d.resourceServicePrincipalId,
      servicePrincipalCredentialKeyId: d.servicePrincipalCredentialKeyId,
      servicePrincipalCredentialThumbprint: '',
      tokenIssuerName: '',
      tokenIssuerType: 'AzureAD',
      uniqueTokenIdentifier: d.uniqueTokenIdentifier,
      userType: r.event_type === 'servicePrincipal' ? null : 'member',
      authenticationDetails: [],
      authenticationMethodsUsed: [],
      flaggedForReview: false,
      isTenantRestricted: false,
      signInIdentifier: r.user_principal_name ?? '',
      signInIdentifierType: null,
    });
  }
  return out;
}

interface AuditDetails {
  initiatedBy: Record<string, unknown>;
  targetResources: Record<string, unknown>[];
  additionalDetails: { key: string; value: string }[];
  userAgent: string | null;
}

export function serializeAudit(r: DirectoryAuditRow, version: ApiVersion): Record<string, unknown> {
  const d = JSON.parse(r.details) as AuditDetails;
  const out: Record<string, unknown> = {
    id: r.id,
    category: r.category,
    correlationId: r.correlation_id,
    result: r.result,
    resultReason: r.result_reason,
    activityDisplayName: r.activity_display_name,
    activityDateTime: isoTime(r.activity_at),
    loggedByService: r.logged_by_service,
    operationType: r.operation_type,
    initiatedBy: d.initiatedBy,
    targetResources: d.targetResources,
    additionalDetails: d.additionalDetails,
  };
  if (version === 'beta') out.userAgent = d.userAgent;
  return out;
}
