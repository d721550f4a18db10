import { isoTime } from '../lib/time.js';
import type { NewSignInRow, SignInRow } from '../store/repositories/logs.js';
import type { AssessmentItem, DimRow, SignInDimensions } from '../store/repositories/signInDims.js';
import { describeUserAgent } from '../identity/userAgent.js';

/**
 * The sign-in record: what Tenantry (and `tenantry generate`) knows of one sign-in, how it is
 * stored (a narrow row and its dimensions), and how Graph shows it.
 */
export type SignInEventType = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal' | 'managedIdentity';
export const EVENT_TYPES: readonly SignInEventType[] = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'];
export const EVENT_TYPE_CODE: Readonly<Record<SignInEventType, number>> = { interactiveUser: 0, nonInteractiveUser: 1, servicePrincipal: 2, managedIdentity: 3 };

export interface AppliedPolicy {
  id: string;
  displayName: string;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  result: string;
}

/** One step of authenticationDetails; its time is the sign-in's own. */
export interface AuthenticationStep {
  authenticationMethod: string;
  authenticationMethodDetail: string | null;
  succeeded: boolean;
  authenticationStepResultDetail: string;
  authenticationStepRequirement: string;
}

/** Conditional Access, MFA and risk. */
export interface Assessment {
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  riskDetail: string;
  riskLevelAggregated: string;
  riskLevelDuringSignIn: string;
  riskState: string;
  riskEventTypes: string[];
  appliedConditionalAccessPolicies: AppliedPolicy[];
  authenticationDetails: AuthenticationStep[];
  authenticationMethodsUsed: string[];
}

export interface DeviceInfo {
  deviceId: string;
  displayName: string;
  isCompliant: boolean;
  isManaged: boolean;
  trustType: string;
}

export interface Place {
  city: string;
  state: string;
  countryOrRegion: string;
  latitude: number | null;
  longitude: number | null;
}

export interface SignInEvent {
  id: string;
  tenantId: string;
  createdAt: number;
  eventType: SignInEventType;
  correlationId: string;
  /** the request id of this token request (Entra's originalRequestId) */
  requestId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  clientAppUsed: string;
  authenticationProtocol: string;
  clientCredentialType: string;
  user?: { id: string | null; userPrincipalName: string; displayName: string | null; userType?: 'member' | 'guest' };
  app?: { appId: string; displayName: string | null; servicePrincipalId: string | null };
  resource?: { appId: string; displayName: string; servicePrincipalId: string | null };
  credentialKeyId?: string | null;
  status: { errorCode: number; failureReason: string | null; additionalDetails?: string | null };
  uniqueTokenIdentifier?: string | null;
  processingTimeMs?: number;
  /** where the sign-in came from; null or absent when unknown (private addresses) */
  location?: Place | null;
  device?: DeviceInfo;
  /** browser and operating system, when known better than the user agent tells */
  deviceDetail?: { browser: string; operatingSystem: string };
  assessment?: Assessment;
}

/** Stored instead of a failed sign-in's user name or User-Agent when too many new ones arrive at once. */
const NOT_RECORDED = '(not recorded: too many distinct values)';
const NOT_RECORDED_USER = { id: null, userPrincipalName: NOT_RECORDED, displayName: null };

const NO_DEVICE: DeviceInfo = { deviceId: '', displayName: '', isCompliant: false, isManaged: false, trustType: '' };

/** What a sign-in that met no policy and no risk looks like. */
export function plainAssessment(steps: AuthenticationStep[] = []): Assessment {
  return {
    conditionalAccessStatus: 'notApplied', authenticationRequirement: 'singleFactorAuthentication',
    riskDetail: 'none', riskLevelAggregated: 'none', riskLevelDuringSignIn: 'none', riskState: 'none', riskEventTypes: [],
    appliedConditionalAccessPolicies: [], authenticationDetails: steps, authenticationMethodsUsed: [...new Set(steps.filter((s) => s.succeeded).map((s) => s.authenticationMethod))],
  };
}

/** At most n code points (never splitting a surrogate pair), for length-limited columns. */
export function clip(v: string | null | undefined, n: number): string | null {
  if (v === null || v === undefined) return null;
  if (v.length <= n) return v;
  return Array.from(v).slice(0, n).join('');
}

const lc = (v: string | null): string | null => (v === null ? null : v.toLowerCase());

/** The dimension values of an event, in storage form (callers may intern them once and reuse the numbers). */
export const dimValues = {
  user: (u: NonNullable<SignInEvent['user']>) => {
    const name = clip(u.displayName, 256);
    return { user_id: u.id?.toLowerCase() ?? null, user_principal_name: clip(u.userPrincipalName.toLowerCase(), 320)!, user_display_name: name, user_display_name_lc: lc(name), user_type: u.userType ?? 'member' };
  },
  app: (a: NonNullable<SignInEvent['app']>) => {
    const name = clip(a.displayName, 256);
    return { app_id: clip(a.appId.toLowerCase(), 36)!, app_display_name: name, app_display_name_lc: lc(name), service_principal_id: a.servicePrincipalId?.toLowerCase() ?? null };
  },
  resource: (r: NonNullable<SignInEvent['resource']>) => {
    const name = clip(r.displayName, 256);
    return { resource_id: clip(r.appId.toLowerCase(), 64)!, resource_display_name: name, resource_display_name_lc: lc(name), resource_service_principal_id: r.servicePrincipalId?.toLowerCase() ?? null };
  },
  client: (e: Pick<SignInEvent, 'userAgent' | 'clientAppUsed' | 'authenticationProtocol' | 'clientCredentialType' | 'credentialKeyId' | 'device' | 'deviceDetail'>) => {
    const ua = clip(e.userAgent, 512) ?? '';
    const detail = e.deviceDetail ?? describeUserAgent(ua);
    const browser = clip(detail.browser, 64)!;
    const os = clip(detail.operatingSystem, 64)!;
    const app = clip(e.clientAppUsed, 64)!;
    return {
      client_app_used: app, client_app_used_lc: app.toLowerCase(), user_agent: ua, user_agent_lc: ua.toLowerCase(),
      browser, browser_lc: browser.toLowerCase(), operating_system: os, operating_system_lc: os.toLowerCase(),
      device: JSON.stringify(e.device ?? NO_DEVICE), authentication_protocol: e.authenticationProtocol,
      client_credential_type: e.clientCredentialType, credential_key_id: e.credentialKeyId ?? null,
    };
  },
  location: (p: Place) => {
    const city = clip(p.city, 128)!;
    const state = clip(p.state, 128)!;
    const country = clip(p.countryOrRegion, 8)!;
    return { city, city_lc: city.toLowerCase(), state, state_lc: state.toLowerCase(), country_or_region: country, country_or_region_lc: country.toLowerCase(), latitude: p.latitude, longitude: p.longitude };
  },
  status: (s: SignInEvent['status']) => ({
    error_code: s.errorCode, failure_reason: s.errorCode === 0 ? null : clip(s.failureReason, 1024), additional_details: clip(s.additionalDetails, 1024),
  }),
  assessment: (a: Assessment) => ({
    conditional_access_status: a.conditionalAccessStatus, authentication_requirement: a.authenticationRequirement,
    risk_detail: a.riskDetail, risk_level_aggregated: a.riskLevelAggregated, risk_level_during_sign_in: a.riskLevelDuringSignIn, risk_state: a.riskState,
    risk_event_types: JSON.stringify(a.riskEventTypes), policies: JSON.stringify(a.appliedConditionalAccessPolicies),
    authentication_details: JSON.stringify(a.authenticationDetails), authentication_methods: JSON.stringify(a.authenticationMethodsUsed),
  }),
  assessmentItems: (a: Assessment): AssessmentItem[] => [
    ...a.riskEventTypes.map((r) => ({ kind: 'risk' as const, value: r, display_name_lc: null, result: null })),
    ...a.appliedConditionalAccessPolicies.map((p) => ({ kind: 'policy' as const, value: p.id.toLowerCase(), display_name_lc: p.displayName.toLowerCase(), result: p.result })),
  ],
};

/** The dimension numbers of an event's parts, interned as needed. */
export async function internDimensions(dims: SignInDimensions, tenantRef: number, e: SignInEvent) {
  // what a failed sign-in's caller typed or sent is theirs to choose: its new values are rationed
  const failed = e.status.errorCode !== 0;
  return {
    user_ref: e.user ? await dims.intern('signin_users', tenantRef, dimValues.user(e.user), [], failed ? { fallback: dimValues.user(NOT_RECORDED_USER) } : undefined) : null,
    app_ref: e.app ? await dims.intern('signin_apps', tenantRef, dimValues.app(e.app)) : null,
    resource_ref: e.resource ? await dims.intern('signin_resources', tenantRef, dimValues.resource(e.resource)) : null,
    client_ref: await dims.intern('signin_clients', tenantRef, dimValues.client(e), [], failed ? { fallback: dimValues.client({ ...e, userAgent: NOT_RECORDED, deviceDetail: { browser: '', operatingSystem: '' } }) } : undefined),
    location_ref: e.location ? await dims.intern('signin_locations', tenantRef, dimValues.location(e.location)) : null,
    status_ref: await dims.intern('signin_statuses', tenantRef, dimValues.status(e.status)),
    assessment_ref: e.assessment ? await dims.intern('signin_assessments', tenantRef, dimValues.assessment(e.assessment), dimValues.assessmentItems(e.assessment)) : null,
  };
}

/** The stored row of a sign-in event. */
export async function toSignInRow(dims: SignInDimensions, e: SignInEvent): Promise<NewSignInRow> {
  const tenantRef = await dims.tenantRef(e.tenantId);
  return {
    tenant_ref: tenantRef,
    id: e.id.toLowerCase(),
    created_at: e.createdAt,
    event_type: EVENT_TYPE_CODE[e.eventType],
    ...(await internDimensions(dims, tenantRef, e)),
    ip_address: clip(e.ipAddress?.toLowerCase(), 45),
    correlation_id: clip(e.correlationId.toLowerCase(), 36)!,
    request_id: clip(e.requestId?.toLowerCase(), 36),
    token_id: clip(e.uniqueTokenIdentifier, 64),
    processing_ms: Math.max(0, Math.min(Math.round(e.processingTimeMs ?? 0), 2_147_483_647)),
  };
}

/* ------------------------------------------------------------------ reading */

/** The dimension rows a page of sign-ins refers to. */
export interface SignInDimsOfPage {
  users: Map<number, DimRow<'signin_users'>>;
  apps: Map<number, DimRow<'signin_apps'>>;
  resources: Map<number, DimRow<'signin_resources'>>;
  clients: Map<number, DimRow<'signin_clients'>>;
  locations: Map<number, DimRow<'signin_locations'>>;
  statuses: Map<number, DimRow<'signin_statuses'>>;
  assessments: Map<number, DimRow<'signin_assessments'>>;
}

export async function loadSignInDims(dims: SignInDimensions, rows: SignInRow[]): Promise<SignInDimsOfPage> {
  const [users, apps, resources, clients, locations, statuses, assessments] = await Promise.all([
    dims.load('signin_users', rows.map((r) => r.user_ref)),
    dims.load('signin_apps', rows.map((r) => r.app_ref)),
    dims.load('signin_resources', rows.map((r) => r.resource_ref)),
    dims.load('signin_clients', rows.map((r) => r.client_ref)),
    dims.load('signin_locations', rows.map((r) => r.location_ref)),
    dims.load('signin_statuses', rows.map((r) => r.status_ref)),
    dims.load('signin_assessments', rows.map((r) => r.assessment_ref)),
  ]);
  return { users, apps, resources, clients, locations, statuses, assessments };
}

export interface SignInView {
  version: 'v1.0' | 'beta';
  tenantId: string;
  /** risk detail is shown on P2 tenants only; others see "hidden" */
  p2: boolean;
  /** the caller may read Conditional Access data (else appliedConditionalAccessPolicies is omitted) */
  caData: boolean;
  /** Prefer: include-unknown-enum-members */
  unknownEnums: boolean;
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

// Members Graph adds after unknownFutureValue: shown only to callers that say they know them.
const EVOLVED = {
  riskDetail: new Set(['m365DAdminDismissedDetection', 'adminConfirmedServicePrincipalCompromised', 'adminDismissedAllRiskForServicePrincipal',
    'userChangedPasswordOnPremises', 'adminDismissedRiskForSignIn', 'adminConfirmedAccountSafe', 'microsoftRevokedSessions']),
  policyResult: new Set(['reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted']),
};
const evolvable = (v: string, members: ReadonlySet<string>, view: SignInView) => (!view.unknownEnums && members.has(v) ? 'unknownFutureValue' : v);

const parsedJson = new WeakMap<object, unknown>();
/** The JSON columns of an (immutable, cached) dimension row, parsed once. */
function parsed<T>(row: object, column: string, text: string): T {
  let cache = parsedJson.get(row) as Record<string, unknown> | undefined;
  if (!cache) parsedJson.set(row, (cache = {}));
  if (!(column in cache)) cache[column] = JSON.parse(text);
  return cache[column] as T;
}

export function serializeSignIn(r: SignInRow, d: SignInDimsOfPage, view: SignInView): Record<string, unknown> {
  const eventType = EVENT_TYPES[r.event_type] ?? 'interactiveUser';
  const user = r.user_ref === null ? undefined : d.users.get(r.user_ref);
  const app = r.app_ref === null ? undefined : d.apps.get(r.app_ref);
  const resource = r.resource_ref === null ? undefined : d.resources.get(r.resource_ref);
  const client = r.client_ref === null ? undefined : d.clients.get(r.client_ref);
  const place = r.location_ref === null ? undefined : d.locations.get(r.location_ref);
  const status = d.statuses.get(r.status_ref);
  const assessment = r.assessment_ref === null ? undefined : d.assessments.get(r.assessment_ref);
  const createdDateTime = isoTime(r.created_at);
  const isApp = eventType === 'servicePrincipal' || eventType === 'managedIdentity';
  const device = client ? parsed<DeviceInfo>(client, 'device', client.device) : NO_DEVICE;
  const riskVisible = view.p2;
  const risk = (v: string | undefined) => (riskVisible ? (v ?? 'none') : 'hidden');
  const out: Record<string, unknown> = {
    id: r.id,
    createdDateTime,
    userDisplayName: user ? user.user_display_name : isApp ? null : '',
    userPrincipalName: user ? user.user_principal_name : isApp ? null : '',
    userId: user?.user_id ?? '',
    appId: app?.app_id ?? '',
    appDisplayName: app?.app_display_name ?? '',
    ipAddress: r.ip_address ?? '',
    clientAppUsed: client?.client_app_used ?? '',
    userAgent: client?.user_agent ?? '',
    correlationId: r.correlation_id,
    conditionalAccessStatus: assessment?.conditional_access_status ?? 'notApplied',
    isInteractive: eventType === 'interactiveUser',
    riskDetail: riskVisible ? evolvable(assessment?.risk_detail ?? 'none', EVOLVED.riskDetail, view) : 'hidden',
    riskLevelAggregated: risk(assessment?.risk_level_aggregated),
    riskLevelDuringSignIn: risk(assessment?.risk_level_during_sign_in),
    riskState: riskVisible ? (assessment?.risk_state ?? 'none') : 'none',
    riskEventTypes: [] as string[],
    riskEventTypes_v2: riskVisible && assessment ? parsed<string[]>(assessment, 'risk_event_types', assessment.risk_event_types) : [],
    resourceDisplayName: resource?.resource_display_name ?? '',
    resourceId: resource?.resource_id ?? '',
    resourceTenantId: view.tenantId,
    homeTenantId: view.tenantId,
    servicePrincipalId: app?.service_principal_id ?? ZERO_GUID,
    servicePrincipalName: isApp ? (app?.app_display_name ?? '') : '',
    status: {
      errorCode: status?.error_code ?? 0,
      failureReason: status?.error_code ? (status.failure_reason ?? 'Other.') : 'Other.',
      additionalDetails: status?.additional_details ?? null,
    },
    deviceDetail: {
      deviceId: device.deviceId, displayName: device.displayName, operatingSystem: client?.operating_system ?? '',
      browser: client?.browser ?? '', isCompliant: device.isCompliant, isManaged: device.isManaged, trustType: device.trustType,
    },
    location: {
      city: place?.city ?? '', state: place?.state ?? '', countryOrRegion: place?.country_or_region ?? '',
      geoCoordinates: { altitude: null, latitude: place?.latitude ?? null, longitude: place?.longitude ?? null },
    },
  };
  out.riskEventTypes = out.riskEventTypes_v2; // the legacy enum list and its string twin carry the same names here
  if (view.caData) {
    const policies = assessment ? parsed<AppliedPolicy[]>(assessment, 'policies', assessment.policies) : [];
    out.appliedConditionalAccessPolicies = policies.map((p) => ({ ...p, result: evolvable(p.result, EVOLVED.policyResult, view) }));
  }
  if (view.version === 'beta') {
    delete out.riskEventTypes;
    const steps = assessment ? parsed<AuthenticationStep[]>(assessment, 'authentication_details', assessment.authentication_details) : [];
    Object.assign(out, {
      signInEventTypes: [eventType],
      authenticationProtocol: client?.authentication_protocol ?? 'none',
      authenticationRequirement: assessment?.authentication_requirement ?? 'singleFactorAuthentication',
      authenticationDetails: steps.map((s) => ({ authenticationStepDateTime: createdDateTime, ...s })),
      authenticationMethodsUsed: assessment ? parsed<string[]>(assessment, 'authentication_methods', assessment.authentication_methods) : [],
      clientCredentialType: client?.client_credential_type ?? 'none',
      incomingTokenType: 'none',
      originalRequestId: r.request_id ?? '',
      processingTimeInMilliseconds: r.processing_ms,
      resourceServicePrincipalId: resource?.resource_service_principal_id ?? '',
      servicePrincipalCredentialKeyId: client?.credential_key_id ?? '',
      servicePrincipalCredentialThumbprint: '',
      tokenIssuerName: '',
      tokenIssuerType: 'AzureAD',
      uniqueTokenIdentifier: r.token_id ?? '',
      userType: isApp ? null : (user?.user_type ?? 'member'),
      flaggedForReview: false,
      isTenantRestricted: false,
      signInIdentifier: user?.user_principal_name ?? '',
      signInIdentifierType: user ? 'userPrincipalName' : null,
    });
  }
  return out;
}
