import { createHash, randomBytes } from 'node:crypto';
import type { KeyStore } from './keys.js';
import { signRs256 } from './jwt.js';

export interface TokenConfig {
  /** scheme://host[:port] that clients use; issuer and links are built on it */
  publicUrl: string;
  /** access-token lifetime in seconds, drawn uniformly from [min, max] like Entra's 60–90 min */
  accessTokenLifetime: { min: number; max: number };
  refreshTokenLifetimeSeconds: number;
}

export const issuerFor = (publicUrl: string, tenantId: string): string => `${publicUrl}/${tenantId}/v2.0`;

export function lifetime(cfg: TokenConfig): number {
  const { min, max } = cfg.accessTokenLifetime;
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** 16 random bytes, base64url: Entra's uti (unique token identifier). */
export const newUti = (): string => randomBytes(16).toString('base64url');

/** Entra's pairwise subject: stable per (user, client), different across clients. */
export function pairwiseSubject(userId: string, clientAppId: string): string {
  return createHash('sha256').update(`${userId}:${clientAppId}`).digest('base64url').slice(0, 43);
}

export interface AccessTokenInput {
  tenantId: string;
  audience: string;
  clientAppId: string;
  clientDisplayName: string | null;
  appIdAcr: '0' | '1' | '2';
  lifetimeSeconds: number;
  now: number;
  uti: string;
  app?: { servicePrincipalId: string; roles: string[]; wids: string[] };
  user?: { id: string; upn: string; name: string; givenName: string | null; familyName: string | null; scopes: string[]; wids: string[]; ipAddress: string | null; sub: string };
}

export async function signAccessToken(keys: KeyStore, cfg: TokenConfig, t: AccessTokenInput): Promise<string> {
  const iat = Math.floor(t.now / 1000);
  const iss = issuerFor(cfg.publicUrl, t.tenantId);
  const claims: Record<string, unknown> = {
    aud: t.audience,
    iss,
    iat,
    nbf: iat,
    exp: iat + t.lifetimeSeconds,
    app_displayname: t.clientDisplayName ?? undefined,
    appid: t.clientAppId,
    appidacr: t.appIdAcr,
    azp: t.clientAppId,
    azpacr: t.appIdAcr,
    idp: iss,
    tid: t.tenantId,
    uti: t.uti,
    ver: '1.0',
  };
  if (t.app) {
    Object.assign(claims, { idtyp: 'app', oid: t.app.servicePrincipalId, sub: t.app.servicePrincipalId });
    if (t.app.roles.length > 0) claims.roles = t.app.roles;
    if (t.app.wids.length > 0) claims.wids = t.app.wids;
  } else if (t.user) {
    Object.assign(claims, {
      idtyp: 'user', oid: t.user.id, sub: t.user.sub, upn: t.user.upn, unique_name: t.user.upn, name: t.user.name,
      given_name: t.user.givenName ?? undefined, family_name: t.user.familyName ?? undefined, amr: ['pwd'],
      ipaddr: t.user.ipAddress ?? undefined, scp: t.user.scopes.join(' '),
    });
    if (t.user.wids.length > 0) claims.wids = t.user.wids;
  }
  const key = keys.active;
  return signRs256(key, claims, { x5t: key.kid });
}

export interface IdTokenInput {
  tenantId: string;
  clientAppId: string;
  now: number;
  lifetimeSeconds: number;
  user: { id: string; upn: string; name: string; sub: string };
  nonce?: string;
}

export async function signIdToken(keys: KeyStore, cfg: TokenConfig, t: IdTokenInput): Promise<string> {
  const iat = Math.floor(t.now / 1000);
  const key = keys.active;
  const claims: Record<string, unknown> = {
    aud: t.clientAppId, iss: issuerFor(cfg.publicUrl, t.tenantId), iat, nbf: iat, exp: iat + t.lifetimeSeconds,
    name: t.user.name, oid: t.user.id, preferred_username: t.user.upn, sub: t.user.sub, tid: t.tenantId, ver: '2.0',
  };
  if (t.nonce) claims.nonce = t.nonce;
  return signRs256(key, claims);
}

export const clientInfo = (userId: string, tenantId: string): string =>
  Buffer.from(JSON.stringify({ uid: userId, utid: tenantId })).toString('base64url');
