import { jwtVerify, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../directory/actor.js';
import { MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_RESOURCE } from '../directory/catalog.js';
import type { DirectoryContext } from '../directory/context.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import type { KeyStore } from '../identity/keys.js';
import { isGuid } from '../lib/guid.js';
import { issuerFor } from '../identity/tokens.js';
import { clientRequestId, GraphError } from './errors.js';

const CHALLENGE = (publicUrl: string) =>
  `Bearer realm="", authorization_uri="${publicUrl}/common/oauth2/authorize", client_id="${MICROSOFT_GRAPH_APP_ID}"`;

const invalidToken = (publicUrl: string, message: string) =>
  new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': CHALLENGE(publicUrl) });

/** Audiences a token must carry to call this API. */
export const GRAPH_AUDIENCES = [MICROSOFT_GRAPH_RESOURCE, `${MICROSOFT_GRAPH_RESOURCE}/`, MICROSOFT_GRAPH_APP_ID];

export interface VerifiedToken {
  claims: JWTPayload & Record<string, unknown>;
  tenantId: string;
}

/**
 * Strict bearer validation: RS256 only, our own keys by kid, issuer of the token's own tenant (which
 * must exist), the expected audience, exp/nbf with 60 s of skew. Never reads a token from the query.
 */
export async function verifyBearer(request: FastifyRequest, keys: KeyStore, ctx: DirectoryContext, publicUrl: string, audiences: readonly string[]): Promise<VerifiedToken> {
  const header = request.headers.authorization;
  if (!header || !/^Bearer\s*/i.test(header) || header.replace(/^Bearer\s*/i, '').trim() === '') {
    throw invalidToken(publicUrl, 'Access token is empty.');
  }
  const token = header.replace(/^Bearer\s+/i, '').trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw invalidToken(publicUrl, 'CompactToken parsing failed with error code: 80049217');
  }
  let kid: unknown;
  try {
    const h = decodeProtectedHeader(token);
    if (h.alg !== 'RS256') throw new Error('alg');
    kid = h.kid;
  } catch {
    throw invalidToken(publicUrl, 'Access token validation failure.');
  }
  // a kid we have not loaded may be a key another process created: resolve() reloads (rate-limited)
  const key = await keys.resolve(kid);
  if (!key) throw invalidToken(publicUrl, 'Access token validation failure.');
  let payload: JWTPayload & Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], clockTolerance: 60 }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired || (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf')) {
      throw invalidToken(publicUrl, 'Access token has expired or is not yet valid.');
    }
    throw invalidToken(publicUrl, 'Access token validation failure.');
  }
  if (typeof payload.exp !== 'number' || typeof payload.nbf !== 'number') throw invalidToken(publicUrl, 'Access token validation failure.');
  const aud = typeof payload.aud === 'string' ? payload.aud : undefined;
  if (!aud || !audiences.includes(aud)) throw invalidToken(publicUrl, 'Access token validation failure. Invalid audience.');
  const tid = payload.tid;
  if (typeof tid !== 'string' || payload.iss !== issuerFor(publicUrl, tid)) {
    throw invalidToken(publicUrl, 'Access token validation failure. Invalid issuer.');
  }
  if (!(await tenantsRepo.getTenant(ctx.store.db, tid))) throw invalidToken(publicUrl, 'Access token validation failure. Invalid issuer.');
  return { claims: payload, tenantId: tid };
}

/** The acting principal of a verified Graph token; a user's roles come live from the directory. */
export async function actorFromToken(request: FastifyRequest, ctx: DirectoryContext, v: VerifiedToken, publicUrl: string): Promise<Actor> {
  const c = v.claims;
  const base = { tenantId: v.tenantId, ipAddress: request.ip ?? null, correlationId: clientRequestIdAsCorrelation(request), userAgent: request.headers['user-agent'] ?? null };
  if (c.idtyp === 'app') {
    return {
      ...base, kind: 'app', appId: String(c.appid ?? ''), servicePrincipalId: String(c.oid ?? ''), displayName: String(c.app_displayname ?? ''),
      appRoles: new Set(Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : []),
      roles: Array.isArray(c.wids) ? c.wids.filter((r): r is string => typeof r === 'string') : [],
    };
  }
  if (c.idtyp === 'user' && typeof c.oid === 'string') {
    const user = await usersRepo.getUser(ctx.store.db, v.tenantId, c.oid);
    if (!user || user.account_enabled !== 1) throw invalidToken(publicUrl, 'Access token validation failure.');
    return {
      ...base, kind: 'user', userId: user.id, userPrincipalName: user.user_principal_name, displayName: user.display_name,
      roles: await usersRepo.roleIdsOfPrincipal(ctx.store.db, v.tenantId, user.id),
      scopes: new Set(typeof c.scp === 'string' ? c.scp.split(' ').filter(Boolean) : []),
      clientAppId: String(c.appid ?? ''),
    };
  }
  throw invalidToken(publicUrl, 'Access token validation failure.');
}

function clientRequestIdAsCorrelation(request: FastifyRequest): string {
  const id = clientRequestId(request);
  return isGuid(id) ? id.toLowerCase() : request.id;
}
