import type { Application } from '../directory/applications.js';
import type { AppRoleAssignment, PermissionGrant, ServicePrincipal } from '../directory/servicePrincipals.js';
import type { User } from '../directory/users.js';
import { isoTime } from '../lib/time.js';

export function applicationJson(a: Application): Record<string, unknown> {
  return {
    id: a.id,
    deletedDateTime: null,
    appId: a.appId,
    applicationTemplateId: null,
    createdDateTime: isoTime(a.createdDateTime),
    description: a.description,
    displayName: a.displayName,
    identifierUris: a.identifierUris,
    isFallbackPublicClient: a.isFallbackPublicClient,
    notes: a.notes,
    publisherDomain: a.publisherDomain,
    signInAudience: a.signInAudience,
    tags: a.tags,
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
    appRoles: [],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    keyCredentials: [],
    passwordCredentials: a.passwordCredentials.map((c) => ({
      customKeyIdentifier: c.customKeyIdentifier, displayName: c.displayName, endDateTime: isoTime(c.endDateTime), hint: c.hint,
      keyId: c.keyId, secretText: c.secretText, startDateTime: isoTime(c.startDateTime),
    })),
    publicClient: a.publicClient,
    requiredResourceAccess: a.requiredResourceAccess,
    spa: a.spa,
    web: { ...a.web, implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false }, redirectUriSettings: a.web.redirectUris.map((uri) => ({ uri, index: null })) },
  };
}

export function servicePrincipalJson(s: ServicePrincipal): Record<string, unknown> {
  return {
    id: s.id,
    deletedDateTime: null,
    accountEnabled: s.accountEnabled,
    appDisplayName: s.appDisplayName,
    appId: s.appId,
    appOwnerOrganizationId: s.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    createdDateTime: isoTime(s.createdDateTime),
    displayName: s.displayName,
    replyUrls: s.replyUrls,
    servicePrincipalNames: s.servicePrincipalNames,
    servicePrincipalType: s.servicePrincipalType,
    signInAudience: 'AzureADMyOrg',
    tags: s.tags,
    appRoles: s.appRoles,
    oauth2PermissionScopes: s.oauth2PermissionScopes,
    keyCredentials: [],
    passwordCredentials: [],
  };
}

export function appRoleAssignmentJson(a: AppRoleAssignment): Record<string, unknown> {
  return { ...a, createdDateTime: isoTime(a.createdDateTime) };
}

export function permissionGrantJson(g: PermissionGrant): Record<string, unknown> {
  return { ...g };
}

export function userJson(u: User): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
  };
}
