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
}

export interface SignInsTable {
  tenant_id: string;
  id: string;
  created_at: number;
  /** interactiveUser | nonInteractiveUser | servicePrincipal | managedIdentity */
  event_type: string;
  user_id: string | null;
  user_principal_name: string | null;
  user_display_name: string | null;
  app_id: string | null;
  app_display_name: string | null;
  service_principal_id: string | null;
  ip_address: string | null;
  client_app_used: string | null;
  resource_id: string | null;
  resource_display_name: string | null;
  correlation_id: string;
  error_code: number;
  failure_reason: string | null;
  /** JSON of the remaining signIn properties */
  details: string;
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
  sign_ins: SignInsTable;
  directory_audits: DirectoryAuditsTable;
  audit_targets: AuditTargetsTable;
}
