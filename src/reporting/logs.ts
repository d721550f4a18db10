import { sql, type Expression, type SqlBool } from 'kysely';
import type { Actor } from '../directory/actor.js';
import type { DirectoryContext } from '../directory/context.js';
import { DirectoryError } from '../directory/errors.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as logsRepo from '../store/repositories/logs.js';
import type { DirectoryAuditRow, KeysetCursor } from '../store/repositories/logs.js';
import { filterToSql, resolveDimensions, type TableMapping } from '../store/filterSql.js';
import { purgeDimensions, TENANT_DIMS } from '../store/repositories/signInDims.js';
import type { FilterNode } from '../graph/odata/ast.js';
import { parseFilter } from '../graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../graph/odata/validate.js';
import { isGuid } from '../lib/guid.js';
import { isoTime } from '../lib/time.js';
import { ROLE } from '../directory/catalog.js';
import { ODataError } from '../graph/odata/errors.js';
import { EVENT_TYPE_CODE, EVENT_TYPES, loadSignInDims, serializeSignIn } from './records.js';
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
  select?: string;
  /** Prefer: include-unknown-enum-members */
  unknownEnums?: boolean;
}

export interface LogPage<T> {
  items: T[];
  /** opaque $skiptoken for the next page, when there is one */
  next?: string;
}

const EQ = ['eq'] as const;
const EQ_START = ['eq', 'startswith'] as const;
const TIME_OPS = ['eq', 'ge', 'le', 'gt', 'lt'] as const;
const SIGNIN_EVENT_TYPES = [...EVENT_TYPES, 'unknownFutureValue'];
export const RISK_LEVELS = ['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue'];
export const RISK_STATES = ['none', 'confirmedSafe', 'remediated', 'dismissed', 'atRisk', 'confirmedCompromised', 'unknownFutureValue'];
export const RISK_DETAILS = ['none', 'adminGeneratedTemporaryPassword', 'userPerformedSecuredPasswordChange', 'userPerformedSecuredPasswordReset',
  'adminConfirmedSigninSafe', 'aiConfirmedSigninSafe', 'userPassedMFADrivenByRiskBasedPolicy', 'adminDismissedAllRiskForUser',
  'adminConfirmedSigninCompromised', 'hidden', 'adminConfirmedUserCompromised', 'unknownFutureValue', 'm365DAdminDismissedDetection',
  'adminConfirmedServicePrincipalCompromised', 'adminDismissedAllRiskForServicePrincipal', 'userChangedPasswordOnPremises',
  'adminDismissedRiskForSignIn', 'adminConfirmedAccountSafe', 'microsoftRevokedSessions'];
export const CA_STATUS = ['success', 'failure', 'notApplied', 'unknownFutureValue'];
export const POLICY_RESULTS = ['success', 'failure', 'notApplied', 'notEnabled', 'unknown', 'unknownFutureValue', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted'];

/** The contract's per-property $filter table for signIn (v1.0; beta adds its own below). */
const SIGNIN_FIELDS: FilterSpec['fields'] = {
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
  conditionalAccessStatus: { type: 'enum', ops: EQ, enumValues: CA_STATUS },
  'status/errorCode': { type: 'int', ops: ['eq', 'ne'] },
  'location/city': { type: 'string', ops: EQ_START },
  'location/state': { type: 'string', ops: EQ_START },
  'location/countryOrRegion': { type: 'string', ops: EQ_START },
  'deviceDetail/browser': { type: 'string', ops: EQ_START },
  'deviceDetail/operatingSystem': { type: 'string', ops: EQ_START },
  resourceDisplayName: { type: 'string', ops: EQ },
  resourceId: { type: 'guid', ops: EQ },
  riskDetail: { type: 'enum', ops: EQ, enumValues: RISK_DETAILS },
  riskLevelAggregated: { type: 'enum', ops: EQ, enumValues: RISK_LEVELS },
  riskLevelDuringSignIn: { type: 'enum', ops: EQ, enumValues: RISK_LEVELS },
  riskState: { type: 'enum', ops: EQ, enumValues: RISK_STATES },
  userAgent: { type: 'string', ops: EQ_START },
  servicePrincipalId: { type: 'guid', ops: EQ },
  servicePrincipalName: { type: 'string', ops: EQ_START },
};

const SIGNIN_COLLECTIONS: FilterSpec['collections'] = {
  riskEventTypes_v2: { element: { '': { type: 'string', ops: EQ_START } } },
};

export const SIGNIN_SPEC: FilterSpec = { allowOr: true, allowNot: true, fields: SIGNIN_FIELDS, collections: SIGNIN_COLLECTIONS };

export const SIGNIN_SPEC_BETA: FilterSpec = {
  allowOr: true,
  allowNot: true,
  fields: {
    ...SIGNIN_FIELDS,
    originalRequestId: { type: 'guid', ops: EQ },
    authenticationRequirement: { type: 'string', ops: EQ_START },
    tokenIssuerName: { type: 'string', ops: EQ },
  },
  collections: {
    ...SIGNIN_COLLECTIONS,
    signInEventTypes: { element: { '': { type: 'enum', ops: ['eq', 'ne'], enumValues: SIGNIN_EVENT_TYPES } } },
    appliedConditionalAccessPolicies: {
      element: {
        id: { type: 'guid', ops: EQ },
        displayName: { type: 'string', ops: EQ_START },
        result: { type: 'enum', ops: EQ, enumValues: POLICY_RESULTS },
      },
    },
  },
};

const dim = (table: string, ref: string, tenantScoped = true) => ({ table, ref, tenantScoped });
const USERS = dim('signin_users', 'user_ref');
const APPS = dim('signin_apps', 'app_ref');
const RESOURCES = dim('signin_resources', 'resource_ref');
const CLIENTS = dim('signin_clients', 'client_ref');
const LOCATIONS = dim('signin_locations', 'location_ref', false);
const STATUSES = dim('signin_statuses', 'status_ref', false);
const ASSESSMENTS = dim('signin_assessments', 'assessment_ref');
const EVENT_CODES: Record<string, number> = { ...EVENT_TYPE_CODE, unknownFutureValue: 99 };

const inAssessmentItems = (kind: 'risk' | 'policy') => (p: Expression<SqlBool>) =>
  sql<SqlBool>`(assessment_ref is not null and assessment_ref in (select assessment_ref from signin_assessment_items where kind = ${kind} and ${p}))`;

const SIGNIN_MAPPING: TableMapping = {
  fields: {
    id: { column: 'id', lowerLiteral: true },
    createdDateTime: { column: 'created_at' },
    userId: { column: 'user_id', dim: USERS, lowerLiteral: true },
    userPrincipalName: { column: 'user_principal_name', dim: USERS, lowerLiteral: true },
    userDisplayName: { column: 'user_display_name_lc', dim: USERS, lowerLiteral: true },
    appId: { column: 'app_id', dim: APPS, lowerLiteral: true },
    appDisplayName: { column: 'app_display_name_lc', dim: APPS, lowerLiteral: true, absentAs: '' },
    servicePrincipalId: { column: 'service_principal_id', dim: APPS, lowerLiteral: true },
    // an app's service principal name is its display name (Entra shows the same text)
    servicePrincipalName: { column: 'app_display_name_lc', dim: APPS, lowerLiteral: true },
    ipAddress: { column: 'ip_address', lowerLiteral: true, nullable: true },
    clientAppUsed: { column: 'client_app_used_lc', dim: CLIENTS, lowerLiteral: true },
    userAgent: { column: 'user_agent_lc', dim: CLIENTS, lowerLiteral: true },
    'deviceDetail/browser': { column: 'browser_lc', dim: CLIENTS, lowerLiteral: true },
    'deviceDetail/operatingSystem': { column: 'operating_system_lc', dim: CLIENTS, lowerLiteral: true },
    correlationId: { column: 'correlation_id', lowerLiteral: true },
    originalRequestId: { column: 'request_id', lowerLiteral: true, nullable: true },
    resourceId: { column: 'resource_id', dim: RESOURCES, lowerLiteral: true },
    resourceDisplayName: { column: 'resource_display_name_lc', dim: RESOURCES, lowerLiteral: true, absentAs: '' },
    'status/errorCode': { column: 'error_code', dim: STATUSES },
    'location/city': { column: 'city_lc', dim: LOCATIONS, lowerLiteral: true, absentAs: '' },
    'location/state': { column: 'state_lc', dim: LOCATIONS, lowerLiteral: true, absentAs: '' },
    'location/countryOrRegion': { column: 'country_or_region_lc', dim: LOCATIONS, lowerLiteral: true, absentAs: '' },
    conditionalAccessStatus: { column: 'conditional_access_status', dim: ASSESSMENTS },
    authenticationRequirement: { column: 'authentication_requirement', dim: ASSESSMENTS },
    riskDetail: { column: 'risk_detail', dim: ASSESSMENTS },
    riskLevelAggregated: { column: 'risk_level_aggregated', dim: ASSESSMENTS },
    riskLevelDuringSignIn: { column: 'risk_level_during_sign_in', dim: ASSESSMENTS },
    riskState: { column: 'risk_state', dim: ASSESSMENTS },
    tokenIssuerName: { column: 'token_issuer_name', constant: '' },
  },
  collections: {
    // one event type per stored row: any(t: t eq x) is a test on that column
    signInEventTypes: { element: { '': { column: 'event_type', values: EVENT_CODES } }, wrap: (p) => p },
    riskEventTypes_v2: { element: { '': { column: 'value' } }, wrap: inAssessmentItems('risk') },
    appliedConditionalAccessPolicies: {
      element: { id: { column: 'value', lowerLiteral: true }, displayName: { column: 'display_name_lc', lowerLiteral: true }, result: { column: 'result' } },
      wrap: inAssessmentItems('policy'),
    },
  },
};

export const AUDIT_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: true,
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
    'initiatedBy/user/displayName': { type: 'string', ops: EQ },
    'initiatedBy/user/userPrincipalName': { type: 'string', ops: EQ_START },
    'initiatedBy/app/appId': { type: 'guid', ops: EQ },
    'initiatedBy/app/displayName': { type: 'string', ops: EQ },
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
    'initiatedBy/user/id': { column: 'initiator_user_id', lowerLiteral: true, nullable: true },
    'initiatedBy/user/displayName': { column: 'initiator_user_display_name', nullable: true },
    'initiatedBy/user/userPrincipalName': { column: 'initiator_user_principal_name', lowerLiteral: true, nullable: true },
    'initiatedBy/app/appId': { column: 'initiator_app_id', lowerLiteral: true, nullable: true },
    'initiatedBy/app/displayName': { column: 'initiator_app_display_name', nullable: true },
  },
  collections: {
    targetResources: {
      element: { id: { column: 't.target_id', lowerLiteral: true }, displayName: { column: 't.display_name', nullable: true } },
      wrap: (p) => sql<SqlBool>`exists (select 1 from audit_targets t where t.tenant_id = directory_audits.tenant_id and t.audit_id = directory_audits.id and ${p})`,
    },
  },
};

export function parseTop(top: string | undefined): number {
  if (top === undefined) return PAGE_MAX;
  if (!/^\d{1,7}$/.test(top) || Number(top) < 1) throw new DirectoryError('badRequest', 'BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and ${PAGE_MAX} inclusive.`);
  return Math.min(Number(top), PAGE_MAX);
}

export function parseOrder(orderby: string | undefined, field: string): 'asc' | 'desc' {
  if (orderby === undefined) return 'desc';
  const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(orderby);
  if (!m || m[1]!.toLowerCase() !== field.toLowerCase()) {
    throw new DirectoryError('badRequest', 'BadRequest', `Invalid $orderby: only '${field}' is supported.`);
  }
  return (m[2]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc';
}

/** $select: top-level properties of the entity, case-insensitive, each at most once; the key always kept. */
export function parseSelect(select: string | undefined, properties: readonly string[]): string[] | undefined {
  if (select === undefined) return undefined;
  const out = new Set<string>(['id']);
  const parts = select.split(',');
  if (select.length > 4096 || parts.length > properties.length + 1) throw new DirectoryError('badRequest', 'BadRequest', 'Invalid $select: too long.');
  for (const raw of parts) {
    const name = raw.trim();
    if (name === '*') {
      properties.forEach((p) => out.add(p));
      continue;
    }
    const found = properties.find((p) => p.toLowerCase() === name.toLowerCase());
    if (!found) throw new DirectoryError('badRequest', 'BadRequest', `Could not find a property named '${name.slice(0, 64)}' on type 'microsoft.graph.${properties.includes('createdDateTime') ? 'signIn' : 'directoryAudit'}'.`);
    out.add(found);
  }
  return [...out];
}

function project(item: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const k of select) if (k in item) out[k] = item[k];
  return out;
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

/** Rejects any time literal more than a day (grace for clock skew) before the oldest record the tenant keeps. */
export function checkRetention(node: FilterNode | undefined, property: string, floor: number, days: number): void {
  if (!node) return;
  switch (node.kind) {
    case 'and':
    case 'or':
      node.items.forEach((n) => checkRetention(n, property, floor, days));
      return;
    case 'not':
      checkRetention(node.operand, property, floor, days);
      return;
    case 'compare':
      if (node.property === property && node.value.kind === 'datetime' && node.value.epochMs < floor - DAY_MS) {
        throw new ODataError(`${property} ${node.value.value} is outside the ${days}-day retention of this tenant's logs`);
      }
      return;
    default:
      return;
  }
}

/**
 * Only the caller's own sign-ins: the filter's top level requires userId (or userPrincipalName)
 * to equal the caller's. Any user may read those, without a reporting role (contract §1.1).
 */
function ownSignInsOnly(node: FilterNode | undefined, actor: Actor): boolean {
  if (!node || actor.kind !== 'user') return false;
  const items = node.kind === 'and' ? node.items : [node];
  return items.some((n) => n.kind === 'compare' && n.op === 'eq' && n.value.kind === 'string' &&
    ((n.property === 'userId' && n.value.value.toLowerCase() === actor.userId.toLowerCase()) ||
     (n.property === 'userPrincipalName' && n.value.value.toLowerCase() === actor.userPrincipalName.toLowerCase())));
}

/** Properties with an index of their own: an equality on one of them finds few rows. */
const INDEXED_EQUALITIES = new Set(['id', 'correlationId']);
/** Dimension properties whose number leads an index: (tenant, user, time) and (tenant, app, time). */
const INDEXED_REFS = new Set(['userId', 'userPrincipalName', 'appId']);
const MAX_SEEKS = 4;
const UNINDEXED_WHEN_SELECTIVE: ReadonlySet<string> = new Set(['event_type']);

/**
 * A top-level condition of the filter that an index answers better than a walk down the time index:
 * an id or correlation id, or a user or app that matches at most MAX_SEEKS dimension rows.
 */
function selectiveConjunct(node: FilterNode, refs: ReadonlyMap<FilterNode, readonly number[]>): { node: FilterNode; refs: readonly number[] } | undefined {
  const items = node.kind === 'and' ? node.items : [node];
  let best: { node: FilterNode; refs: readonly number[] } | undefined;
  for (const n of items) {
    if (n.kind !== 'compare' || n.op !== 'eq') continue;
    if (INDEXED_EQUALITIES.has(n.property)) return { node: n, refs: [] };
    const r = refs.get(n);
    if (INDEXED_REFS.has(n.property) && r && r.length <= MAX_SEEKS && (!best || r.length < best.refs.length)) best = { node: n, refs: r };
  }
  return best;
}

/**
 * The event types (as stored codes) a sign-in filter can match: each type is tried against the
 * filter's signInEventTypes conditions, everything else counting as "maybe" (three-valued logic).
 */
function possibleEventTypes(node: FilterNode | undefined): number[] {
  return EVENT_TYPES.filter((t) => !node || eventTypeTruth(node, t) !== false).map((t) => EVENT_TYPE_CODE[t]);
}

/** Whether a filter holds for sign-ins of this event type: true, false, or undefined (depends on more). */
function eventTypeTruth(n: FilterNode, name: string): boolean | undefined {
  switch (n.kind) {
    case 'and':
    case 'or':
      return kleene(n.kind, n.items.map((i) => eventTypeTruth(i, name)));
    case 'not': {
      const v = eventTypeTruth(n.operand, name);
      return v === undefined ? undefined : !v;
    }
    case 'any':
      // one event type per sign-in: any(t: P(t)) is P of that type
      return n.collection === 'signInEventTypes' ? elementTruth(n.predicate, name) : undefined;
    default:
      return undefined;
  }
}

function elementTruth(n: FilterNode, name: string): boolean | undefined {
  switch (n.kind) {
    case 'compare':
      if (n.value.kind !== 'string') return undefined;
      return n.op === 'eq' ? n.value.value === name : n.op === 'ne' ? n.value.value !== name : undefined;
    case 'and':
    case 'or':
      return kleene(n.kind, n.items.map((i) => elementTruth(i, name)));
    case 'not': {
      const v = elementTruth(n.operand, name);
      return v === undefined ? undefined : !v;
    }
    default:
      return undefined;
  }
}

function kleene(op: 'and' | 'or', values: (boolean | undefined)[]): boolean | undefined {
  if (op === 'and') return values.includes(false) ? false : values.every((v) => v === true) ? true : undefined;
  return values.includes(true) ? true : values.every((v) => v === false) ? false : undefined;
}

/** The values a caller sees instead of risk data below P2 (records.ts serializeSignIn). */
const HIDDEN_RISK: Readonly<Record<string, string>> = { riskDetail: 'hidden', riskLevelAggregated: 'hidden', riskLevelDuringSignIn: 'hidden', riskState: 'none' };

/**
 * A condition on data the caller is not shown, decided on what the caller is shown: without CA read
 * permission there are no applied policies; below P2 risk reads hidden/none and has no event types.
 * Otherwise a filter could recover, a character at a time, what the records leave out.
 */
function hiddenTruth(n: FilterNode, view: { caData: boolean; p2: boolean } | undefined): boolean | undefined {
  if (!view) return undefined;
  if (n.kind === 'any') {
    if (n.collection === 'appliedConditionalAccessPolicies' && !view.caData) return false;
    if (n.collection === 'riskEventTypes_v2' && !view.p2) return false;
    return undefined;
  }
  if (!view.p2 && n.kind === 'compare' && n.property in HIDDEN_RISK && n.value.kind === 'string') {
    const shown = HIDDEN_RISK[n.property]!;
    return n.op === 'eq' ? n.value.value === shown : n.op === 'ne' ? n.value.value !== shown : undefined;
  }
  return undefined;
}

export const DAY_MS = 86_400_000;
export const badSkipToken = () => new DirectoryError('badRequest', 'BadRequest', 'Invalid $skiptoken: it is malformed, expired, or was issued for another query.');

/** Days of logs kept (contract §4): Free 7, P1/P2 30. */
export interface RetentionPolicy {
  freeDays: number;
  premiumDays: number;
}
export const DEFAULT_RETENTION: RetentionPolicy = { freeDays: 7, premiumDays: 30 };

export function retentionDays(license: 'none' | 'P1' | 'P2', policy: RetentionPolicy): number {
  return license === 'none' ? policy.freeDays : policy.premiumDays;
}

const CA_APP_PERMISSIONS = ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.Read.ConditionalAccess'];
const CA_ROLES: readonly string[] = [ROLE.globalAdministrator, ROLE.globalReader, ROLE.securityAdministrator, ROLE.securityReader, ROLE.conditionalAccessAdministrator];

/** May the caller see appliedConditionalAccessPolicies (contract §1.1, "CA data")? */
function mayReadConditionalAccess(actor: Actor): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind === 'app') return CA_APP_PERMISSIONS.some((p) => actor.appRoles.has(p));
  return actor.roles.some((r) => CA_ROLES.includes(r)) && CA_APP_PERMISSIONS.some((p) => actor.scopes.has(p));
}

export const SIGNIN_PROPERTIES = [
  'id', 'createdDateTime', 'userDisplayName', 'userPrincipalName', 'userId', 'appId', 'appDisplayName', 'ipAddress', 'clientAppUsed',
  'userAgent', 'correlationId', 'conditionalAccessStatus', 'isInteractive', 'riskDetail', 'riskLevelAggregated', 'riskLevelDuringSignIn',
  'riskState', 'riskEventTypes', 'riskEventTypes_v2', 'resourceDisplayName', 'resourceId', 'resourceTenantId', 'homeTenantId',
  'servicePrincipalId', 'servicePrincipalName', 'status', 'deviceDetail', 'location', 'appliedConditionalAccessPolicies',
];
export const SIGNIN_PROPERTIES_BETA = [
  ...SIGNIN_PROPERTIES.filter((p) => p !== 'riskEventTypes'), 'signInEventTypes', 'authenticationProtocol', 'authenticationRequirement',
  'authenticationDetails', 'authenticationMethodsUsed', 'clientCredentialType', 'incomingTokenType', 'originalRequestId',
  'processingTimeInMilliseconds', 'resourceServicePrincipalId', 'servicePrincipalCredentialKeyId', 'servicePrincipalCredentialThumbprint',
  'tokenIssuerName', 'tokenIssuerType', 'uniqueTokenIdentifier', 'userType', 'flaggedForReview', 'isTenantRestricted', 'signInIdentifier',
  'signInIdentifierType',
];
export const AUDIT_PROPERTIES = [
  'id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService', 'operationType',
  'initiatedBy', 'targetResources', 'additionalDetails',
];

export class ActivityLogs {
  constructor(
    private readonly ctx: DirectoryContext,
    private readonly skipTokens: SkipTokens,
    private readonly policy: AccessPolicy,
    private readonly retention: RetentionPolicy = DEFAULT_RETENTION,
  ) {}

  private async tenantOf(actor: Actor) {
    return (await this.retentionOf(actor.tenantId)).tenant;
  }

  private async authorize(actor: Actor, report: Report, ownOnly = false) {
    const r = await this.retentionOf(actor.tenantId);
    checkReportingAccess(actor, { license: r.tenant.license, type: r.tenant.tenant_type }, report, this.policy, ownOnly);
    return r;
  }

  private scope(actor: Actor, report: Report, q: LogQuery): string {
    return JSON.stringify([actor.tenantId, report, q.version, q.filter ?? '', q.top ?? '', q.orderby ?? '', q.select ?? '']);
  }

  async listSignIns(actor: Actor, q: LogQuery): Promise<LogPage<Record<string, unknown>>> {
    // permission first (a caller without it learns nothing about the filter), then the filter, then role and licence
    checkReportingAccess(actor, { license: 'P1', type: 'standard' }, 'signIns', this.policy, true);
    const node = parse(q.filter, q.version === 'beta' ? SIGNIN_SPEC_BETA : SIGNIN_SPEC);
    const { tenant, days, floor } = await this.authorize(actor, 'signIns', ownSignInsOnly(node, actor));
    const top = parseTop(q.top);
    const order = parseOrder(q.orderby, 'createdDateTime');
    const select = parseSelect(q.select, q.version === 'beta' ? SIGNIN_PROPERTIES_BETA : SIGNIN_PROPERTIES);
    checkRetention(node, 'createdDateTime', floor, days);
    const scope = this.scope(actor, 'signIns', q);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    // Graph returns interactive user sign-ins unless the caller asks for other event types (beta).
    const view = { version: q.version, tenantId: actor.tenantId, p2: tenant.license === 'P2', caData: mayReadConditionalAccess(actor), unknownEnums: q.unknownEnums ?? false };
    const { rows, dims, next } = await this.signInPage(actor.tenantId, { node, interactiveOnly: !mentions(node, 'signInEventTypes'), floor, order, top, after, view });
    return {
      items: rows.map((r) => project(serializeSignIn(r, dims, view), select)),
      next: next && this.skipTokens.encode(scope, next),
    };
  }

  /**
   * One page of stored sign-ins of a tenant for a validated filter (in Graph's property names), with
   * the dimension rows it refers to, and the keyset position after it when there is more.
   */
  async signInPage(tenantId: string, o: {
    node?: FilterNode; interactiveOnly: boolean; floor: number; order: 'asc' | 'desc'; top: number; after?: KeysetCursor;
    /** what the caller may see: filters on hidden data answer as the hidden values (so they cannot reveal them) */
    view?: { caData: boolean; p2: boolean };
  }) {
    const store = this.ctx.store;
    const tenantRef = await store.signInDims.findTenantRef(tenantId);
    if (tenantRef === undefined) return { rows: [], dims: await loadSignInDims(store.signInDims, []), next: undefined };
    const refs = o.node ? await resolveDimensions(store.db, o.node, SIGNIN_MAPPING, { tenantRef }) : new Map<FilterNode, number[]>();
    const seek = o.node ? selectiveConjunct(o.node, refs) : undefined;
    // an id or correlation id: its own index, which the event-type test must not compete with
    const unique = seek !== undefined && seek.refs.length === 0;
    // Each query runs for one event type, so that it walks (tenant, event_type, created_at) newest
    // first; the event types the filter cannot match are not queried at all.
    const types = o.interactiveOnly ? [EVENT_TYPE_CODE.interactiveUser] : possibleEventTypes(o.node);
    // a few users or apps: one ordered index range per number (no sort of all their rows)
    const seekRefs: (number | undefined)[] = seek && seek.refs.length > 1 ? [...seek.refs] : [undefined];
    const query = (type: number, ref: number | undefined) => {
      // With an id or correlation id the event type must not steer the planner to the time index:
      // `+event_type` is the same test, but no index can serve it (on both engines). A user or an app
      // has its own (tenant, event_type, user|app, created_at) index, which the plain test serves.
      const parts: Expression<SqlBool>[] = [unique ? sql<SqlBool>`+event_type = ${type}` : sql<SqlBool>`event_type = ${type}`];
      const refsNow = ref === undefined || !seek ? refs : new Map(refs).set(seek.node, [ref]);
      // the query is for one event type: its signInEventTypes conditions are decided, not left to the planner
      const decided = (n: FilterNode) => (n.kind === 'any' && n.collection === 'signInEventTypes' ? eventTypeTruth(n, EVENT_TYPES[type]!) : hiddenTruth(n, o.view));
      if (o.node) parts.push(filterToSql(o.node, SIGNIN_MAPPING, { tenantRef, refs: refsNow, unindexed: unique ? UNINDEXED_WHEN_SELECTIVE : undefined, decided }));
      const where = parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
      return logsRepo.listSignIns(store.db, tenantRef, { where: () => where, after: o.after, floor: o.floor, order: o.order, limit: o.top + 1 });
    };
    const lists = await Promise.all(types.flatMap((t) => seekRefs.map((r) => query(t, r))));
    const sign = o.order === 'desc' ? -1 : 1;
    const found = lists.length === 1 ? lists[0]! : lists.flat().sort((x, y) => sign * (x.created_at - y.created_at || x.seq - y.seq)).slice(0, o.top + 1);
    const rows = found.slice(0, o.top);
    const last = rows[rows.length - 1];
    const next: KeysetCursor | undefined = found.length > o.top && last ? { at: last.created_at, id: last.seq } : undefined;
    return { rows, dims: await loadSignInDims(store.signInDims, rows), next };
  }

  /** One page of a tenant's directory audits for a validated filter (Graph's property names). */
  async auditPage(tenantId: string, o: { node?: FilterNode; floor: number; order: 'asc' | 'desc'; top: number; after?: KeysetCursor }) {
    const where = o.node ? filterToSql(o.node, AUDIT_MAPPING) : undefined;
    const found = await logsRepo.listDirectoryAudits(this.ctx.store.db, tenantId, { where: where && (() => where), after: o.after, floor: o.floor, order: o.order, limit: o.top + 1 });
    const rows = found.slice(0, o.top);
    const last = rows[rows.length - 1];
    const next: KeysetCursor | undefined = found.length > o.top && last ? { at: last.activity_at, id: last.id } : undefined;
    return { rows, next };
  }

  /** The tenant, its retention in days and the oldest time it serves. */
  async retentionOf(tenantId: string) {
    const tenant = await tenantsRepo.getTenant(this.ctx.store.db, tenantId);
    if (!tenant) throw new DirectoryError('forbidden', 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const days = retentionDays(tenant.license, this.retention);
    return { tenant, days, floor: this.ctx.clock() - days * DAY_MS };
  }

  async getSignIn(actor: Actor, version: ApiVersion, id: string, opts: { select?: string; unknownEnums?: boolean } = {}): Promise<Record<string, unknown>> {
    checkReportingAccess(actor, { license: 'P1', type: 'standard' }, 'signIns', this.policy, true);
    const tenant = await this.tenantOf(actor);
    const floor = this.ctx.clock() - retentionDays(tenant.license, this.retention) * DAY_MS;
    const select = parseSelect(opts.select, version === 'beta' ? SIGNIN_PROPERTIES_BETA : SIGNIN_PROPERTIES);
    const dims = this.ctx.store.signInDims;
    const tenantRef = await dims.findTenantRef(actor.tenantId);
    const row = tenantRef !== undefined && isGuid(id) ? await logsRepo.getSignIn(this.ctx.store.db, tenantRef, id.toLowerCase(), floor) : undefined;
    const pageDims = row ? await loadSignInDims(dims, [row]) : undefined;
    // a user without a reporting role may read a sign-in of their own
    const own = !!row && actor.kind === 'user' && row.user_ref !== null && pageDims?.users.get(row.user_ref)?.user_id === actor.userId;
    checkReportingAccess(actor, { license: tenant.license, type: tenant.tenant_type }, 'signIns', this.policy, own);
    if (!row || !pageDims || (version === 'v1.0' && row.event_type !== EVENT_TYPE_CODE.interactiveUser)) {
      throw new DirectoryError('notFound', 'ResourceNotFound', 'Resource not found.');
    }
    const view = { version, tenantId: actor.tenantId, p2: tenant.license === 'P2', caData: mayReadConditionalAccess(actor), unknownEnums: opts.unknownEnums ?? false };
    return project(serializeSignIn(row, pageDims, view), select);
  }

  async listDirectoryAudits(actor: Actor, q: LogQuery): Promise<LogPage<Record<string, unknown>>> {
    const { days, floor } = await this.authorize(actor, 'directoryAudits');
    const top = parseTop(q.top);
    const order = parseOrder(q.orderby, 'activityDateTime');
    const node = parse(q.filter, AUDIT_SPEC);
    const select = parseSelect(q.select, AUDIT_PROPERTIES);
    checkRetention(node, 'activityDateTime', floor, days);
    const scope = this.scope(actor, 'directoryAudits', q);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    const { rows, next } = await this.auditPage(actor.tenantId, { node, floor, order, top, after });
    return {
      items: rows.map((r) => project(serializeAudit(r, q.version), select)),
      next: next && this.skipTokens.encode(scope, next),
    };
  }

  async getDirectoryAudit(actor: Actor, version: ApiVersion, id: string, opts: { select?: string } = {}): Promise<Record<string, unknown>> {
    const { floor } = await this.authorize(actor, 'directoryAudits');
    const select = parseSelect(opts.select, AUDIT_PROPERTIES);
    // ids we issue are Directory_<guid>_<suffix>_<n>; anything else (NUL breaks PostgreSQL text) cannot match
    const row = /^[\w-]{1,128}$/.test(id) ? await logsRepo.getDirectoryAudit(this.ctx.store.db, actor.tenantId, id, floor) : undefined;
    if (!row) throw new DirectoryError('notFound', 'ResourceNotFound', 'Resource not found.');
    return project(serializeAudit(row, version), select);
  }

  /** Deletes what is past retention, a batch at a time; returns how many records went. */
  async purgeExpired(batch = 5000): Promise<number> {
    let total = 0;
    const now = this.ctx.clock();
    for (const t of await tenantsRepo.listTenants(this.ctx.store.db)) {
      const floor = now - retentionDays(t.license, this.retention) * DAY_MS;
      const tenantRef = await this.ctx.store.signInDims.findTenantRef(t.id);
      for (;;) {
        const n = tenantRef === undefined ? 0 : await logsRepo.purgeSignIns(this.ctx.store.db, tenantRef, floor, batch);
        const m = await logsRepo.purgeDirectoryAudits(this.ctx.store.db, t.id, floor, batch);
        total += n + m;
        if (n < batch && m < batch) break;
        await new Promise((r) => setImmediate(r)); // let queries in between batches
      }
      if (tenantRef === undefined) continue;
      // what the purged sign-ins referred to (user names, user agents, …): rows no process has used
      // since two days before the floor, so no kept sign-in can refer to them
      const beforeDay = Math.floor(floor / DAY_MS) - 2;
      for (const table of TENANT_DIMS) {
        for (;;) {
          const d = await purgeDimensions(this.ctx.store.db, table, tenantRef, beforeDay, batch);
          total += d;
          if (d < batch) break;
          await new Promise((r) => setImmediate(r));
        }
      }
    }
    return total;
  }
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
