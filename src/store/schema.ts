import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Times are Unix epoch milliseconds (bigint in PostgreSQL,
 * INTEGER in SQLite; both read back as JS numbers). Booleans are stored as 0/1 integers so the
 * same code runs on both engines. JSON columns hold text.
 */
export interface TenantsTable {
  id: string;
  display_name: string;
  tenant_type: 'standard' | 'b2c';
  license: 'none' | 'P1' | 'P2';
  created_at: number;
  /** bumped by every directory change (with its audit record); lets readers cache per version */
  directory_version: Generated<number>;
}

export interface DomainsTable {
  name: string; // lower-case, unique across the installation
  tenant_id: string;
  is_default: number;
  is_initial: number;
  is_verified: number;
  created_at: number;
}

export interface UsersTable {
  tenant_id: string;
  id: string;
  user_principal_name: string; // lower-case
  display_name: string;
  given_name: string | null;
  surname: string | null;
  mail: string | null;
  password_hash: string;
  account_enabled: number;
  created_at: number;
}

export interface RoleAssignmentsTable {
  tenant_id: string;
  id: string;
  principal_id: string;
  role_definition_id: string;
  directory_scope_id: string;
  created_at: number;
}

export interface ApplicationsTable {
  tenant_id: string;
  id: string;
  app_id: string;
  display_name: string;
  sign_in_audience: string;
  is_fallback_public_client: number;
  /** JSON: web, spa, publicClient, requiredResourceAccess, identifierUris, description, notes, tags */
  body: string;
  created_at: number;
}

export interface PasswordCredentialsTable {
  tenant_id: string;
  key_id: string;
  application_id: string;
  display_name: string | null;
  hint: string;
  secret_hash: string;
  start_at: number;
  end_at: number;
}

export interface ServicePrincipalsTable {
  tenant_id: string;
  id: string;
  app_id: string;
  display_name: string;
  app_owner_organization_id: string | null;
  service_principal_type: string;
  /** built-in first-party principal (Microsoft Graph, Azure CLI, …) */
  builtin: number;
  /** public client that may use ROPC/refresh without a secret */
  public_client: number;
  /** JSON: appRoles, oauth2PermissionScopes, servicePrincipalNames, tags, preAuthorizedScopes */
  body: string;
  created_at: number;
}

export interface AppRoleAssignmentsTable {
  tenant_id: string;
  id: string;
  principal_id: string;
  principal_type: string;
  principal_display_name: string;
  resource_id: string;
  resource_display_name: string;
  app_role_id: string;
  created_at: number;
}

export interface PermissionGrantsTable {
  tenant_id: string;
  id: string;
  client_id: string;
  consent_type: 'AllPrincipals' | 'Principal';
  principal_id: string | null;
  resource_id: string;
  scope: string;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  private_key_pem: string;
  certificate_pem: string;
  created_at: number;
  /** active signs new tokens; retired keys stay published until removed */
  status: 'active' | 'retired';
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

export interface RefreshTokensTable {
  token_hash: string;
  tenant_id: string;
  family_id: string;
  client_id: string; // appId
  user_id: string;
  scope: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  revoked_at: number | null;
  /** 1 when issued to a client that did not authenticate (public): redeemable without a secret */
  public_client: number;
}

/** An authorization code, by the keyed hash of its value; consumed_at is set once, by compare-and-swap. */
export interface AuthorizationCodesTable {
  code_hash: string;
  tenant_id: string;
  client_id: string; // appId
  redirect_uri: string;
  /** 1 when the authorization request named the redirect URI (the token request must then repeat it) */
  redirect_uri_sent: number;
  /** 1 when issued to a public (SPA or native) redirect URI: redeemed without a client secret, PKCE required */
  public_client: number;
  user_id: string;
  /** the scopes granted, as the token request will receive them */
  scope: string;
  nonce: string | null;
  /** S256 code challenge (base64url); null for a confidential client that sent none */
  code_challenge: string | null;
  session_hash: string | null;
  /** the authorization request's correlation id, which its sign-in record carries */
  correlation_id: string;
  /** the refresh-token family the redemption starts (revoked when the code is replayed) */
  family_id: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** A browser's sign-in session with the authorization endpoint (the SSO cookie, hashed). */
export interface BrowserSessionsTable {
  session_hash: string;
  tenant_id: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/**
 * One row per sign-in, kept narrow: what repeats across sign-ins (the user, the app, the resource,
 * the client software, the place, the outcome, the security assessment) lives once in a dimension
 * table and is referenced by number. Dimension rows are immutable: a renamed user gets a new row,
 * so old sign-ins keep the name they were made under, as Entra's do.
 */
export interface SignInsTable {
  /** insertion order; with created_at the keyset of every page */
  seq: Generated<number>;
  tenant_ref: number;
  id: string;
  created_at: number;
  /** 0 interactiveUser, 1 nonInteractiveUser, 2 servicePrincipal, 3 managedIdentity */
  event_type: number;
  user_ref: number | null;
  app_ref: number | null;
  resource_ref: number | null;
  client_ref: number | null;
  location_ref: number | null;
  status_ref: number;
  assessment_ref: number | null;
  ip_address: string | null;
  correlation_id: string;
  /** the token request's own id (originalRequestId) */
  request_id: string | null;
  /** uniqueTokenIdentifier of the token issued, if any */
  token_id: string | null;
  processing_ms: number;
}

/** Tenants as the log tables number them. */
export interface LogTenantsTable {
  ref: Generated<number>;
  tenant_id: string;
}

/** Common to every dimension: its number, and a digest of its values that makes it unique. */
interface Dimension {
  ref: Generated<number>;
  /** base64url SHA-256 (128 bits) of the values, unique per tenant_ref */
  k: string;
}

export interface SignInUsersTable extends Dimension {
  tenant_ref: number;
  /** the last day (since the epoch) a process used this row: the purge removes rows unused for long */
  last_used_day: Generated<number>;
  user_id: string | null;
  user_principal_name: string; // lower-case
  user_display_name: string | null;
  /** lower-cased display name: case-insensitive filters, identical on both engines */
  user_display_name_lc: string | null;
  user_type: string | null;
}

export interface SignInAppsTable extends Dimension {
  tenant_ref: number;
  /** the last day (since the epoch) a process used this row: the purge removes rows unused for long */
  last_used_day: Generated<number>;
  app_id: string;
  app_display_name: string | null;
  app_display_name_lc: string | null;
  service_principal_id: string | null;
}

export interface SignInResourcesTable extends Dimension {
  tenant_ref: number;
  /** the last day (since the epoch) a process used this row: the purge removes rows unused for long */
  last_used_day: Generated<number>;
  resource_id: string;
  resource_display_name: string | null;
  resource_display_name_lc: string | null;
  resource_service_principal_id: string | null;
}

/** The client software and how it authenticated. */
export interface SignInClientsTable extends Dimension {
  tenant_ref: number;
  /** the last day (since the epoch) a process used this row: the purge removes rows unused for long */
  last_used_day: Generated<number>;
  client_app_used: string;
  client_app_used_lc: string;
  user_agent: string;
  user_agent_lc: string;
  browser: string;
  browser_lc: string;
  operating_system: string;
  operating_system_lc: string;
  /** JSON: deviceId, displayName, isCompliant, isManaged, trustType */
  device: string;
  authentication_protocol: string;
  client_credential_type: string;
  credential_key_id: string | null;
}

export interface SignInLocationsTable extends Dimension {
  city: string;
  city_lc: string;
  state: string;
  state_lc: string;
  country_or_region: string;
  country_or_region_lc: string;
  latitude: number | null;
  longitude: number | null;
}

export interface SignInStatusesTable extends Dimension {
  error_code: number;
  failure_reason: string | null;
  additional_details: string | null;
}

/** Conditional Access, MFA and risk: what the sign-in was judged to need and how it went. */
export interface SignInAssessmentsTable extends Dimension {
  tenant_ref: number;
  /** the last day (since the epoch) a process used this row: the purge removes rows unused for long */
  last_used_day: Generated<number>;
  conditional_access_status: string;
  authentication_requirement: string;
  risk_detail: string;
  risk_level_aggregated: string;
  risk_level_during_sign_in: string;
  risk_state: string;
  /** JSON arrays: riskEventTypes_v2, appliedConditionalAccessPolicies, authenticationDetails (without times), authenticationMethodsUsed */
  risk_event_types: string;
  policies: string;
  authentication_details: string;
  authentication_methods: string;
}

/** The members of an assessment's collections, for lambda filters. */
export interface SignInAssessmentItemsTable {
  assessment_ref: number;
  /** 'risk' (riskEventTypes_v2 value in value) or 'policy' (id in value) */
  kind: string;
  value: string;
  display_name_lc: string | null;
  result: string | null;
}

export interface DirectoryAuditsTable {
  tenant_id: string;
  id: string;
  activity_at: number;
  category: string;
  activity_display_name: string;
  operation_type: string;
  result: string;
  result_reason: string;
  correlation_id: string;
  logged_by_service: string;
  initiator_user_id: string | null;
  initiator_user_principal_name: string | null;
  initiator_app_id: string | null;
  initiator_user_display_name: string | null;
  initiator_app_display_name: string | null;
  /** JSON: initiatedBy, targetResources, additionalDetails */
  details: string;
}

export interface AuditTargetsTable {
  tenant_id: string;
  audit_id: string;
  target_id: string;
  display_name: string | null;
}

export interface Database {
  tenants: TenantsTable;
  domains: DomainsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  applications: ApplicationsTable;
  password_credentials: PasswordCredentialsTable;
  service_principals: ServicePrincipalsTable;
  app_role_assignments: AppRoleAssignmentsTable;
  permission_grants: PermissionGrantsTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  refresh_tokens: RefreshTokensTable;
  authorization_codes: AuthorizationCodesTable;
  browser_sessions: BrowserSessionsTable;
  sign_ins: SignInsTable;
  log_tenants: LogTenantsTable;
  signin_users: SignInUsersTable;
  signin_apps: SignInAppsTable;
  signin_resources: SignInResourcesTable;
  signin_clients: SignInClientsTable;
  signin_locations: SignInLocationsTable;
  signin_statuses: SignInStatusesTable;
  signin_assessments: SignInAssessmentsTable;
  signin_assessment_items: SignInAssessmentItemsTable;
  directory_audits: DirectoryAuditsTable;
  audit_targets: AuditTargetsTable;
}
