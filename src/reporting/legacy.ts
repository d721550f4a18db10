import type { Actor } from '../directory/actor.js';
import { DirectoryError } from '../directory/errors.js';
import type { FilterNode } from '../graph/odata/ast.js';
import { ODataError } from '../graph/odata/errors.js';
import { parseFilter } from '../graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../graph/odata/validate.js';
import { isoTime } from '../lib/time.js';
import type { DirectoryAuditRow, SignInRow } from '../store/repositories/logs.js';
import { REPORTING_ROLES } from './access.js';
import { ActivityLogs, badSkipToken, checkRetention, parseTop } from './logs.js';
import type { SignInDimsOfPage } from './records.js';
import type { SkipTokens } from './skiptoken.js';

/**
 * The retired Azure AD Graph reporting endpoints (contract §8): `GET /{tenant}/activities/signinEvents`
 * and `/activities/audit` with `api-version=beta`, for tokens issued for https://graph.windows.net.
 * They read the same records as Microsoft Graph's `/auditLogs/*`; filters are rewritten into Graph's
 * property names and run through the same query code. The record shapes follow what the retired
 * reference pages showed (the contract marks them unconfirmed).
 */
export class LegacyDenied extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface LegacyQuery {
  filter?: string;
  top?: string;
  orderby?: string;
  skiptoken?: string;
}

const TIME_OPS = ['eq', 'ge', 'le', 'gt', 'lt'] as const;
const EQ = ['eq'] as const;

const SIGNIN_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: false,
  fields: {
    signinDateTime: { type: 'datetime', ops: TIME_OPS },
    userId: { type: 'guid', ops: EQ },
    userPrincipalName: { type: 'string', ops: EQ },
    appId: { type: 'guid', ops: EQ },
    appDisplayName: { type: 'string', ops: EQ },
    loginStatus: { type: 'int', ops: EQ },
  },
  collections: {},
};

const AUDIT_SPEC: FilterSpec = {
  allowOr: true,
  allowNot: false,
  fields: {
    activityDate: { type: 'datetime', ops: TIME_OPS },
    category: { type: 'string', ops: EQ },
    activityStatus: { type: 'int', ops: EQ },
    activityType: { type: 'string', ops: EQ },
    activity: { type: 'string', ops: ['eq', 'startswith'] },
    'actor/objectId': { type: 'guid', ops: EQ },
  },
  collections: { targets: { element: { name: { type: 'string', ops: EQ }, objectId: { type: 'string', ops: EQ } } } },
};

/** Legacy activity types ↔ Graph audit categories. */
const ACTIVITY_TYPES: Record<string, string> = {
  User: 'UserManagement', Group: 'GroupManagement', Application: 'ApplicationManagement', Role: 'RoleManagement', Directory: 'DirectoryManagement', Policy: 'Policy',
};
const TYPE_OF_CATEGORY = Object.fromEntries(Object.entries(ACTIVITY_TYPES).map(([k, v]) => [v, k]));

const FALSE: FilterNode = { kind: 'compare', op: 'eq', property: 'id', value: { kind: 'string', value: '' } };

/** Rewrites a validated legacy sign-in filter into Graph's signIn property names. */
function signInFilter(node: FilterNode): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, items: node.items.map(signInFilter) };
    case 'compare': {
      if (node.property === 'loginStatus') {
        // 0 = success, 1 = failure (any AADSTS code)
        if (node.value.kind !== 'number' || (node.value.value !== 0 && node.value.value !== 1)) return FALSE;
        return { kind: 'compare', op: node.value.value === 0 ? 'eq' : 'ne', property: 'status/errorCode', value: { kind: 'number', value: 0 } };
      }
      return { ...node, property: node.property === 'signinDateTime' ? 'createdDateTime' : node.property };
    }
    default:
      throw new ODataError(`unexpected ${node.kind} in a legacy sign-in filter`);
  }
}

/** Rewrites a validated legacy audit filter into Graph's directoryAudit property names. */
function auditFilter(node: FilterNode): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, items: node.items.map(auditFilter) };
    case 'compare': {
      const text = node.value.kind === 'string' ? node.value.value : undefined;
      switch (node.property) {
        case 'activityDate':
          return { ...node, property: 'activityDateTime' };
        case 'category':
          // Tenantry's audits all come from the core directory: the legacy category "Directory"
          return text === 'Directory' ? { kind: 'compare', op: 'eq', property: 'loggedByService', value: { kind: 'string', value: 'Core Directory' } } : FALSE;
        case 'activityStatus':
          if (node.value.kind !== 'number' || (node.value.value !== 0 && node.value.value !== -1)) return FALSE;
          return { kind: 'compare', op: 'eq', property: 'result', value: { kind: 'string', value: node.value.value === 0 ? 'success' : 'failure' } };
        case 'activityType':
          return text !== undefined && ACTIVITY_TYPES[text] ? { kind: 'compare', op: 'eq', property: 'category', value: { kind: 'string', value: ACTIVITY_TYPES[text] } } : FALSE;
        case 'activity':
          return { ...node, property: 'activityDisplayName' };
        case 'actor/objectId':
          return { kind: 'or', items: [{ ...node, property: 'initiatedBy/user/id' }, { ...node, property: 'initiatedBy/app/appId' }] };
        default:
          throw new ODataError(`unexpected property ${node.property}`);
      }
    }
    case 'function':
      return { ...node, property: 'activityDisplayName' };
    case 'any': {
      const rename = (n: FilterNode): FilterNode => {
        if (n.kind === 'compare' || n.kind === 'function') return { ...n, property: n.property === 'name' ? 'displayName' : 'id' } as FilterNode;
        if (n.kind === 'and' || n.kind === 'or') return { kind: n.kind, items: n.items.map(rename) };
        throw new ODataError('unexpected lambda body');
      };
      return { kind: 'any', collection: 'targetResources', predicate: rename(node.predicate) };
    }
    default:
      throw new ODataError(`unexpected ${node.kind} in a legacy audit filter`);
  }
}

/** Roles a signed-in user needs for the legacy reports (the seed's list, plus today's readers). */
const LEGACY_READ_SCOPES = ['Directory.Read.All', 'Directory.AccessAsUser.All'];

export class LegacyReports {
  constructor(
    private readonly logs: ActivityLogs,
    private readonly skipTokens: SkipTokens,
  ) {}

  /** The seed's rules in Azure AD Graph's words: "Read directory data", the user's role, the licence. */
  private async authorize(actor: Actor, report: 'signinEvents' | 'audit') {
    if (actor.kind === 'app' && !actor.appRoles.has('Directory.Read.All') && !actor.appRoles.has('Directory.ReadWrite.All')) {
      throw new LegacyDenied(403, 'Authorization_RequestDenied', "Application missing AAD 'Read directory data' permission");
    }
    if (actor.kind === 'user') {
      if (!LEGACY_READ_SCOPES.some((s) => actor.scopes.has(s))) {
        throw new LegacyDenied(403, 'Authorization_RequestDenied', "Application missing AAD 'Read directory data' permission");
      }
      if (!actor.roles.some((r) => REPORTING_ROLES.includes(r))) {
        throw new LegacyDenied(403, 'Authorization_RequestDenied', 'The allowed roles does not include User.');
      }
    }
    const r = await this.logs.retentionOf(actor.tenantId);
    if (report === 'signinEvents' && r.tenant.tenant_type !== 'b2c' && r.tenant.license === 'none') {
      throw new LegacyDenied(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Tenant is not B2C or tenant doesn't have premium license");
    }
    return r;
  }

  async signinEvents(actor: Actor, q: LegacyQuery) {
    const { tenant, days, floor } = await this.authorize(actor, 'signinEvents');
    if (q.orderby !== undefined) {
      throw new DirectoryError('badRequest', 'Request_BadRequest', "Query option 'OrderBy' is not allowed. To allow it, set the 'AllowedQueryOptions' property on QueryValidationSettings.");
    }
    const node = q.filter === undefined ? undefined : signInFilter(validateFilter(parseFilter(q.filter), SIGNIN_SPEC));
    checkRetention(node, 'createdDateTime', floor, days);
    const top = parseTop(q.top);
    const scope = JSON.stringify([actor.tenantId, 'legacy-signinEvents', q.filter ?? '', q.top ?? '']);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    const page = await this.logs.signInPage(actor.tenantId, { node, interactiveOnly: true, floor, order: 'desc', top, after });
    return {
      items: page.rows.map((r) => legacySignIn(r, page.dims, tenant.id)),
      next: page.next && this.skipTokens.encode(scope, page.next),
    };
  }

  async audit(actor: Actor, q: LegacyQuery) {
    const { days, floor } = await this.authorize(actor, 'audit');
    let order: 'asc' | 'desc' = 'desc';
    if (q.orderby !== undefined) {
      const m = /^\s*activityDate(?:\s+(asc|desc))?\s*$/i.exec(q.orderby);
      if (!m) throw new DirectoryError('badRequest', 'Request_BadRequest', "Invalid $orderby: only 'activityDate' is supported.");
      order = (m[1]?.toLowerCase() as 'asc' | 'desc' | undefined) ?? 'asc';
    }
    const node = q.filter === undefined ? undefined : auditFilter(validateFilter(parseFilter(q.filter), AUDIT_SPEC));
    checkRetention(node, 'activityDateTime', floor, days);
    const top = parseTop(q.top);
    const scope = JSON.stringify([actor.tenantId, 'legacy-audit', q.filter ?? '', q.top ?? '', q.orderby ?? '']);
    const after = q.skiptoken === undefined ? undefined : this.skipTokens.decode(scope, q.skiptoken);
    if (q.skiptoken !== undefined && !after) throw badSkipToken();
    const page = await this.logs.auditPage(actor.tenantId, { node, floor, order, top, after });
    return {
      items: page.rows.map((r) => legacyAudit(r, actor.tenantId)),
      next: page.next && this.skipTokens.encode(scope, page.next),
    };
  }
}

/** A sign-in as Azure AD Graph's signinEvents showed it. */
function legacySignIn(r: SignInRow, d: SignInDimsOfPage, tenantId: string): Record<string, unknown> {
  const user = r.user_ref === null ? undefined : d.users.get(r.user_ref);
  const app = r.app_ref === null ? undefined : d.apps.get(r.app_ref);
  const client = r.client_ref === null ? undefined : d.clients.get(r.client_ref);
  const place = r.location_ref === null ? undefined : d.locations.get(r.location_ref);
  const status = d.statuses.get(r.status_ref);
  const code = status?.error_code ?? 0;
  return {
    id: r.id,
    signinDateTime: isoTime(r.created_at),
    userDisplayName: user?.user_display_name ?? null,
    userPrincipalName: user?.user_principal_name ?? null,
    userId: user?.user_id ?? null,
    appId: app?.app_id ?? null,
    appDisplayName: app?.app_display_name ?? null,
    ipAddress: r.ip_address,
    loginStatus: code === 0 ? 0 : 1,
    signinErrorCode: code,
    failureReason: code === 0 ? null : (status?.failure_reason ?? null),
    deviceInformation: client ? [client.operating_system, client.browser].filter(Boolean).join(';') : null,
    location: place ? { city: place.city, state: place.state, country: place.country_or_region, geoCoordinates: { latitude: place.latitude, longitude: place.longitude } } : null,
    correlationId: r.correlation_id,
    tenantId,
  };
}

interface AuditDetails {
  initiatedBy: { user?: { id?: string; displayName?: string | null; userPrincipalName?: string } | null; app?: { appId?: string | null; displayName?: string | null; servicePrincipalId?: string | null } | null };
  targetResources: { id: string; displayName: string | null; type: string; userPrincipalName?: string | null; modifiedProperties?: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
  additionalDetails: { key: string; value: string }[];
}

/** A directory audit record as Azure AD Graph's activities/audit showed it. */
function legacyAudit(r: DirectoryAuditRow, tenantId: string): Record<string, unknown> {
  const d = JSON.parse(r.details) as AuditDetails;
  const user = d.initiatedBy.user;
  const app = d.initiatedBy.app;
  return {
    id: r.id,
    activityDate: isoTime(r.activity_at),
    activityType: TYPE_OF_CATEGORY[r.category] ?? 'Other',
    activityOperationType: r.operation_type,
    activity: r.activity_display_name,
    activityStatus: r.result === 'success' ? 0 : -1,
    activityResultDescription: r.result_reason,
    category: 'Directory',
    activitySource: r.logged_by_service,
    correlationId: r.correlation_id,
    tenantId,
    actor: user
      ? { '@odata.type': 'Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.AuditLog.ActorUserEntity', name: user.displayName ?? user.userPrincipalName ?? null, objectId: user.id ?? null, userPrincipalName: user.userPrincipalName ?? null }
      : { '@odata.type': 'Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.AuditLog.ActorApplicationEntity', name: app?.displayName ?? null, objectId: app?.appId ?? null, servicePrincipalId: app?.servicePrincipalId ?? null },
    targets: d.targetResources.map((t) => ({
      name: t.displayName,
      objectId: t.id,
      targetResourceType: t.type,
      userPrincipalName: t.userPrincipalName ?? null,
      modifiedProperties: (t.modifiedProperties ?? []).map((m) => ({ name: m.displayName, oldValue: m.oldValue, newValue: m.newValue })),
    })),
    additionalDetails: d.additionalDetails.map((a) => ({ name: a.key, value: a.value })),
  };
}
