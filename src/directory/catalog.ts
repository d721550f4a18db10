/**
 * Well-known identifiers of Microsoft Entra ID that Tenantry reproduces exactly: first-party
 * application ids, Microsoft Graph / Azure AD Graph permission ids, directory role templates and
 * licence SKUs (see shared/reference/graph-reporting-contract.md §5).
 */

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const MICROSOFT_GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const AAD_GRAPH_APP_ID = '00000002-0000-0000-c000-000000000000';
export const AAD_GRAPH_RESOURCE = 'https://graph.windows.net';
/** Tenant id that owns Microsoft's first-party applications. */
export const MICROSOFT_SERVICES_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

export interface PermissionDef {
  value: string;
  roleId?: string; // application permission (appRole id)
  scopeId?: string; // delegated permission (oauth2PermissionScope id)
  displayName: string;
  description: string;
  adminConsentRequired: boolean;
}

export const GRAPH_PERMISSIONS: readonly PermissionDef[] = [
  { value: 'AuditLog.Read.All', roleId: 'b0afded3-3588-46d8-8b3d-9842eff778da', scopeId: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20', displayName: 'Read all audit log data', description: 'Allows the app to read and query your audit log activities.', adminConsentRequired: true },
  { value: 'Directory.Read.All', roleId: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', scopeId: '06da0dbc-49e2-44d2-8312-53f166ab848a', displayName: 'Read directory data', description: 'Allows the app to read data in your organization\'s directory.', adminConsentRequired: true },
  { value: 'Directory.ReadWrite.All', roleId: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', scopeId: 'c5366453-9fb0-48a5-a156-24f0c49a4b84', displayName: 'Read and write directory data', description: 'Allows the app to read and write data in your organization\'s directory.', adminConsentRequired: true },
  { value: 'Application.Read.All', roleId: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30', scopeId: 'c79f8feb-a9db-4090-85f9-90d820caa0eb', displayName: 'Read all applications', description: 'Allows the app to read all applications and service principals.', adminConsentRequired: true },
  { value: 'Application.ReadWrite.All', roleId: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', scopeId: 'bdfbf15f-ee85-4955-8675-146e8e5296b5', displayName: 'Read and write all applications', description: 'Allows the app to create, read, update and delete applications and service principals.', adminConsentRequired: true },
  { value: 'AppRoleAssignment.ReadWrite.All', roleId: '06b708a9-e830-4db3-a914-8e69da51d44f', scopeId: '84bccea3-f856-4a8a-967b-dbe0a3d53a64', displayName: 'Manage app permission grants and app role assignments', description: 'Allows the app to manage permission grants for application permissions to any API and app role assignments for any app.', adminConsentRequired: true },
  { value: 'DelegatedPermissionGrant.ReadWrite.All', roleId: '8e8e4742-1d95-4f68-9d56-6ee75648c72a', scopeId: '41ce6ca6-6826-4807-84f1-1c82854f7ee5', displayName: 'Manage all delegated permission grants', description: 'Allows the app to manage permission grants for delegated permissions exposed by any API.', adminConsentRequired: true },
  { value: 'User.Read', scopeId: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', displayName: 'Sign in and read user profile', description: 'Allows users to sign in to the app and allows the app to read the profile of signed-in users.', adminConsentRequired: false },
  { value: 'User.Read.All', roleId: 'df021288-bdef-4463-88db-98f22de89214', scopeId: 'a154be20-db9c-4678-8ab7-66f6cc099a59', displayName: 'Read all users\' full profiles', description: 'Allows the app to read the full set of profile properties of users in your organization.', adminConsentRequired: true },
  { value: 'User.ReadWrite.All', roleId: '741f803b-c850-494e-b5df-cde7c675a1ca', scopeId: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4', displayName: 'Read and write all users\' full profiles', description: 'Allows the app to read and write the full set of profile properties of users in your organization.', adminConsentRequired: true },
  { value: 'RoleManagement.Read.Directory', roleId: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c', scopeId: '741c54c3-0c1e-44a1-818b-3f97ab4e8c83', displayName: 'Read all directory RBAC settings', description: 'Allows the app to read the role-based access control (RBAC) settings for your company\'s directory.', adminConsentRequired: true },
  { value: 'RoleManagement.ReadWrite.Directory', roleId: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', scopeId: 'd01b97e9-cbc0-49fe-810a-750afd5527a3', displayName: 'Read and write all directory RBAC settings', description: 'Allows the app to read and manage the role-based access control (RBAC) settings for your company\'s directory.', adminConsentRequired: true },
  { value: 'Reports.Read.All', roleId: '230c1aed-a721-4c5d-9cb4-a90514e508ef', scopeId: '02e97553-ed7b-43d0-ab3c-f8bace0d040c', displayName: 'Read all usage reports', description: 'Allows an app to read all service usage reports.', adminConsentRequired: true },
  { value: 'Organization.Read.All', roleId: '498476ce-e0fe-48b0-b801-37ba7e2685c6', scopeId: '4908d5b9-3fb2-4b1e-9336-1888b7937185', displayName: 'Read organization information', description: 'Allows the app to read the organization and related resources.', adminConsentRequired: true },
  { value: 'Policy.Read.All', roleId: '246dd0d5-5bd0-4def-940b-0421030a5b68', scopeId: '572fea84-0151-49b2-9301-11cb16974376', displayName: 'Read your organization\'s policies', description: 'Allows the app to read all your organization\'s policies.', adminConsentRequired: true },
  { value: 'Policy.Read.ConditionalAccess', roleId: '37730810-e9ba-4e46-b07e-8ca78d182097', scopeId: '633e0fce-8c58-4cfb-9495-12bbd5a24f7c', displayName: 'Read your organization\'s conditional access policies', description: 'Allows the app to read your organization\'s conditional access policies.', adminConsentRequired: true },
  { value: 'openid', scopeId: '37f7f235-527c-4136-accd-4a02d197296e', displayName: 'Sign users in', description: 'Allows users to sign in to the app with their work or school accounts.', adminConsentRequired: false },
  { value: 'profile', scopeId: '14dad69e-099b-42c9-810b-d002981feec1', displayName: 'View users\' basic profile', description: 'Allows the app to see your users\' basic profile.', adminConsentRequired: false },
  { value: 'email', scopeId: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', displayName: 'View users\' email address', description: 'Allows the app to read your users\' primary email address.', adminConsentRequired: false },
  { value: 'offline_access', scopeId: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', displayName: 'Maintain access to data you have given it access to', description: 'Allows the app to see and update the data you gave it access to, even when users are not currently using the app.', adminConsentRequired: false },
];

export const AAD_GRAPH_PERMISSIONS: readonly PermissionDef[] = [
  { value: 'Directory.Read.All', roleId: '5778995a-e1bf-45b8-affa-663a9f3f4d04', scopeId: '5778995a-e1bf-45b8-affa-663a9f3f4d04', displayName: 'Read directory data', description: 'Allows the app to read data in your organization\'s directory.', adminConsentRequired: true },
  { value: 'Application.Read.All', roleId: '3afa6a7d-9b1a-42eb-948e-1650a849e176', displayName: 'Read all applications', description: 'Allows the app to read applications and service principals.', adminConsentRequired: true },
  { value: 'User.Read', scopeId: '311a71cc-e848-46a1-bdf8-97ff7156d8e6', displayName: 'Sign in and read user profile', description: 'Allows users to sign in to the app and read their profile.', adminConsentRequired: false },
  { value: 'Directory.AccessAsUser.All', scopeId: 'a42657d6-7f20-40e3-b6f0-cee03008a62a', displayName: 'Access the directory as the signed-in user', description: 'Allows the app to have the same access to information in the directory as the signed-in user.', adminConsentRequired: true },
];

/** Scopes that are not resource permissions: OpenID Connect and refresh tokens. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface ResourceApp {
  appId: string;
  displayName: string;
  identifierUris: string[];
  permissions: readonly PermissionDef[];
}

export const RESOURCE_APPS: readonly ResourceApp[] = [
  { appId: MICROSOFT_GRAPH_APP_ID, displayName: 'Microsoft Graph', identifierUris: [MICROSOFT_GRAPH_RESOURCE, 'https://graph.microsoft.com/', 'https://canary.graph.microsoft.com', 'https://ags.windows.net'], permissions: GRAPH_PERMISSIONS },
  { appId: AAD_GRAPH_APP_ID, displayName: 'Windows Azure Active Directory', identifierUris: [AAD_GRAPH_RESOURCE, 'https://graph.windows.net/'], permissions: AAD_GRAPH_PERMISSIONS },
];

export interface FirstPartyClient {
  appId: string;
  displayName: string;
  /** delegated scopes pre-authorised (consented tenant-wide) for this client, per resource appId */
  preAuthorized: Record<string, readonly string[]>;
  /**
   * Redirect URIs for the authorization endpoint: absolute, or starting with '/' for a path on
   * Tenantry's own public URL. Loopback http URIs match any port (RFC 8252 §7.3).
   */
  redirectUris: readonly string[];
}

/** Tenantry's own portal: a first-party single-page client served at the public URL's root. */
export const PORTAL_APP_ID = 'e1a04036-a8a6-4308-9125-f1a6b205551e';
export const GRAPH_EXPLORER_APP_ID = 'de8bc8b5-d9f9-48b1-a8ad-b748da725064';

const delegatedScopes = (perms: readonly PermissionDef[]) => perms.filter((p) => p.scopeId && !OIDC_SCOPES.has(p.value)).map((p) => p.value);
/** Microsoft's own clients are pre-authorised for Graph and Azure AD Graph; what a user can then do depends on the user's roles. */
const FIRST_PARTY_PREAUTHORIZED = {
  [MICROSOFT_GRAPH_APP_ID]: delegatedScopes(GRAPH_PERMISSIONS),
  [AAD_GRAPH_APP_ID]: delegatedScopes(AAD_GRAPH_PERMISSIONS),
};

export const FIRST_PARTY_CLIENTS: readonly FirstPartyClient[] = [
  { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', displayName: 'Microsoft Azure CLI', preAuthorized: FIRST_PARTY_PREAUTHORIZED, redirectUris: ['http://localhost'] },
  { appId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', displayName: 'Microsoft Graph Command Line Tools', preAuthorized: FIRST_PARTY_PREAUTHORIZED, redirectUris: ['http://localhost'] },
  // as in Entra, Graph Explorer holds no pre-authorised permissions: each user consents to the scopes it asks for
  // ("Modify permissions"); the portal's API explorer signs in as this client
  { appId: GRAPH_EXPLORER_APP_ID, displayName: 'Graph Explorer', preAuthorized: {}, redirectUris: ['/'] },
  { appId: PORTAL_APP_ID, displayName: 'Tenantry Portal', preAuthorized: FIRST_PARTY_PREAUTHORIZED, redirectUris: ['/'] },
];

export interface RoleTemplate {
  id: string;
  displayName: string;
  description: string;
}

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  securityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
} as const;

export const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  { id: ROLE.globalAdministrator, displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.' },
  { id: ROLE.privilegedRoleAdministrator, displayName: 'Privileged Role Administrator', description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.' },
  { id: ROLE.securityAdministrator, displayName: 'Security Administrator', description: 'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.' },
  { id: ROLE.securityReader, displayName: 'Security Reader', description: 'Can read security information and reports in Microsoft Entra ID and Office 365.' },
  { id: ROLE.securityOperator, displayName: 'Security Operator', description: 'Creates and manages security events.' },
  { id: ROLE.reportsReader, displayName: 'Reports Reader', description: 'Can read sign-in and audit reports.' },
  { id: ROLE.globalReader, displayName: 'Global Reader', description: 'Can read everything that a Global Administrator can, but not update anything.' },
  { id: ROLE.applicationAdministrator, displayName: 'Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps.' },
  { id: ROLE.cloudApplicationAdministrator, displayName: 'Cloud Application Administrator', description: 'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.' },
  { id: ROLE.conditionalAccessAdministrator, displayName: 'Conditional Access Administrator', description: 'Can manage Conditional Access capabilities.' },
  { id: ROLE.userAdministrator, displayName: 'User Administrator', description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.' },
];

export function roleTemplate(id: string): RoleTemplate | undefined {
  return ROLE_TEMPLATES.find((r) => r.id === id);
}

export type License = 'none' | 'P1' | 'P2';

export interface Sku {
  skuId: string;
  skuPartNumber: string;
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
}

const P1_PLAN = { servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success', appliesTo: 'User' };
const P2_PLAN = { servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998', servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success', appliesTo: 'User' };

export const SKUS: Record<'P1' | 'P2', Sku> = {
  P1: { skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', skuPartNumber: 'AAD_PREMIUM', servicePlans: [P1_PLAN] },
  P2: { skuId: '84a661c4-e949-4bd2-a560-ed7766fcaf2b', skuPartNumber: 'AAD_PREMIUM_P2', servicePlans: [P1_PLAN, P2_PLAN] },
};

/** Licensed seats reported for a tenant's SKU (Tenantry does not meter seats). */
export const SKU_SEATS = 25;
