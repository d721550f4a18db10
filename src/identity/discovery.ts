import { issuerFor } from './tokens.js';

const TENANT_PLACEHOLDER = '{tenantid}';

/** Path segments that name no tenant: the multi-tenant endpoints of the identity platform. */
export const MULTI_TENANT_SEGMENTS: ReadonlySet<string> = new Set(['common', 'organizations', 'consumers']);

/** The v2.0 OpenID Connect discovery document for a tenant (or common/organizations). */
export function openIdConfiguration(publicUrl: string, tenantSegment: string, tenantId: string | null): Record<string, unknown> {
  const base = `${publicUrl}/${tenantSegment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerFor(publicUrl, tenantId ?? TENANT_PLACEHOLDER),
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${publicUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    tenant_region_scope: tenantId ? 'WW' : null,
    cloud_instance_name: new URL(publicUrl).host,
    cloud_graph_host_name: new URL(publicUrl).host,
    msgraph_host: new URL(publicUrl).host,
    rbac_url: publicUrl,
  };
}

/** MSAL's instance-discovery answer, naming this server as its own cloud. */
export function instanceDiscovery(publicUrl: string, authorizationEndpoint: string | undefined): Record<string, unknown> {
  const host = new URL(publicUrl).host;
  let tenant = 'common';
  if (authorizationEndpoint) {
    try {
      const u = new URL(authorizationEndpoint);
      tenant = u.pathname.split('/').filter(Boolean)[0] ?? 'common';
    } catch {
      // an unparsable endpoint falls back to common
    }
  }
  return {
    tenant_discovery_endpoint: `${publicUrl}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
