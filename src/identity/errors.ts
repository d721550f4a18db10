/**
 * Errors of the Microsoft identity platform token service: the RFC 6749 `error`, the HTTP status and
 * the AADSTS number and text, catalogued in shared/reference/graph-reporting-contract.md §7.4.
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
    /** internal reason for the sign-in log when it differs from what the client is told */
    readonly logReason?: { code: number; reason: string },
    /** seconds, for 429 answers */
    readonly retryAfter?: number,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

export const E = {
  invalidClientSecret: (appId: string) =>
    new OAuthError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`),
  expiredClientSecret: (appId: string) =>
    new OAuthError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`),
  missingClientSecret: () =>
    new OAuthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  publicClientWithSecret: () =>
    new OAuthError(400, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  unknownApp: (appId: string, tenant: string) =>
    new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
  missingServicePrincipal: (appId: string) =>
    new OAuthError(400, 'invalid_client', 7000229, `The client application ${appId} is missing service principal in the tenant.`),
  unknownTenant: (tenant: string) =>
    new OAuthError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`),
  ropcOnCommon: () =>
    new OAuthError(400, 'invalid_request', 9001023, "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint."),
  tenantRequired: () =>
    new OAuthError(400, 'invalid_request', 700016, "Use a tenant-specific endpoint or configure the application to be multi-tenant. The client credentials flow is not supported on the '/common' or '/organizations' endpoints."),
  invalidScope: (scope: string) =>
    new OAuthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  defaultScopeRequired: (scope: string) =>
    new OAuthError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  multipleResources: () =>
    new OAuthError(400, 'invalid_scope', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource.'),
  unknownResource: (resource: string, tenant: string) =>
    new OAuthError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`),
  consentRequired: (appId: string, name: string) =>
    new OAuthError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`),
  badCredentials: (internal?: { code: number; reason: string }) =>
    new OAuthError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.', internal),
  disabledAccount: () => new OAuthError(400, 'invalid_grant', 50057, 'The user account is disabled.'),
  invalidGrant: (reason = 'Provided grant is invalid or malformed.') => new OAuthError(400, 'invalid_grant', 9002313, `Invalid request. Request is malformed or invalid. ${reason}`.trim()),
  badRefreshToken: () => new OAuthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  revokedRefreshToken: () =>
    new OAuthError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.'),
  expiredRefreshToken: () =>
    new OAuthError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.'),
  unsupportedGrant: () => new OAuthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'),
  missingParameter: (name: string) => new OAuthError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  malformed: (detail?: string) => new OAuthError(400, 'invalid_request', 9002313, `Invalid request. Request is malformed or invalid.${detail ? ` ${detail}` : ''}`),
  unauthorizedClientForGrant: (appId: string) =>
    new OAuthError(400, 'unauthorized_client', 700016, `The application '${appId}' is not allowed to use this grant type.`),
  invalidCode: (detail?: string) =>
    new OAuthError(400, 'invalid_grant', 70000, `The provided value for the 'code' parameter is not valid.${detail ? ` ${detail}` : ''}`),
  expiredCode: () =>
    new OAuthError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  redirectMismatchAtToken: () =>
    new OAuthError(400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting Authorization code.'),
  pkceMismatch: () =>
    new OAuthError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  throttled: (retryAfter: number) =>
    new OAuthError(429, 'temporarily_unavailable', 50196, `The server terminated an operation because it encountered too many failed requests from this client. Retry after ${retryAfter} seconds.`, undefined, retryAfter),
  accountLocked: () =>
    ({ code: 50053, reason: 'The account is locked because the user tried to sign in too many times with an incorrect user ID or password.' }),
  serverError: () => new OAuthError(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.'),
};

/** Entra's timestamp format in error bodies: YYYY-MM-DD HH:MM:SSZ */
export function aadTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function errorBody(err: OAuthError, traceId: string, correlationId: string, now: number): Record<string, unknown> {
  const ts = aadTimestamp(now);
  return {
    error: err.error,
    error_description: `AADSTS${err.code}: ${err.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
    error_codes: [err.code],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
  };
}
