import { createHash, randomUUID } from 'node:crypto';
import { constantTimeEqual, dummyPasswordHash, hashToken, randomToken, verifyPassword } from '../lib/crypto.js';
import * as codesRepo from '../store/repositories/authorization.js';
import * as refreshRepo from '../store/repositories/refreshTokens.js';
import * as usersRepo from '../store/repositories/users.js';
import type { ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { UserRow } from '../store/repositories/users.js';
import type { Executor } from '../store/db.js';
import { checkClientSecret, matchClientSecret } from '../directory/applications.js';
import { DirectorySnapshots, type DirectoryReads } from '../directory/snapshot.js';
import { OIDC_SCOPES, MICROSOFT_GRAPH_APP_ID, type ResourceApp } from '../directory/catalog.js';
import type { DirectoryContext } from '../directory/context.js';
import { consentedAppRoles, consentedScopes, resourceAppFor } from '../directory/servicePrincipals.js';
import { findTenant, type TenantRef as TenantInfo } from '../directory/tenants.js';
import { MULTI_TENANT_SEGMENTS } from './discovery.js';
import { isGuid } from '../lib/guid.js';
import { E, OAuthError, errorBody } from './errors.js';
import type { KeyStore } from './keys.js';
import { prepareSignIn, recordSignIn, SignInWriter, type SignInEvent } from './signIns.js';
import { DEFAULT_THROTTLE, FailureLimiter, type ThrottleConfig } from './throttle.js';
import { clientInfo, lifetime, newUti, pairwiseSubject, signAccessToken, signIdToken, type TokenConfig } from './tokens.js';
import { createGeoLookup, type GeoLookup } from './geo.js';
import { describeDevice, type ClientHeaders } from './userAgent.js';

export interface TokenRequest {
  /** tenant segment of the path: id, domain, 'common' or 'organizations' */
  tenant: string;
  params: URLSearchParams;
  authorization: string | undefined;
  ipAddress: string | null;
  userAgent: string | null;
  /** x-client-SKU / -Ver / -OS that MSAL and ADAL send: the native client's name and version */
  clientHeaders?: ClientHeaders;
  /** client-request-id when the client sent one */
  clientRequestId: string | null;
  requestId: string;
}

export interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

interface Client {
  appId: string;
  displayName: string | null;
  sp: ServicePrincipalRow | undefined;
  /** application object id, for registered apps */
  applicationId: string | null;
  publicClient: boolean;
  authenticated: boolean;
  credentialKeyId: string | null;
}

interface Outcome {
  body: Record<string, unknown>;
  event: Omit<SignInEvent, 'id' | 'tenantId' | 'createdAt' | 'correlationId' | 'requestId' | 'ipAddress' | 'userAgent' | 'status'>;
  /** extra writes that must commit with the sign-in record (refresh-token rotation) */
  writes?: (ex: Executor) => Promise<void>;
  /** the sign-in was recorded when it happened (the interactive step of the authorization-code flow) */
  recorded?: boolean;
}

const GRANTS = new Set(['client_credentials', 'password', 'refresh_token', 'authorization_code']);
const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', expires: '-1' };
/** client-authentication failures that count towards throttling */
const CLIENT_AUTH_FAILURES = new Set([7000215, 7000222, 7000218, 700016, 700025]);

/** The /oauth2/v2.0/token endpoint: grants, client authentication, consent, and a sign-in record for every outcome. */
export class TokenEndpoint {
  /** failure counters shared with the sign-in page: one lockout for every path to a user's tokens */
  readonly limiter: FailureLimiter;
  readonly signIns: SignInWriter;
  private readonly snapshots: DirectorySnapshots;

  constructor(
    private readonly ctx: DirectoryContext,
    private readonly keys: KeyStore,
    private readonly cfg: TokenConfig,
    readonly throttle: ThrottleConfig = DEFAULT_THROTTLE,
    /** where a sign-in came from, by its IP; never a network call */
    readonly geo: GeoLookup = createGeoLookup(),
  ) {
    this.limiter = new FailureLimiter(ctx.clock);
    this.signIns = new SignInWriter(ctx.store);
    this.snapshots = new DirectorySnapshots(ctx);
  }

  reads(tenant: TenantInfo): DirectoryReads {
    return this.snapshots.for(tenant);
  }

  async handle(req: TokenRequest): Promise<TokenResponse> {
    const started = this.ctx.clock();
    const correlationId = isGuid(req.clientRequestId) ? req.clientRequestId.toLowerCase() : randomUUID();
    let tenant: TenantInfo | undefined;
    // what is known about the attempt so far, for the failure record
    const partial: Partial<Outcome['event']> = {};
    const ipKey = ipKeyOf(req);
    try {
      // the tenant first, so that every later failure (throttling included) lands in its sign-in log
      if (!MULTI_TENANT_SEGMENTS.has(req.tenant.toLowerCase())) {
        tenant = await findTenant(this.ctx, req.tenant);
        if (!tenant) throw E.unknownTenant(req.tenant);
      }
      checkParameters(req.params);
      const grantType = param(req.params, 'grant_type');
      if (!grantType) throw E.missingParameter('grant_type');
      if (!tenant && grantType === 'password') {
        if (req.tenant.toLowerCase() !== 'organizations') throw E.ropcOnCommon();
        tenant = await this.tenantOfUser(param(req.params, 'username'));
        if (!tenant) throw E.badCredentials();
      } else if (!tenant && grantType === 'client_credentials') {
        throw E.tenantRequired();
      }
      if (!GRANTS.has(grantType)) throw E.unsupportedGrant();
      // a code redeemed on /organizations or /common belongs to the tenant the user signed in to (found by the code)
      if (!tenant && grantType === 'authorization_code') tenant = await this.tenantOfCode(param(req.params, 'code'));
      if (!tenant) throw grantType === 'authorization_code' ? E.invalidCode() : E.badRefreshToken(); // refresh tokens are redeemed at their tenant's endpoint
      // after the tenant is known (on /organizations, from the user name), so the throttled attempt is logged in it
      const ipWait = this.limiter.retryAfter(ipKey, this.throttle.perIp);
      if (ipWait > 0) throw E.throttled(ipWait);
      const client = await this.authenticateClient(tenant, req, grantType, partial);
      let outcome: Outcome;
      if (grantType === 'client_credentials') outcome = await this.clientCredentials(tenant, client, req.params, partial);
      else if (grantType === 'password') outcome = await this.password(tenant, client, req, partial);
      else if (grantType === 'authorization_code') outcome = await this.authorizationCode(tenant, client, req, partial);
      else outcome = await this.refresh(tenant, client, req, partial);

      const event: SignInEvent = {
        ...outcome.event, ...this.device(req), credentialKeyId: client.credentialKeyId, id: randomUUID(), tenantId: tenant.id, createdAt: this.ctx.clock(), correlationId, requestId: req.requestId,
        ipAddress: req.ipAddress, userAgent: req.userAgent, location: this.geo.lookup(req.ipAddress), status: { errorCode: 0, failureReason: null },
        processingTimeMs: this.ctx.clock() - started,
      };
      // The record commits before the response exists: no token leaves without its sign-in. With
      // other writes (refresh-token rotation) both share one transaction; alone, it joins a group commit.
      const writes = outcome.writes;
      if (outcome.recorded) {
        if (writes) await this.ctx.store.transaction(writes);
      } else if (writes) {
        const row = await prepareSignIn(this.ctx.store, event);
        await this.ctx.store.transaction(async (trx) => {
          await writes(trx);
          await recordSignIn(trx, row);
        });
      } else {
        await this.signIns.write(event);
      }
      return { status: 200, body: outcome.body, headers: { ...NO_STORE, 'client-request-id': correlationId } };
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      // reuse of a rotated-out refresh token: the family is compromised, revoke all of it
      if (err instanceof RefreshReuse || err instanceof CodeReuse) await refreshRepo.revokeRefreshFamily(this.ctx.store.db, err.familyId, this.ctx.clock());
      if (CLIENT_AUTH_FAILURES.has(err.code)) {
        this.limiter.fail(ipKey, this.throttle.perIp);
        if (tenant && partial.app) this.limiter.fail(`client:${tenant.id}:${partial.app.appId}`, this.throttle.perClient);
      }
      if (tenant) await this.recordFailure(tenant, err, partial, req, correlationId, started);
      const headers: Record<string, string> = { ...NO_STORE, 'client-request-id': correlationId };
      if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
      if (err.status === 401 && req.authorization?.toLowerCase().startsWith('basic')) headers['www-authenticate'] = 'Basic realm="token"';
      return { status: err.status, body: errorBody(err, req.requestId, correlationId, this.ctx.clock()), headers };
    }
  }

  private async recordFailure(tenant: TenantInfo, err: OAuthError, partial: Partial<Outcome['event']>, req: TokenRequest, correlationId: string, started: number) {
    const grantType = req.params.get('grant_type');
    const eventType = partial.eventType ?? (grantType === 'password' ? 'interactiveUser' : grantType === 'refresh_token' ? 'nonInteractiveUser' : 'servicePrincipal');
    const code = err.logReason?.code ?? err.code;
    await this.signIns.write({
      authenticationProtocol: grantType === 'password' ? 'ropc' : 'none',
      clientCredentialType: 'none', ...partial, ...this.device(req), eventType,
      id: randomUUID(), tenantId: tenant.id, createdAt: this.ctx.clock(), correlationId, requestId: req.requestId,
      ipAddress: req.ipAddress, userAgent: req.userAgent, location: this.geo.lookup(req.ipAddress), processingTimeMs: this.ctx.clock() - started,
      status: { errorCode: code, failureReason: err.logReason?.reason ?? err.description },
    });
  }

  /** Browser or native client, and the operating system, as Entra's deviceDetail and clientAppUsed name them. */
  private device(req: TokenRequest): Pick<SignInEvent, 'clientAppUsed' | 'deviceDetail'> {
    const d = describeDevice(req.userAgent, req.clientHeaders);
    return { clientAppUsed: d.clientAppUsed, deviceDetail: { browser: d.browser, operatingSystem: d.operatingSystem } };
  }

  private async tenantOfCode(code: string | undefined): Promise<TenantInfo | undefined> {
    if (!code || code.length > 512) return undefined;
    const row = await codesRepo.findAuthorizationCode(this.ctx.store.db, hashToken(this.ctx.secretPepper, code));
    return row ? findTenant(this.ctx, row.tenant_id) : undefined;
  }

  private async tenantOfUser(username: string | undefined): Promise<TenantInfo | undefined> {
    const at = username?.lastIndexOf('@') ?? -1;
    return at > 0 ? findTenant(this.ctx, username!.slice(at + 1)) : undefined;
  }

  /** client_secret_basic or client_secret_post; public clients present none. */
  private async authenticateClient(tenant: TenantInfo, req: TokenRequest, grantType: string, partial: Partial<Outcome['event']>): Promise<Client> {
    let clientId = param(req.params, 'client_id');
    let secret = param(req.params, 'client_secret');
    const auth = req.authorization;
    if (auth !== undefined) {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(auth.trim());
      if (!m) throw new OAuthError(401, 'invalid_client', 7000215, 'The client authentication header is malformed.');
      if (secret !== undefined) throw E.malformed('Client credentials were sent both in the Authorization header and in the body.');
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 7000215, 'The client authentication header is malformed.');
      try {
        // RFC 6749 appendix B: both parts are form-urlencoded before base64
        const basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
        if (clientId !== undefined && clientId !== basicId) throw E.malformed('client_id does not match the Authorization header.');
        clientId = basicId;
      } catch (e) {
        if (e instanceof OAuthError) throw e;
        throw new OAuthError(401, 'invalid_client', 7000215, 'The client authentication header is malformed.');
      }
    }
    if (!clientId) throw E.missingParameter('client_id');
    const normalizedId = clientId.toLowerCase();
    partial.app = { appId: normalizedId.slice(0, 36), displayName: null, servicePrincipalId: null };
    const clientWait = this.limiter.retryAfter(`client:${tenant.id}:${partial.app.appId}`, this.throttle.perClient);
    if (clientWait > 0) throw E.throttled(clientWait);

    const reads = this.reads(tenant);
    const knownShape = isGuid(normalizedId);
    const sp = knownShape ? await reads.servicePrincipalByAppId(normalizedId) : undefined;
    const app = knownShape ? await reads.applicationByAppId(normalizedId) : undefined;
    if (!app && !sp) {
      if (secret !== undefined) checkClientSecret(this.ctx, [], secret); // same work as a real check
      throw E.unknownApp(clientId, tenant.id);
    }
    const displayName = app?.display_name ?? sp?.display_name ?? null;
    partial.app = { appId: normalizedId, displayName, servicePrincipalId: sp?.id ?? null };
    const client: Client = {
      appId: normalizedId, displayName, sp, applicationId: app?.id ?? null,
      publicClient: app ? app.is_fallback_public_client === 1 : sp?.public_client === 1, authenticated: false, credentialKeyId: null,
    };
    if (!app) {
      // first-party public clients (Azure CLI, Graph PowerShell, Graph Explorer)
      if (secret !== undefined) throw E.publicClientWithSecret();
      if (grantType === 'client_credentials' || sp?.public_client !== 1) throw E.unauthorizedClientForGrant(clientId);
      return client;
    }
    if (secret === undefined) {
      if (client.publicClient && grantType !== 'client_credentials') return client;
      // a code or refresh token issued to a SPA or native redirect URI is redeemed without a secret (checked against it)
      if (grantType === 'authorization_code' || grantType === 'refresh_token') return client;
      throw E.missingClientSecret();
    }
    partial.clientCredentialType = 'clientSecret';
    const { check, keyId } = matchClientSecret(this.ctx, await reads.passwordCredentials(app.id), secret);
    // the key the secret belongs to, for servicePrincipalCredentialKeyId (also on an expired key's failure)
    partial.credentialKeyId = keyId;
    client.credentialKeyId = keyId;
    if (check === 'expired') throw E.expiredClientSecret(normalizedId);
    if (check !== 'valid') throw E.invalidClientSecret(normalizedId);
    client.authenticated = true;
    return client;
  }

  private async resourceSp(tenant: TenantInfo, resource: ResourceApp): Promise<ServicePrincipalRow> {
    const sp = await this.reads(tenant).servicePrincipalByAppId(resource.appId);
    if (!sp) throw E.unknownResource(resource.appId, tenant.id);
    return sp;
  }

  /** Maps Tenantry's own URL to Microsoft Graph, so clients may ask for <publicUrl>/.default. */
  private resolveResource(resource: string): ResourceApp | undefined {
    const own = this.cfg.publicUrl.toLowerCase();
    const r = resource.toLowerCase().replace(/\/+$/, '');
    return resourceAppFor(r === own ? MICROSOFT_GRAPH_APP_ID : resource);
  }

  private async clientCredentials(tenant: TenantInfo, client: Client, params: URLSearchParams, partial: Partial<Outcome['event']>): Promise<Outcome> {
    partial.eventType = 'servicePrincipal';
    const scope = param(params, 'scope');
    if (!scope) throw E.missingParameter('scope');
    const scopes = scope.split(/\s+/).filter(Boolean);
    if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) throw E.defaultScopeRequired(scope);
    const resourceId = scopes[0]!.slice(0, -'/.default'.length);
    const resource = this.resolveResource(resourceId);
    if (!resource) throw E.unknownResource(resourceId, tenant.id);
    const resourceSp = await this.resourceSp(tenant, resource);
    partial.resource = { appId: resource.appId, displayName: resource.displayName, servicePrincipalId: resourceSp.id };
    if (!client.sp) throw E.missingServicePrincipal(client.appId);
    const reads = this.reads(tenant);
    const roles = await consentedAppRoles(reads, client.sp.id, resource, resourceSp.id);
    const wids = await reads.roleIdsOf(client.sp.id);
    const life = lifetime(this.cfg);
    const uti = newUti();
    const accessToken = await signAccessToken(this.keys, this.cfg, {
      tenantId: tenant.id, audience: resource.identifierUris[0]!, clientAppId: client.appId, clientDisplayName: client.displayName,
      appIdAcr: '1', lifetimeSeconds: life, now: this.ctx.clock(), uti, app: { servicePrincipalId: client.sp.id, roles, wids },
    });
    return {
      body: { token_type: 'Bearer', expires_in: life, ext_expires_in: life, access_token: accessToken },
      event: {
        eventType: 'servicePrincipal', clientAppUsed: 'Mobile Apps and Desktop clients', authenticationProtocol: 'none', clientCredentialType: 'clientSecret',
        app: { appId: client.appId, displayName: client.displayName, servicePrincipalId: client.sp.id },
        resource: partial.resource, uniqueTokenIdentifier: uti,
      },
    };
  }

  /** Splits a delegated scope request into OIDC scopes and one resource with its permission names. */
  parseDelegatedScopes(scope: string): { oidc: Set<string>; resource: ResourceApp; requested: string[] | 'default' } {
    const oidc = new Set<string>();
    let resource: ResourceApp | undefined;
    let requested: string[] | 'default' = [];
    for (const s of scope.split(/\s+/).filter(Boolean)) {
      if (OIDC_SCOPES.has(s)) {
        oidc.add(s);
        continue;
      }
      const slash = s.lastIndexOf('/');
      const [resId, name] = slash > 0 && /^[a-z]+:\/\//i.test(s) ? [s.slice(0, slash), s.slice(slash + 1)] : [MICROSOFT_GRAPH_APP_ID, s];
      const r = this.resolveResource(resId);
      if (!r) throw E.invalidScope(s);
      if (resource && resource.appId !== r.appId) throw E.multipleResources();
      resource = r;
      // /.default stands alone: with other permissions of the resource it is not a valid request
      if (name === '.default') {
        if (requested !== 'default' && requested.length > 0) throw E.invalidScope(scope);
        requested = 'default';
      } else {
        if (requested === 'default') throw E.invalidScope(scope);
        if (!r.permissions.some((p) => p.scopeId && p.value === name)) throw E.invalidScope(s);
        requested.push(name);
      }
    }
    return { oidc, resource: resource ?? this.resolveResource(MICROSOFT_GRAPH_APP_ID)!, requested: resource ? requested : ['User.Read'] };
  }

  private async delegatedScopes(tenant: TenantInfo, client: Client, user: UserRow, scope: string) {
    const parsed = this.parseDelegatedScopes(scope);
    const resourceSp = await this.resourceSp(tenant, parsed.resource);
    const consented = client.sp
      ? await consentedScopes(this.reads(tenant), { spId: client.sp.id, appId: client.appId }, resourceSp, user.id)
      : new Set<string>();
    // as in Entra, a token carries every permission consented for the resource, not only those asked
    // for (incremental consent adds to what the next token holds)
    if (parsed.requested !== 'default' && parsed.requested.some((s) => !consented.has(s))) throw E.consentRequired(client.appId, client.displayName ?? client.appId);
    const granted = [...consented].sort();
    if (granted.length === 0) throw E.consentRequired(client.appId, client.displayName ?? client.appId);
    return { ...parsed, resourceSp, granted };
  }

  private async password(tenant: TenantInfo, client: Client, req: TokenRequest, partial: Partial<Outcome['event']>): Promise<Outcome> {
    partial.eventType = 'interactiveUser';
    partial.authenticationProtocol = 'ropc';
    const username = param(req.params, 'username');
    const password = param(req.params, 'password');
    if (!username) throw E.missingParameter('username');
    if (password === undefined) throw E.missingParameter('password');
    const user = await this.verifyUserPassword(tenant, username, password, req.ipAddress, partial);
    const scope = param(req.params, 'scope') ?? 'openid profile';
    return this.userTokens(tenant, client, user, scope, req, 'interactiveUser', randomUUID(), partial);
  }

  /**
   * A user's password check, for ROPC and the sign-in page alike: per-user lockout counted before
   * the check, a hash verified even for unknown users (timing tells nothing), one generic error to
   * the client and the real reason in the log (partial.user tells the record who it was).
   */
  async verifyUserPassword(tenant: TenantInfo, username: string, password: string, ipAddress: string | null, partial: { user?: SignInEvent['user'] }): Promise<UserRow> {
    partial.user = { id: null, userPrincipalName: username, displayName: null };
    const userKey = `user:${tenant.id}:${username.toLowerCase()}`;
    // the attempt counts before the password is checked, so parallel guesses cannot slip past the lockout
    const locked = !this.limiter.tryAcquire(userKey, this.throttle.perUser);
    const user = username.length <= MAX_UPN_LENGTH ? await usersRepo.findUserByUpn(this.ctx.store.db, tenant.id, username) : undefined;
    // the hash is checked even when the user is unknown or locked, so timing tells nothing
    const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
    // a locked account answers like a wrong password; the log has the real reason
    if (locked) throw E.badCredentials(E.accountLocked());
    if (!user || !ok) this.limiter.fail(`ip:${ipAddress ?? ''}`, this.throttle.perIp);
    if (!user) throw E.badCredentials({ code: 50034, reason: 'The user account does not exist in the tenant directory.' });
    partial.user = { id: user.id, userPrincipalName: user.user_principal_name, displayName: user.display_name };
    if (!ok) throw E.badCredentials();
    this.limiter.release(userKey);
    if (user.account_enabled !== 1) throw E.disabledAccount();
    return user;
  }

  /** Seconds the user's account stays locked after too many wrong passwords, or 0. */
  lockedFor(tenantId: string, userPrincipalName: string): number {
    return this.limiter.retryAfter(`user:${tenantId}:${userPrincipalName.toLowerCase()}`, this.throttle.perUser);
  }

  private async userTokens(tenant: TenantInfo, client: Client, user: UserRow, scope: string, req: TokenRequest, eventType: 'interactiveUser' | 'nonInteractiveUser', familyId: string, partial: Partial<Outcome['event']>, extraWrites?: (ex: Executor) => Promise<void>, nonce?: string): Promise<Outcome> {
    const resolved = await this.delegatedScopes(tenant, client, user, scope);
    partial.resource = { appId: resolved.resource.appId, displayName: resolved.resource.displayName, servicePrincipalId: resolved.resourceSp.id };
    const now = this.ctx.clock();
    const life = lifetime(this.cfg);
    const uti = newUti();
    const wids = await this.reads(tenant).roleIdsOf(user.id);
    const sub = pairwiseSubject(user.id, client.appId);
    const accessToken = await signAccessToken(this.keys, this.cfg, {
      tenantId: tenant.id, audience: resolved.resource.identifierUris[0]!, clientAppId: client.appId, clientDisplayName: client.displayName,
      appIdAcr: client.authenticated ? '1' : '0', lifetimeSeconds: life, now, uti,
      user: { id: user.id, upn: user.user_principal_name, name: user.display_name, givenName: user.given_name, familyName: user.surname, scopes: resolved.granted, wids, ipAddress: req.ipAddress, sub },
    });
    const grantedScope = [...resolved.granted.map((s) => `${resolved.resource.identifierUris[0]}/${s}`), ...resolved.oidc].join(' ');
    const body: Record<string, unknown> = { token_type: 'Bearer', scope: grantedScope, expires_in: life, ext_expires_in: life, access_token: accessToken };
    let rtWrite: ((ex: Executor) => Promise<void>) | undefined;
    if (resolved.oidc.has('offline_access')) {
      const rt = randomToken(48);
      body.refresh_token = rt;
      rtWrite = (ex) => refreshRepo.insertRefreshToken(ex, {
        token_hash: hashToken(this.ctx.secretPepper, rt), tenant_id: tenant.id, family_id: familyId, client_id: client.appId, user_id: user.id,
        scope, created_at: now, expires_at: now + this.cfg.refreshTokenLifetimeSeconds * 1000, consumed_at: null, revoked_at: null,
        public_client: client.authenticated ? 0 : 1,
      });
    }
    if (resolved.oidc.has('openid')) {
      body.id_token = await signIdToken(this.keys, this.cfg, { tenantId: tenant.id, clientAppId: client.appId, now, lifetimeSeconds: 3600, user: { id: user.id, upn: user.user_principal_name, name: user.display_name, sub }, nonce });
    }
    if (req.params.get('client_info') === '1') body.client_info = clientInfo(user.id, tenant.id);
    return {
      body,
      writes: extraWrites || rtWrite
        ? async (ex) => {
            if (extraWrites) await extraWrites(ex);
            if (rtWrite) await rtWrite(ex);
          }
        : undefined,
      event: {
        eventType, clientAppUsed: 'Mobile Apps and Desktop clients', authenticationProtocol: eventType === 'interactiveUser' ? 'ropc' : 'none',
        clientCredentialType: client.authenticated ? 'clientSecret' : 'none',
        user: { id: user.id, userPrincipalName: user.user_principal_name, displayName: user.display_name },
        app: { appId: client.appId, displayName: client.displayName, servicePrincipalId: client.sp?.id ?? null },
        resource: partial.resource, uniqueTokenIdentifier: uti,
      },
    };
  }

  /** RFC 6749 §4.1.3 with PKCE (RFC 7636): the code is single use, bound to its tenant, client, redirect URI and verifier. */
  private async authorizationCode(tenant: TenantInfo, client: Client, req: TokenRequest, partial: Partial<Outcome['event']>): Promise<Outcome> {
    partial.eventType = 'interactiveUser';
    const code = param(req.params, 'code');
    if (!code) throw E.missingParameter('code');
    const hash = hashToken(this.ctx.secretPepper, code);
    const row = code.length <= 512 ? await codesRepo.findAuthorizationCode(this.ctx.store.db, hash) : undefined;
    // a code of another tenant is as unknown here as a made-up one
    if (!row || row.tenant_id !== tenant.id) throw E.invalidCode();
    const user = await usersRepo.getUser(this.ctx.store.db, tenant.id, row.user_id);
    partial.user = { id: row.user_id, userPrincipalName: user?.user_principal_name ?? '', displayName: user?.display_name ?? null };
    if (row.client_id !== client.appId) throw E.invalidCode('The code was issued to another client.');
    const now = this.ctx.clock();
    if (row.expires_at <= now) throw E.expiredCode();
    const redirectUri = param(req.params, 'redirect_uri');
    if (row.redirect_uri_sent === 1 ? redirectUri !== row.redirect_uri : redirectUri !== undefined && redirectUri !== row.redirect_uri) throw E.redirectMismatchAtToken();
    if (row.public_client !== 1 && !client.authenticated) throw E.missingClientSecret();
    const verifier = param(req.params, 'code_verifier');
    if (row.code_challenge !== null) {
      if (verifier === undefined || !PKCE_VERIFIER.test(verifier)) throw E.pkceMismatch();
      const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
      if (!constantTimeEqual(challenge, row.code_challenge)) throw E.pkceMismatch();
    } else if (verifier !== undefined) {
      // PKCE downgrade: a verifier for a code that was issued without a challenge
      throw E.invalidGrant('A code_verifier was sent, but the authorization request carried no code_challenge.');
    }
    // a replay revokes what the first redemption started, but only when it comes from the code's
    // rightful client (redirect URI, secret and verifier checked above): a used code found in a
    // browser's history or a server log cannot be used to sign its user out of the app
    if (row.consumed_at !== null) throw new CodeReuse(row.family_id);
    if (!user) throw E.invalidCode();
    if (user.account_enabled !== 1) throw E.disabledAccount();
    if (this.lockedFor(tenant.id, user.user_principal_name) > 0) {
      throw new OAuthError(400, 'invalid_grant', 50053, 'Account is locked because user tried to sign in too many times with an incorrect user ID or password.', E.accountLocked());
    }
    const outcome = await this.userTokens(tenant, client, user, row.scope, req, 'interactiveUser', row.family_id, partial, async (ex) => {
      // lost the compare-and-swap to a concurrent redemption: that is a replay too
      if (!(await codesRepo.consumeAuthorizationCode(ex, hash, now))) throw new CodeReuse(row.family_id);
    }, row.nonce ?? undefined);
    return { ...outcome, recorded: true };
  }

  private async refresh(tenant: TenantInfo, client: Client, req: TokenRequest, partial: Partial<Outcome['event']>): Promise<Outcome> {
    partial.eventType = 'nonInteractiveUser';
    const presented = param(req.params, 'refresh_token');
    if (!presented) throw E.missingParameter('refresh_token');
    const hash = hashToken(this.ctx.secretPepper, presented);
    const row = await refreshRepo.findRefreshToken(this.ctx.store.db, hash);
    if (!row || row.tenant_id !== tenant.id) throw E.badRefreshToken();
    if (row.client_id !== client.appId) throw E.invalidGrant('The refresh token was issued to a different client.');
    if (row.public_client !== 1 && !client.authenticated) throw E.missingClientSecret();
    const user = await usersRepo.getUser(this.ctx.store.db, tenant.id, row.user_id);
    partial.user = { id: row.user_id, userPrincipalName: user?.user_principal_name ?? '', displayName: user?.display_name ?? null };
    const now = this.ctx.clock();
    if (row.revoked_at !== null) throw E.revokedRefreshToken();
    if (row.consumed_at !== null) {
      throw new RefreshReuse(row.family_id);
    }
    if (row.expires_at <= now) throw E.expiredRefreshToken();
    if (!user) throw E.revokedRefreshToken();
    if (user.account_enabled !== 1) throw E.disabledAccount();
    if (this.lockedFor(tenant.id, user.user_principal_name) > 0) {
      throw new OAuthError(400, 'invalid_grant', 50053, 'Account is locked because user tried to sign in too many times with an incorrect user ID or password.', E.accountLocked());
    }
    const scope = param(req.params, 'scope') ?? row.scope;
    const scopeWithOffline = scope.split(/\s+/).includes('offline_access') ? scope : `${scope} offline_access`;
    return this.userTokens(tenant, client, user, scopeWithOffline, req, 'nonInteractiveUser', row.family_id, partial, async (ex) => {
      // lost the compare-and-swap to a concurrent redemption: that is reuse too
      if (!(await refreshRepo.consumeRefreshToken(ex, hash, now))) throw new RefreshReuse(row.family_id);
    });
  }
}

/** Entra's limit on a user principal name's length; longer input cannot name a user. */
const MAX_UPN_LENGTH = 320;
const MAX_PARAMETERS = 64;

class RefreshReuse extends OAuthError {
  constructor(readonly familyId: string) {
    super(400, 'invalid_grant', 50173, E.revokedRefreshToken().description, { code: 50173, reason: 'Refresh token reuse detected; the token family was revoked.' });
  }
}

/** A replayed authorization code: the tokens its first redemption started (the refresh family) are revoked. */
class CodeReuse extends OAuthError {
  constructor(readonly familyId: string) {
    super(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  }
}

/** RFC 7636 §4.1: 43–128 characters of the unreserved set. */
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

const ipKeyOf = (req: TokenRequest): string => `ip:${req.ipAddress ?? ''}`;

/** One pass: a bounded number of parameters, none repeated, none holding NUL. */
function checkParameters(params: URLSearchParams): void {
  const seen = new Set<string>();
  for (const [k, v] of params) {
    if (seen.size >= MAX_PARAMETERS) throw E.malformed('Too many parameters.');
    if (seen.has(k)) throw E.malformed(`Duplicate parameter '${k.slice(0, 64)}'.`);
    seen.add(k);
    // no identifier or credential holds NUL, and PostgreSQL text cannot (form decoding already turns broken UTF-8 into U+FFFD)
    if (k.includes('\u0000') || v.includes('\u0000')) throw E.malformed(`Parameter '${k.replaceAll('\u0000', '').slice(0, 64)}' contains invalid characters.`);
  }
}

function param(params: URLSearchParams, name: string): string | undefined {
  const v = params.get(name);
  return v === null || v === '' ? undefined : v;
}
