import { createHmac, randomUUID } from 'node:crypto';
import { constantTimeEqual, dummyPasswordHash, hashToken, randomToken, verifyPassword } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import * as codesRepo from '../store/repositories/authorization.js';
import * as usersRepo from '../store/repositories/users.js';
import type { ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { UserRow } from '../store/repositories/users.js';
import type { ApplicationBody } from '../directory/applications.js';
import { FIRST_PARTY_CLIENTS, OIDC_SCOPES, RESOURCE_APPS, type PermissionDef, type ResourceApp } from '../directory/catalog.js';
import { CONSENT_ADMIN_ROLES } from '../directory/authz.js';
import { recordConsent } from '../directory/consent.js';
import type { DirectoryContext } from '../directory/context.js';
import { consentedScopes } from '../directory/servicePrincipals.js';
import { findTenant, resolveTenant, type TenantRef } from '../directory/tenants.js';
import { MULTI_TENANT_SEGMENTS } from './discovery.js';
import { E, OAuthError } from './errors.js';
import { prepareSignIn, recordSignIn, type SignInEvent } from './signIns.js';
import type { TokenEndpoint } from './tokenEndpoint.js';
import { issuerFor } from './tokens.js';
import { describeDevice } from './userAgent.js';

/** What the browser sent: the query of a GET or the form of a POST, and the cookies. */
export interface BrowserRequest {
  /** tenant segment of the path: id, domain, 'common' or 'organizations' */
  tenant: string;
  params: URLSearchParams;
  cookies: Record<string, string>;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string;
  clientRequestId: string | null;
  /** true for a POST (redirects after it are 303, never 307) */
  post: boolean;
}

export interface Cookie {
  name: string;
  value: string;
  /** seconds; 0 deletes the cookie */
  maxAge: number;
  sameSite: 'Strict' | 'Lax';
}

export interface PermissionView {
  value: string;
  displayName: string;
  description: string;
  adminConsentRequired: boolean;
  resource: string;
}

export type Page =
  | { view: 'login'; ctx: string; csrf: string; username: string; error: string | null; clientName: string }
  | { view: 'consent'; ctx: string; csrf: string; clientName: string; publisher: string; userPrincipalName: string; permissions: PermissionView[]; canConsentForOrg: boolean }
  | { view: 'error'; title: string; code: number; message: string; correlationId: string; requestId: string; timestamp: number; back?: string }
  | { view: 'signedOut' };

export type BrowserOutcome =
  | { kind: 'page'; status: number; page: Page; cookies?: Cookie[]; formTargets?: string[] }
  | { kind: 'redirect'; status: 302 | 303; location: string; cookies?: Cookie[] }
  | { kind: 'formPost'; action: string; fields: Record<string, string>; cookies?: Cookie[] };

/**
 * Cookie names: with HTTPS the `__Host-` prefix, so the browser accepts them only Secure, for Path=/
 * and from this host itself (no sibling subdomain can plant one).
 */
export const cookieNames = (secure: boolean) => ({
  session: `${secure ? '__Host-' : ''}tenantry_session`,
  csrf: `${secure ? '__Host-' : ''}tenantry_csrf`,
});

/** How long the sign-in page may sit before it is posted, a code lives, and a browser session lasts. */
const INTERACTION_MS = 15 * 60_000;
const CODE_MS = 5 * 60_000;
const SESSION_MS = 12 * 3600_000;

/** The validated authorization request, carried (signed) through the sign-in and consent pages. */
interface Pending {
  /** tenant path segment and, once known, the tenant id */
  seg: string;
  tid: string | null;
  cid: string;
  ru: string;
  /** the request named the redirect URI itself */
  rus: boolean;
  /** issued to a public (SPA or native) redirect URI */
  pub: boolean;
  sc: string;
  st: string;
  n: string | null;
  cc: string | null;
  rm: 'query' | 'fragment' | 'form_post';
  pr: string | null;
  lh: string | null;
  corr: string;
  /** the CSRF cookie this form belongs to */
  x: string;
  exp: number;
  /** consent stage: the signed-in user and the session hash */
  uid?: string;
  sh?: string;
}

interface ClientInfo {
  appId: string;
  displayName: string;
  firstParty: boolean;
  redirects: { uri: string; public: boolean }[];
  /** delegated permissions the registration asks for, per resource appId (what /.default means before consent) */
  configured: Map<string, string[]>;
  publisherDomain: string;
}

/** The browser side of the Microsoft identity platform: /authorize, the sign-in and consent pages, sign-out. */
export class AuthorizeEndpoint {
  private readonly cookie: { session: string; csrf: string };

  constructor(
    private readonly ctx: DirectoryContext,
    private readonly tokens: TokenEndpoint,
    private readonly publicUrl: string,
    /** HMAC key for the pending-request blobs */
    private readonly key: string,
    secureCookies: boolean,
  ) {
    this.cookie = cookieNames(secureCookies);
  }

  // ---- GET /{tenant}/oauth2/v2.0/authorize ----------------------------------------------------

  async authorize(req: BrowserRequest): Promise<BrowserOutcome> {
    const correlationId = isGuid(req.clientRequestId) ? req.clientRequestId.toLowerCase() : randomUUID();
    // malformed requests count against the address like failed sign-ins: past the limit they are
    // answered without a record, so nobody can fill a tenant's sign-in log from one address
    const ipKey = `ip:${req.ipAddress ?? ''}`;
    const ipWait = this.tokens.limiter.retryAfter(ipKey, this.tokens.throttle.perIp);
    if (ipWait > 0) {
      const err = E.throttled(ipWait);
      return { kind: 'page', status: 429, page: { view: 'error', title: 'Sign in', code: err.code, message: err.description, correlationId, requestId: req.requestId, timestamp: this.ctx.clock() } };
    }
    const fail = (tenant: TenantRef | undefined, err: OAuthError, app?: { appId: string; displayName: string | null }) => {
      this.tokens.limiter.fail(ipKey, this.tokens.throttle.perIp);
      return this.errorPage(req, correlationId, err, tenant, app);
    };

    const dup = duplicateParameter(req.params);
    if (dup) return fail(undefined, E.malformed(`The parameter '${dup}' is repeated or invalid.`));
    const seg = req.tenant;
    let tenant: TenantRef | undefined;
    if (!MULTI_TENANT_SEGMENTS.has(seg.toLowerCase())) {
      tenant = await findTenant(this.ctx, seg);
      if (!tenant) return fail(undefined, E.unknownTenant(seg));
    } else if (seg.toLowerCase() === 'consumers') {
      return fail(undefined, new OAuthError(400, 'invalid_request', 9002331, 'Application is configured for use by Microsoft Account users only. Please use the /consumers endpoint to serve this request.'));
    }
    const clientId = get(req.params, 'client_id');
    if (!clientId) return fail(tenant, E.missingParameter('client_id'));
    const client = await this.loadClient(tenant, clientId.toLowerCase());
    if (!client) {
      if (!tenant && !FIRST_PARTY_CLIENTS.some((c) => c.appId === clientId.toLowerCase()) && isGuid(clientId)) {
        return fail(undefined, new OAuthError(400, 'invalid_request', 50194, `Application '${clientId}' is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications. Use a tenant-specific endpoint or configure the application to be multi-tenant.`));
      }
      // quoted short: the page must not carry whatever text a link's author put in the parameter
      return fail(tenant, E.unknownApp(clientId.slice(0, 64), tenant?.id ?? seg.slice(0, 64)), { appId: clientId.slice(0, 36), displayName: null });
    }
    const app = { appId: client.appId, displayName: client.displayName };

    // the redirect URI: until it is validated, nothing is ever sent to it
    const requested = get(req.params, 'redirect_uri');
    let redirect: { uri: string; public: boolean; sent: boolean };
    if (requested === undefined) {
      if (client.redirects.length !== 1) return fail(tenant, E.missingParameter('redirect_uri'), app);
      redirect = { ...client.redirects[0]!, sent: false };
    } else {
      const match = matchRedirect(client.redirects, requested);
      if (!match) return fail(tenant, redirectMismatch(requested, client.appId), app);
      redirect = { uri: requested, public: match.public, sent: true };
    }

    const state = get(req.params, 'state');
    const rmRaw = get(req.params, 'response_mode') ?? 'query';
    const rm = rmRaw === 'query' || rmRaw === 'fragment' || rmRaw === 'form_post' ? rmRaw : 'query';
    const back = (err: OAuthError) => this.errorRedirect(req, correlationId, tenant, app, redirect.uri, rm, state, err);
    if (rm !== rmRaw) return back(E.malformed(`The response_mode '${rmRaw.slice(0, 32)}' is not supported.`));
    const responseType = get(req.params, 'response_type');
    if (!responseType) return back(E.missingParameter('response_type'));
    if (responseType !== 'code') {
      return back(new OAuthError(400, 'unsupported_response_type', 700054, `response_type '${responseType.slice(0, 64)}' is not enabled for the application.`));
    }
    if (state === undefined) return back(new OAuthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'state'."));
    if (state.length > 2048) return back(E.malformed('The state parameter is too long.'));
    const scope = get(req.params, 'scope');
    if (!scope) return back(E.missingParameter('scope'));
    if (scope.length > 4096) return back(E.malformed('The scope parameter is too long.'));
    try {
      this.tokens.parseDelegatedScopes(scope);
    } catch (err) {
      if (err instanceof OAuthError) return back(err);
      throw err;
    }
    const challenge = get(req.params, 'code_challenge');
    const method = get(req.params, 'code_challenge_method');
    if (challenge !== undefined || method !== undefined) {
      if (method !== 'S256') {
        return back(E.malformed(`The code_challenge_method '${(method ?? 'plain').slice(0, 16)}' is not supported; only S256 is.`));
      }
      if (challenge === undefined) return back(E.missingParameter('code_challenge'));
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return back(new OAuthError(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'));
    } else if (redirect.public) {
      return back(new OAuthError(400, 'invalid_request', 9002325, 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.'));
    }
    const prompt = get(req.params, 'prompt') ?? null;
    if (prompt !== null && !['login', 'none', 'consent', 'select_account'].includes(prompt)) {
      return back(E.malformed(`Invalid value for the prompt parameter: '${prompt.slice(0, 32)}'.`));
    }
    const nonce = get(req.params, 'nonce') ?? null;
    if (nonce !== null && nonce.length > 1024) return back(E.malformed('The nonce parameter is too long.'));
    const loginHint = get(req.params, 'login_hint') ?? null;

    const pending: Pending = {
      seg, tid: tenant?.id ?? null, cid: client.appId, ru: redirect.uri, rus: redirect.sent, pub: redirect.public, sc: scope, st: state,
      n: nonce, cc: challenge ?? null, rm, pr: prompt, lh: loginHint && loginHint.length <= 320 ? loginHint : null, corr: correlationId,
      x: '', exp: this.ctx.clock() + INTERACTION_MS,
    };

    // single sign-on: a live session for this tenant (any tenant on /organizations) skips the sign-in page
    const session = prompt === 'login' || prompt === 'select_account' ? undefined : await this.liveSession(req, tenant?.id ?? null);
    if (!session) {
      if (prompt === 'none') {
        return back(new OAuthError(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'));
      }
      return this.loginPage(req, pending, client, null, pending.lh ?? '');
    }
    const sessionTenant = tenant ?? (await findTenant(this.ctx, session.row.tenant_id));
    if (!sessionTenant) return this.loginPage(req, pending, client, null, '');
    pending.tid = sessionTenant.id;
    return this.afterSignIn(req, pending, sessionTenant, session.user, session.hash, []);
  }

  // ---- POST /{tenant}/oauth2/v2.0/login ---------------------------------------------------------

  async login(req: BrowserRequest): Promise<BrowserOutcome> {
    const pending = this.openPending(req);
    if (!pending) return this.expiredForm(req);
    const username = (get(req.params, 'login') ?? '').trim();
    const password = req.params.get('passwd') ?? '';
    const tenant = pending.tid ? await findTenant(this.ctx, pending.tid) : await this.tenantOfUser(username);
    const client = tenant ? await this.loadClient(tenant, pending.cid) : undefined;
    const retry = (message: string) => this.loginPage(req, pending, client ?? placeholderClient(pending.cid), message, username);
    if (!username || !password) return retry('Enter your username and password.');
    if (!tenant || !client) {
      // no tenant by that domain, or the client does not exist there: the same words as a wrong
      // password, after the same hashing work, so neither words nor timing tell which domains exist
      await verifyPassword(password, await dummyPasswordHash());
      return retry(BAD_CREDENTIALS);
    }
    const ipWait = this.tokens.limiter.retryAfter(`ip:${req.ipAddress ?? ''}`, this.tokens.throttle.perIp);
    if (ipWait > 0) {
      const err = E.throttled(ipWait);
      await this.recordFailure(req, pending.corr, tenant, { appId: client.appId, displayName: client.displayName }, err, { id: null, userPrincipalName: username.slice(0, 320), displayName: null });
      return this.loginPage(req, pending, client, `Too many failed sign-in attempts from your network. Try again in ${ipWait} seconds.`, username, 429);
    }
    const partial: { user?: SignInEvent['user'] } = {};
    let user: UserRow;
    try {
      user = await this.tokens.verifyUserPassword(tenant, username, password, req.ipAddress, partial);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      await this.recordFailure(req, pending.corr, tenant, { appId: client.appId, displayName: client.displayName }, err, partial.user);
      return retry(err.code === 50057 ? 'Your account has been locked. Contact your support person to unlock it, then try again.' : BAD_CREDENTIALS);
    }
    const now = this.ctx.clock();
    const sessionToken = randomToken(32);
    const sessionHash = hashToken(this.ctx.secretPepper, sessionToken);
    await codesRepo.insertBrowserSession(this.ctx.store.db, {
      session_hash: sessionHash, tenant_id: tenant.id, user_id: user.id, auth_time: now, created_at: now, expires_at: now + SESSION_MS, revoked_at: null,
    });
    const cookie: Cookie = { name: this.cookie.session, value: sessionToken, maxAge: SESSION_MS / 1000, sameSite: 'Lax' };
    pending.tid = tenant.id;
    return this.afterSignIn(req, pending, tenant, user, sessionHash, [cookie]);
  }

  // ---- POST /{tenant}/oauth2/v2.0/consent -------------------------------------------------------

  async consent(req: BrowserRequest): Promise<BrowserOutcome> {
    const pending = this.openPending(req);
    if (!pending || !pending.uid || !pending.sh || !pending.tid) return this.expiredForm(req);
    const session = await this.liveSession(req, pending.tid);
    if (!session || session.hash !== pending.sh || session.user.id !== pending.uid) return this.expiredForm(req);
    const tenant = await findTenant(this.ctx, pending.tid);
    const client = tenant ? await this.loadClient(tenant, pending.cid) : undefined;
    if (!tenant || !client) return this.expiredForm(req);
    const app = { appId: client.appId, displayName: client.displayName };
    if (get(req.params, 'decision') !== 'accept') {
      return this.errorRedirect(req, pending.corr, tenant, app, pending.ru, pending.rm, pending.st,
        new OAuthError(400, 'access_denied', 65004, 'User declined to consent to access the app.'), session.user);
    }
    const need = await this.consentNeeded(tenant, client, session.user, pending.sc);
    if ('error' in need) return this.errorRedirect(req, pending.corr, tenant, app, pending.ru, pending.rm, pending.st, need.error, session.user);
    const roles = await this.tokens.reads(tenant).roleIdsOf(session.user.id);
    const isAdmin = roles.some((r) => (CONSENT_ADMIN_ROLES as readonly string[]).includes(r));
    const forOrg = isAdmin && get(req.params, 'for_org') === 'on';
    if (need.missing.some((p) => p.adminConsentRequired) && !isAdmin) return this.needAdminApproval(req, pending, tenant, client, session.user);
    // for the organisation: everything the request names (what the admin holds personally says
    // nothing of what others have); for oneself: what is still missing
    const toGrant = forOrg ? need.all : need.missing;
    if (toGrant.length > 0) {
      await recordConsent(this.ctx, {
        user: session.user, roles, clientSp: need.clientSp, resourceSp: need.resourceSp, scopes: toGrant.map((p) => p.value),
        onBehalfOfAll: forOrg, ipAddress: req.ipAddress, userAgent: req.userAgent, correlationId: pending.corr,
      });
    }
    return this.issueCode(req, pending, tenant, client, session.user, session.hash, []);
  }

  // ---- GET|POST /{tenant}/oauth2/v2.0/logout ----------------------------------------------------

  async logout(req: BrowserRequest): Promise<BrowserOutcome> {
    const token = req.cookies[this.cookie.session];
    if (token && token.length <= 128) await codesRepo.revokeBrowserSession(this.ctx.store.db, hashToken(this.ctx.secretPepper, token), this.ctx.clock());
    const cookies: Cookie[] = [{ name: this.cookie.session, value: '', maxAge: 0, sameSite: 'Lax' }];
    const target = get(req.params, 'post_logout_redirect_uri');
    const clientId = get(req.params, 'client_id')?.toLowerCase();
    if (target && clientId && !duplicateParameter(req.params)) {
      const tenant = MULTI_TENANT_SEGMENTS.has(req.tenant.toLowerCase()) ? undefined : await findTenant(this.ctx, req.tenant);
      const client = await this.loadClient(tenant, clientId);
      // exact match against the client's registered redirect URIs: never an open redirector
      if (client && client.redirects.some((r) => r.uri === target)) {
        const state = get(req.params, 'state');
        return { kind: 'redirect', status: req.post ? 303 : 302, location: state ? appendParams(target, { state }, 'query') : target, cookies };
      }
    }
    return { kind: 'page', status: 200, page: { view: 'signedOut' }, cookies };
  }

  /** Drops codes and browser sessions a day past their expiry (run by the serving process that purges logs). */
  purgeExpired(): Promise<number> {
    return codesRepo.purgeAuthorizationArtifacts(this.ctx.store.db, this.ctx.clock());
  }

  // ---- the steps ----------------------------------------------------------------------------------

  /** Signed in: consent if it is needed (or an error if it cannot be given), else the code. */
  private async afterSignIn(req: BrowserRequest, pending: Pending, tenant: TenantRef, user: UserRow, sessionHash: string, cookies: Cookie[]): Promise<BrowserOutcome> {
    const client = await this.loadClient(tenant, pending.cid);
    const app = { appId: pending.cid, displayName: client?.displayName ?? null };
    const back = (err: OAuthError) => this.errorRedirect(req, pending.corr, tenant, app, pending.ru, pending.rm, pending.st, err, user, cookies);
    if (!client) return back(E.unknownApp(pending.cid, tenant.id));
    if (user.account_enabled !== 1) return back(new OAuthError(400, 'access_denied', 50057, 'The user account is disabled.'));
    if (this.tokens.lockedFor(tenant.id, user.user_principal_name) > 0) {
      return back(new OAuthError(400, 'access_denied', 50053, 'Your account is locked because you tried to sign in too many times with an incorrect user ID or password.'));
    }
    const need = await this.consentNeeded(tenant, client, user, pending.sc);
    if ('error' in need) return back(need.error);
    if (need.missing.length === 0 && pending.pr !== 'consent') return this.issueCode(req, pending, tenant, client, user, sessionHash, cookies);
    if (pending.pr === 'none') return back(new OAuthError(400, 'consent_required', 65001, E.consentRequired(client.appId, client.displayName).description));
    const roles = await this.tokens.reads(tenant).roleIdsOf(user.id);
    const isAdmin = roles.some((r) => (CONSENT_ADMIN_ROLES as readonly string[]).includes(r));
    if (need.missing.some((p) => p.adminConsentRequired) && !isAdmin) return this.needAdminApproval(req, pending, tenant, client, user, cookies);
    const csrf = this.csrfOf(req, cookies);
    const signed = this.seal({ ...pending, x: csrf, uid: user.id, sh: sessionHash, exp: this.ctx.clock() + INTERACTION_MS });
    // an administrator may consent for the organisation, which covers all the request names
    const shown = isAdmin || need.missing.length === 0 ? need.all : need.missing;
    return {
      kind: 'page', status: 200, cookies, formTargets: [pending.ru],
      page: { view: 'consent', ctx: signed, csrf, clientName: client.displayName, publisher: client.publisherDomain, userPrincipalName: user.user_principal_name, permissions: shown, canConsentForOrg: isAdmin },
    };
  }

  /** The code: stored with its sign-in record in one transaction, then handed to the redirect URI. */
  private async issueCode(req: BrowserRequest, pending: Pending, tenant: TenantRef, client: ClientInfo, user: UserRow, sessionHash: string, cookies: Cookie[]): Promise<BrowserOutcome> {
    const code = randomToken(48);
    const now = this.ctx.clock();
    const resource = this.tokens.parseDelegatedScopes(pending.sc).resource;
    const resourceSp = await this.tokens.reads(tenant).servicePrincipalByAppId(resource.appId);
    const clientSp = await this.tokens.reads(tenant).servicePrincipalByAppId(client.appId);
    const row = await prepareSignIn(this.ctx.store, this.event(req, pending.corr, tenant, { appId: client.appId, displayName: client.displayName, servicePrincipalId: clientSp?.id ?? null }, {
      status: { errorCode: 0, failureReason: null },
      user: { id: user.id, userPrincipalName: user.user_principal_name, displayName: user.display_name },
      resource: { appId: resource.appId, displayName: resource.displayName, servicePrincipalId: resourceSp?.id ?? null },
    }));
    await this.ctx.store.transaction(async (trx) => {
      await codesRepo.insertAuthorizationCode(trx, {
        code_hash: hashToken(this.ctx.secretPepper, code), tenant_id: tenant.id, client_id: client.appId, redirect_uri: pending.ru,
        redirect_uri_sent: pending.rus ? 1 : 0, public_client: pending.pub ? 1 : 0, user_id: user.id, scope: pending.sc, nonce: pending.n,
        code_challenge: pending.cc, session_hash: sessionHash, correlation_id: pending.corr, family_id: randomUUID(), auth_time: now,
        created_at: now, expires_at: now + CODE_MS, consumed_at: null,
      });
      await recordSignIn(trx, row);
    });
    return this.respond(req, pending.ru, pending.rm, { code, state: pending.st, iss: issuerFor(this.publicUrl, tenant.id), client_info: clientInfoOf(user) }, cookies);
  }

  /** Which requested delegated permissions still lack consent for this user, or why none can be given. */
  private async consentNeeded(tenant: TenantRef, client: ClientInfo, user: UserRow, scope: string):
    Promise<{ missing: PermissionView[]; all: PermissionView[]; clientSp: ServicePrincipalRow; resourceSp: ServicePrincipalRow } | { error: OAuthError }> {
    const parsed = this.tokens.parseDelegatedScopes(scope);
    const reads = this.tokens.reads(tenant);
    const resourceSp = await reads.servicePrincipalByAppId(parsed.resource.appId);
    if (!resourceSp) return { error: E.unknownResource(parsed.resource.appId, tenant.id) };
    const clientSp = await reads.servicePrincipalByAppId(client.appId);
    if (!clientSp) return { error: E.missingServicePrincipal(client.appId) };
    const consented = await consentedScopes(reads, { spId: clientSp.id, appId: client.appId }, resourceSp, user.id);
    const wanted = parsed.requested === 'default'
      ? (client.configured.get(parsed.resource.appId) ?? (consented.size > 0 ? [] : ['User.Read'])).filter((s) => !OIDC_SCOPES.has(s))
      : parsed.requested;
    const view = (value: string): PermissionView => {
      const def = parsed.resource.permissions.find((p) => p.scopeId && p.value === value) as PermissionDef;
      return { value, displayName: def.displayName, description: def.description, adminConsentRequired: def.adminConsentRequired, resource: parsed.resource.displayName };
    };
    const all = wanted.filter((s) => parsed.resource.permissions.some((p) => p.scopeId && p.value === s)).map(view);
    return { missing: all.filter((p) => !consented.has(p.value)), all, clientSp, resourceSp };
  }

  // ---- pages and answers --------------------------------------------------------------------------

  private loginPage(req: BrowserRequest, pending: Pending, client: ClientInfo, error: string | null, username: string, status = 200): BrowserOutcome {
    const cookies: Cookie[] = [];
    const csrf = this.csrfOf(req, cookies);
    const signed = this.seal({ ...pending, x: csrf, exp: this.ctx.clock() + INTERACTION_MS });
    return { kind: 'page', status, cookies, formTargets: [pending.ru], page: { view: 'login', ctx: signed, csrf, username, error, clientName: client.displayName } };
  }

  private async needAdminApproval(req: BrowserRequest, pending: Pending, tenant: TenantRef, client: ClientInfo, user: UserRow, cookies: Cookie[] = []): Promise<BrowserOutcome> {
    const err = new OAuthError(403, 'access_denied', 90094, `${client.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`);
    const out = await this.errorPage(req, pending.corr, err, tenant, { appId: client.appId, displayName: client.displayName }, user, 'Need admin approval', cookies);
    // "Return to the application without granting consent": the validated redirect URI learns of the refusal
    if (out.kind === 'page' && out.page.view === 'error' && pending.rm !== 'form_post') {
      out.page.back = appendParams(pending.ru, {
        error: 'access_denied', error_subcode: 'cancel', state: pending.st,
        error_description: `AADSTS65004: User declined to consent to access the app. Trace ID: ${req.requestId} Correlation ID: ${pending.corr}`,
      }, pending.rm);
      out.formTargets = [pending.ru];
    }
    return out;
  }

  private expiredForm(req: BrowserRequest): BrowserOutcome {
    return {
      kind: 'page', status: 400,
      page: { view: 'error', title: 'Sign-in request not valid', code: 9002313, message: 'This sign-in form has expired or was not sent by this page. Go back to the application and sign in again.', correlationId: randomUUID(), requestId: req.requestId, timestamp: this.ctx.clock() },
    };
  }

  /** An error shown here, never sent to a redirect URI (unknown client, bad redirect URI, …); recorded when the tenant is known. */
  private async errorPage(req: BrowserRequest, correlationId: string, err: OAuthError, tenant: TenantRef | undefined, app?: { appId: string; displayName: string | null }, user?: UserRow, title = 'Sign in', cookies: Cookie[] = []): Promise<BrowserOutcome> {
    if (tenant) await this.recordFailure(req, correlationId, tenant, app, err, user ? userOf(user) : undefined);
    return { kind: 'page', status: err.status === 403 ? 403 : 400, cookies, page: { view: 'error', title, code: err.code, message: err.description, correlationId, requestId: req.requestId, timestamp: this.ctx.clock() } };
  }

  /** An error sent back to the (validated) redirect URI, as RFC 6749 §4.1.2.1 says, and recorded. */
  private async errorRedirect(req: BrowserRequest, correlationId: string, tenant: TenantRef | undefined, app: { appId: string; displayName: string | null }, redirectUri: string, mode: Pending['rm'], state: string | undefined, err: OAuthError, user?: UserRow, cookies: Cookie[] = []): Promise<BrowserOutcome> {
    if (tenant) await this.recordFailure(req, correlationId, tenant, app, err, user ? userOf(user) : undefined);
    const params: Record<string, string> = {
      error: err.error,
      error_description: `AADSTS${err.code}: ${err.description} Trace ID: ${req.requestId} Correlation ID: ${correlationId} Timestamp: ${new Date(this.ctx.clock()).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')}`,
      error_uri: `https://login.microsoftonline.com/error?code=${err.code}`,
    };
    if (state !== undefined) params.state = state;
    if (tenant) params.iss = issuerFor(this.publicUrl, tenant.id);
    return this.respond(req, redirectUri, mode, params, cookies);
  }

  private respond(req: BrowserRequest, redirectUri: string, mode: Pending['rm'], params: Record<string, string>, cookies: Cookie[]): BrowserOutcome {
    if (mode === 'form_post') return { kind: 'formPost', action: redirectUri, fields: params, cookies };
    return { kind: 'redirect', status: req.post ? 303 : 302, location: appendParams(redirectUri, params, mode), cookies };
  }

  private async recordFailure(req: BrowserRequest, correlationId: string, tenant: TenantRef, app: { appId: string; displayName: string | null } | undefined, err: OAuthError, user?: SignInEvent['user']): Promise<void> {
    const code = err.logReason?.code ?? err.code;
    await this.tokens.signIns.write(this.event(req, correlationId, tenant, app ? { ...app, servicePrincipalId: null } : undefined, {
      status: { errorCode: code, failureReason: err.logReason?.reason ?? err.description }, user,
    }));
  }

  private event(req: BrowserRequest, correlationId: string, tenant: TenantRef, app: SignInEvent['app'], extra: Pick<SignInEvent, 'status'> & Partial<SignInEvent>): SignInEvent {
    const d = describeDevice(req.userAgent);
    return {
      id: randomUUID(), tenantId: tenant.id, createdAt: this.ctx.clock(), eventType: 'interactiveUser', correlationId, requestId: req.requestId,
      ipAddress: req.ipAddress, userAgent: req.userAgent, clientAppUsed: 'Browser', authenticationProtocol: 'none', clientCredentialType: 'none',
      deviceDetail: { browser: d.browser, operatingSystem: d.operatingSystem }, location: this.tokens.geo.lookup(req.ipAddress), app, ...extra,
    };
  }

  // ---- state ----------------------------------------------------------------------------------------

  private async liveSession(req: BrowserRequest, tenantId: string | null): Promise<{ row: codesRepo.BrowserSessionRow; user: UserRow; hash: string } | undefined> {
    const token = req.cookies[this.cookie.session];
    if (!token || token.length > 128) return undefined;
    const hash = hashToken(this.ctx.secretPepper, token);
    const row = await codesRepo.findBrowserSession(this.ctx.store.db, hash);
    if (!row || row.revoked_at !== null || row.expires_at <= this.ctx.clock()) return undefined;
    if (tenantId !== null && row.tenant_id !== tenantId) return undefined;
    const user = await usersRepo.getUser(this.ctx.store.db, row.tenant_id, row.user_id);
    if (!user || user.account_enabled !== 1) return undefined;
    return { row, user, hash };
  }

  /** The browser's CSRF cookie, or a new one (added to cookies). */
  private csrfOf(req: BrowserRequest, cookies: Cookie[]): string {
    const have = req.cookies[this.cookie.csrf];
    if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return have;
    const fresh = cookies.find((c) => c.name === this.cookie.csrf)?.value ?? randomToken(32);
    // Lax, not Strict: the way here from an app is a cross-site navigation, which would never carry a
    // Strict cookie, so every sign-in would replace it and break forms open in other tabs; the posts
    // it protects are same-site, and the token must also match the signed form
    if (!cookies.some((c) => c.name === this.cookie.csrf)) cookies.push({ name: this.cookie.csrf, value: fresh, maxAge: 24 * 3600, sameSite: 'Lax' });
    return fresh;
  }

  private seal(p: Pending): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  /** The pending request of a posted form: signed by us, unexpired, and posted with its own CSRF cookie and token. */
  private openPending(req: BrowserRequest): Pending | undefined {
    if (duplicateParameter(req.params)) return undefined;
    const sealed = req.params.get('ctx') ?? '';
    const dot = sealed.indexOf('.');
    if (dot < 1 || sealed.length > 16_384) return undefined;
    const body = sealed.slice(0, dot);
    const mac = createHmac('sha256', this.key).update(body).digest('base64url');
    if (!constantTimeEqual(mac, sealed.slice(dot + 1))) return undefined;
    let p: Pending;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Pending;
    } catch {
      return undefined;
    }
    if (typeof p.exp !== 'number' || p.exp <= this.ctx.clock()) return undefined;
    if (p.seg.toLowerCase() !== req.tenant.toLowerCase()) return undefined;
    const cookie = req.cookies[this.cookie.csrf];
    const posted = req.params.get('csrf') ?? '';
    if (!cookie || !constantTimeEqual(cookie, p.x) || !constantTimeEqual(posted, p.x)) return undefined;
    return p;
  }

  private async publisherDomain(tenantId: string): Promise<string> {
    const t = await resolveTenant(this.ctx, tenantId);
    return (t?.domains.find((d) => d.isDefault) ?? t?.domains[0])?.name ?? '';
  }

  private async tenantOfUser(username: string): Promise<TenantRef | undefined> {
    const at = username.lastIndexOf('@');
    return at > 0 && username.length <= 320 ? findTenant(this.ctx, username.slice(at + 1)) : undefined;
  }

  /** A first-party client (any tenant), or an app registered in the tenant, with its redirect URIs. */
  private async loadClient(tenant: TenantRef | undefined, appId: string): Promise<ClientInfo | undefined> {
    const fp = FIRST_PARTY_CLIENTS.find((c) => c.appId === appId);
    if (fp) {
      return {
        appId, displayName: fp.displayName, firstParty: true, configured: new Map(), publisherDomain: 'Microsoft',
        redirects: fp.redirectUris.map((u) => ({ uri: u.startsWith('/') ? `${this.publicUrl}${u}` : u, public: true })),
      };
    }
    if (!tenant || !isGuid(appId)) return undefined;
    const row = await this.tokens.reads(tenant).applicationByAppId(appId);
    if (!row) return undefined;
    const body = JSON.parse(row.body) as ApplicationBody;
    const configured = new Map<string, string[]>();
    for (const rra of body.requiredResourceAccess) {
      const res = resourceById(rra.resourceAppId);
      if (!res) continue;
      configured.set(res.appId, rra.resourceAccess.filter((a) => a.type === 'Scope').map((a) => res.permissions.find((p) => p.scopeId === a.id)?.value).filter((v): v is string => !!v));
    }
    return {
      appId, displayName: row.display_name, firstParty: false, configured, publisherDomain: await this.publisherDomain(tenant.id),
      redirects: [
        ...body.web.redirectUris.map((uri) => ({ uri, public: false })),
        ...body.spa.redirectUris.map((uri) => ({ uri, public: true })),
        ...body.publicClient.redirectUris.map((uri) => ({ uri, public: true })),
      ],
    };
  }
}

const BAD_CREDENTIALS = "Your account or password is incorrect. If you don't remember your password, reset it now.";

const resourceById = (appId: string): ResourceApp | undefined => RESOURCE_APPS.find((r) => r.appId === appId);

const placeholderClient = (appId: string): ClientInfo => ({ appId, displayName: appId, firstParty: false, redirects: [], configured: new Map(), publisherDomain: '' });

const userOf = (u: UserRow): SignInEvent['user'] => ({ id: u.id, userPrincipalName: u.user_principal_name, displayName: u.display_name });

const clientInfoOf = (u: UserRow): string => Buffer.from(JSON.stringify({ uid: u.id, utid: u.tenant_id })).toString('base64url');

function get(params: URLSearchParams, name: string): string | undefined {
  const v = params.get(name);
  return v === null || v === '' ? undefined : v;
}

/** RFC 6749 §3.1: no parameter may repeat; none may hold NUL. Returns the offending name. */
function duplicateParameter(params: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  let n = 0;
  for (const [k, v] of params) {
    if (++n > 64) return '(too many)';
    if (seen.has(k) || k.includes('\u0000') || v.includes('\u0000')) return k.replaceAll('\u0000', '').slice(0, 64);
    seen.add(k);
  }
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Exact string match against the registered redirect URIs. The one exception (RFC 8252 §7.3): a
 * public client's registered `http://localhost…`/`http://127.0.0.1…` URI matches the same URI with
 * any port, the rest of it unchanged.
 */
export function matchRedirect(registered: readonly { uri: string; public: boolean }[], requested: string): { uri: string; public: boolean } | undefined {
  const exact = registered.find((r) => r.uri === requested);
  if (exact) return exact;
  if (!requested.startsWith('http://')) return undefined;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return undefined;
  }
  if (!LOOPBACK_HOSTS.has(req.hostname) || req.port === '' || req.hash || req.username || req.password) return undefined;
  // the request with its port removed must be, character for character, a registered URI
  const host = req.hostname;
  const prefix = `http://${host}:${req.port}`;
  if (!requested.startsWith(prefix)) return undefined;
  const withoutPort = `http://${host}${requested.slice(prefix.length)}`;
  return registered.find((r) => r.public && (r.uri === withoutPort || (withoutPort === `http://${host}/` && r.uri === `http://${host}`)));
}

function redirectMismatch(uri: string, appId: string): OAuthError {
  return new OAuthError(400, 'invalid_request', 50011, `The redirect URI '${uri.slice(0, 512)}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`);
}

/** Adds parameters to the URI's query (keeping what it has) or puts them in the fragment. */
function appendParams(uri: string, params: Record<string, string>, mode: 'query' | 'fragment' | 'form_post'): string {
  const q = new URLSearchParams(params).toString();
  if (mode === 'fragment') return `${uri.split('#')[0]}#${q}`;
  return `${uri}${uri.includes('?') ? '&' : '?'}${q}`;
}
