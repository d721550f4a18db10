/**
 * Sign-in for the portal: a first-party public client of Tenantry's own OAuth service, using the
 * authorization-code flow with PKCE (S256), written against the Microsoft identity platform's
 * endpoints on this page's origin.
 *
 * - Before the redirect to /authorize, only `state`, `nonce`, `code_verifier` and the hash route to
 *   come back to are kept in sessionStorage, under one key that is removed as soon as it is read
 *   (plus, for the one hop described below, Graph Explorer's single-use code: never a token).
 * - Tokens live only in this module's memory: never in localStorage or sessionStorage.
 * - On a fresh load the portal tries one silent sign-in (`prompt=none`, the server's SSO cookie);
 *   a flag in sessionStorage makes sure it is tried once, so a lost answer cannot loop.
 *
 * The API explorer signs in a second client, Graph Explorer, by the same redirect: its pending
 * entry says so (`flow: 'explorer'`). The page load that brings its answer has lost the portal's
 * own tokens (memory only), so the answer (the code, or the error) rides in the pending entry of a
 * silent sign-in of the portal, the one hop that brings the portal's tokens back; both codes are
 * then redeemed on that page load, and the explorer opens again (`#/explorer`).
 */

export const CLIENT_ID = 'e1a04036-a8a6-4308-9125-f1a6b205551e';
export const SCOPE = 'https://graph.microsoft.com/.default openid profile offline_access';
const PENDING_KEY = 'tenantry.portal.signin';
const SILENT_KEY = 'tenantry.portal.silentTried';
/** refresh this long before the access token expires */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Graph Explorer (Microsoft's first-party client, also known to Tenantry): the API explorer signs in as it. */
export const EXPLORER_CLIENT_ID = 'de8bc8b5-d9f9-48b1-a8ad-b748da725064';
/** What every Graph Explorer sign-in asks for, besides the Graph permissions it wants. */
export const EXPLORER_OIDC_SCOPES = ['openid', 'profile', 'offline_access'] as const;
/** The permissions of the first Graph Explorer sign-in. */
export const EXPLORER_DEFAULT_PERMISSIONS = ['User.Read'] as const;
export const EXPLORER_ROUTE = '#/explorer';

export interface Account {
  tenantId: string;
  /** the user's sign-in name (UPN) */
  username: string;
  name: string;
  objectId: string;
}

interface Session {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  account: Account;
}

export interface AuthError {
  /** the OAuth error code (`invalid_grant`, `login_required`, …) or a code of the portal's own */
  error: string;
  description: string;
}

export type AuthState =
  | { status: 'starting' }
  | { status: 'redirecting' }
  | { status: 'signedOut'; error?: AuthError; notice?: string }
  | { status: 'signedIn'; account: Account };

export type ExplorerAuthState =
  | { status: 'signedOut'; error?: AuthError; notice?: string }
  | { status: 'signedIn'; account: Account; /** the Graph permissions of the access token (`scp`) */ scopes: string[] };

/** The answer of Graph Explorer's authorize request, carried across the portal's silent sign-in. */
type Carried =
  | { kind: 'code'; code: string; verifier: string; nonce: string; scope: string }
  | { kind: 'error'; error: string; description: string };

/** What is kept in sessionStorage across the redirect, and nothing more. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  route: string;
  /** absent: the portal's own sign-in; 'explorer': Graph Explorer's (with the scope it asked for) */
  flow?: 'explorer';
  scope?: string;
  /** the portal's silent sign-in after Graph Explorer's: its answer, redeemed once the portal is back */
  carry?: Carried;
}

/** How the page leaves for the identity service (a full-page navigation; replaced in tests). */
export const navigation = {
  assign(url: string): void {
    window.location.assign(url);
  },
};

let session: Session | null = null;
let state: AuthState = { status: 'starting' };
let refreshing: Promise<string> | null = null;
const listeners = new Set<() => void>();

interface ExplorerSession extends Session {
  /** the scope of the sign-in, asked again when the token is refreshed */
  scope: string;
}
let explorerSession: ExplorerSession | null = null;
let explorerState: ExplorerAuthState = { status: 'signedOut' };
let explorerRefreshing: Promise<string> | null = null;
const explorerListeners = new Set<() => void>();

function setState(next: AuthState): void {
  state = next;
  for (const l of listeners) l();
}

export function getAuthState(): AuthState {
  return state;
}

export function subscribeAuth(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function redirectUri(): string {
  return `${window.location.origin}/`;
}

// ---------------------------------------------------------------- encoding helpers

function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** The payload of a JWT, unverified (the server checks the tokens; the portal only reads claims). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('JWT payload is not an object');
  return payload as Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------- session storage (the one pending key)

function takePending(): Pending | null {
  let raw: string | null = null;
  try {
    raw = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as Partial<Pending>;
    if (typeof p.state !== 'string' || typeof p.nonce !== 'string' || typeof p.verifier !== 'string') return null;
    const pending: Pending = { state: p.state, nonce: p.nonce, verifier: p.verifier, route: typeof p.route === 'string' ? p.route : '' };
    if (p.flow === 'explorer') {
      pending.flow = 'explorer';
      pending.scope = typeof p.scope === 'string' && p.scope ? p.scope : explorerScope([]);
    }
    const carry = carriedFrom(p.carry);
    if (carry) pending.carry = carry;
    return pending;
  } catch {
    return null;
  }
}

function carriedFrom(v: unknown): Carried | null {
  if (!v || typeof v !== 'object') return null;
  const c = v as Record<string, unknown>;
  if (c.kind === 'code' && typeof c.code === 'string' && typeof c.verifier === 'string' && typeof c.nonce === 'string' && typeof c.scope === 'string') {
    return { kind: 'code', code: c.code, verifier: c.verifier, nonce: c.nonce, scope: c.scope };
  }
  if (c.kind === 'error' && typeof c.error === 'string') {
    return { kind: 'error', error: c.error, description: typeof c.description === 'string' ? c.description : c.error };
  }
  return null;
}

function setSilentTried(tried: boolean): void {
  try {
    if (tried) sessionStorage.setItem(SILENT_KEY, '1');
    else sessionStorage.removeItem(SILENT_KEY);
  } catch {
    // storage disabled: the silent attempt is then never made (see start())
  }
}

function silentTried(): boolean {
  try {
    return sessionStorage.getItem(SILENT_KEY) === '1';
  } catch {
    return true;
  }
}

/** Only a hash route of the portal's own shape is restored after the redirect. */
function safeRoute(route: string): string {
  return /^#\/[A-Za-z0-9/_.-]*$/.test(route) ? route : '';
}

// ---------------------------------------------------------------- the redirect to /authorize

/**
 * Full-page redirect to the authorization endpoint. `silent` adds `prompt=none` (the attempt on page
 * load, answered by the SSO cookie or by `login_required`).
 */
export async function signIn(opts: { silent?: boolean; route?: string; carry?: Carried } = {}): Promise<void> {
  const pending: Pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(48),
    route: safeRoute(opts.route ?? window.location.hash),
  };
  if (opts.carry) pending.carry = opts.carry;
  await authorizeRedirect(CLIENT_ID, SCOPE, pending, opts.silent === true);
}

async function authorizeRedirect(clientId: string, scope: string, pending: Pending, silent: boolean): Promise<void> {
  const challenge = await pkceChallenge(pending.verifier);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const q = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    response_mode: 'query',
    scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (silent) q.set('prompt', 'none');
  setState({ status: 'redirecting' });
  navigation.assign(`/organizations/oauth2/v2.0/authorize?${q.toString()}`);
}

/** The scope of a Graph Explorer sign-in for these Graph permissions (each once, in order). */
export function explorerScope(permissions: readonly string[]): string {
  const wanted = permissions.length > 0 ? permissions : EXPLORER_DEFAULT_PERMISSIONS;
  return [...new Set([...EXPLORER_OIDC_SCOPES, ...wanted.filter((p) => p.trim() !== '')])].join(' ');
}

/**
 * Signs Graph Explorer in (full-page redirect, PKCE), asking for these Graph permissions: the
 * server asks the user to consent to those not yet consented (or says an admin must). Back at
 * `#/explorer` afterwards, with the portal signed in again silently.
 */
export async function signInExplorer(permissions: readonly string[] = EXPLORER_DEFAULT_PERMISSIONS): Promise<void> {
  const scope = explorerScope(permissions);
  const pending: Pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(48),
    route: EXPLORER_ROUTE,
    flow: 'explorer',
    scope,
  };
  await authorizeRedirect(EXPLORER_CLIENT_ID, scope, pending, false);
}

// ---------------------------------------------------------------- the token endpoint

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number | string;
  scope?: string;
}

export class TokenError extends Error {
  constructor(readonly error: string, readonly description: string, readonly status: number) {
    super(description);
  }
}

async function tokenRequest(tenant: string, params: Record<string, string>): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetch(`/${encodeURIComponent(tenant)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (err) {
    throw new TokenError('network_error', `The token endpoint could not be reached: ${(err as Error).message}`, 0);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: reported below
  }
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (!res.ok || typeof b.access_token !== 'string') {
    const error = str(b.error) || `http_${res.status}`;
    const description = str(b.error_description) || `The token endpoint answered ${res.status} ${res.statusText}.`;
    throw new TokenError(error, description, res.status);
  }
  return b as unknown as TokenResponse;
}

function expiresAt(t: TokenResponse): number {
  const seconds = Number(t.expires_in);
  return Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
}

function accountFrom(accessToken: string, idClaims: Record<string, unknown> | null): Account {
  let at: Record<string, unknown> = {};
  try {
    at = decodeJwtPayload(accessToken);
  } catch {
    // opaque access token: the id token's claims must do
  }
  const c = idClaims ?? {};
  return {
    tenantId: str(at.tid) || str(c.tid),
    username: str(c.preferred_username) || str(at.upn) || str(at.unique_name) || str(c.email),
    name: str(c.name) || str(at.name),
    objectId: str(c.oid) || str(at.oid),
  };
}

// ---------------------------------------------------------------- page load

function cleanUrl(route: string): void {
  window.history.replaceState(null, '', `${window.location.pathname}${route || window.location.hash}`);
}

/** Answers to `prompt=none` that mean "the user has to sign in": the sign-in page, without an error. */
const INTERACTION_NEEDED = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

/**
 * Runs once when the page loads: redeems an authorization response in the query string, or else
 * makes the one silent sign-in attempt, or else leaves the portal signed out.
 */
export async function start(): Promise<AuthState> {
  const params = new URLSearchParams(window.location.search);
  if (params.has('code') || params.has('error')) {
    await handleAuthorizationResponse(params);
  } else if (!silentTried()) {
    setSilentTried(true);
    try {
      await signIn({ silent: true });
    } catch (err) {
      setState({ status: 'signedOut', error: { error: 'signin_failed', description: (err as Error).message } });
    }
  } else {
    setState({ status: 'signedOut' });
  }
  return state;
}

async function handleAuthorizationResponse(params: URLSearchParams): Promise<void> {
  const pending = takePending();
  const returned = params.get('state');
  if (!pending || returned === null || returned !== pending.state) {
    cleanUrl('');
    setState({
      status: 'signedOut',
      error: { error: 'state_mismatch', description: 'The sign-in response does not belong to a sign-in started in this browser tab, so it was ignored. Sign in again.' },
    });
    return;
  }
  const iss = params.get('iss');
  if (iss !== null && !sameOrigin(iss)) {
    cleanUrl(pending.route);
    setState({ status: 'signedOut', error: { error: 'issuer_mismatch', description: `The sign-in response came from another issuer (${iss}).` } });
    return;
  }
  if (pending.flow === 'explorer') {
    await carryExplorerAnswer(params, pending);
    return;
  }
  const error = params.get('error');
  if (error !== null) {
    cleanUrl(pending.route);
    if (INTERACTION_NEEDED.has(error)) {
      setState({ status: 'signedOut' });
      return;
    }
    setState({ status: 'signedOut', error: { error, description: params.get('error_description') || error } });
    return;
  }
  const code = params.get('code') ?? '';
  // the code is single-use: take it out of the address bar before it is redeemed
  cleanUrl(pending.route);
  try {
    const t = await tokenRequest('organizations', {
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
      scope: SCOPE,
    });
    const idClaims = verifiedIdClaims(t, pending.nonce, CLIENT_ID, 'the portal');
    session = { accessToken: t.access_token, refreshToken: t.refresh_token ?? null, expiresAt: expiresAt(t), account: accountFrom(t.access_token, idClaims) };
    // signed in: a later page load may try the silent sign-in again
    setSilentTried(false);
    if (pending.carry) await finishExplorerSignIn(pending.carry);
    setState({ status: 'signedIn', account: session.account });
  } catch (err) {
    session = null;
    const e = err instanceof TokenError ? err : new TokenError('signin_failed', (err as Error).message, 0);
    setState({ status: 'signedOut', error: { error: e.error, description: e.description } });
  }
}

/** The ID token's claims, once it is known to answer this sign-in (nonce) of this client (audience). */
function verifiedIdClaims(t: TokenResponse, nonce: string, clientId: string, clientName: string): Record<string, unknown> {
  if (!t.id_token) throw new TokenError('missing_id_token', 'The token response has no ID token.', 0);
  const idClaims = decodeJwtPayload(t.id_token);
  if (idClaims.nonce !== nonce) throw new TokenError('nonce_mismatch', 'The ID token does not carry the nonce of this sign-in.', 0);
  const aud = idClaims.aud;
  if (!(aud === clientId || (Array.isArray(aud) && aud.length === 1 && aud[0] === clientId))) {
    throw new TokenError('audience_mismatch', `The ID token was not issued to ${clientName}.`, 0);
  }
  return idClaims;
}

/**
 * Graph Explorer's answer is back, but this page load has none of the portal's tokens: the answer
 * (its single-use code with the verifier, or its error) goes into the pending entry of the portal's
 * silent sign-in, and is redeemed when that one comes back (a code lives five minutes).
 */
async function carryExplorerAnswer(params: URLSearchParams, pending: Pending): Promise<void> {
  cleanUrl(pending.route);
  const error = params.get('error');
  const carry: Carried = error !== null
    ? { kind: 'error', error, description: params.get('error_description') || error }
    : { kind: 'code', code: params.get('code') ?? '', verifier: pending.verifier, nonce: pending.nonce, scope: pending.scope ?? explorerScope([]) };
  // the one silent attempt of this tab: a lost answer cannot loop
  setSilentTried(true);
  try {
    await signIn({ silent: true, route: pending.route, carry });
  } catch (err) {
    setState({ status: 'signedOut', error: { error: 'signin_failed', description: (err as Error).message } });
  }
}

// ---------------------------------------------------------------- Graph Explorer's tokens

function setExplorerState(next: ExplorerAuthState): void {
  explorerState = next;
  for (const l of explorerListeners) l();
}

export function getExplorerState(): ExplorerAuthState {
  return explorerState;
}

export function subscribeExplorer(listener: () => void): () => void {
  explorerListeners.add(listener);
  return () => explorerListeners.delete(listener);
}

/** The Graph permissions an access token carries (`scp`), else those the token response names. */
function scopesOf(t: TokenResponse): string[] {
  try {
    const scp = decodeJwtPayload(t.access_token).scp;
    if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  } catch {
    // opaque: the response's scope must do
  }
  const oidc = new Set<string>(EXPLORER_OIDC_SCOPES);
  return (t.scope ?? '').split(' ').map((s) => s.replace(/^https?:\/\/[^/]+\//, '')).filter((s) => s !== '' && !oidc.has(s) && s !== 'email');
}

async function finishExplorerSignIn(carry: Carried): Promise<void> {
  if (carry.kind === 'error') {
    explorerSession = null;
    setExplorerState({ status: 'signedOut', error: { error: carry.error, description: carry.description } });
    return;
  }
  try {
    const t = await tokenRequest('organizations', {
      grant_type: 'authorization_code',
      client_id: EXPLORER_CLIENT_ID,
      code: carry.code,
      redirect_uri: redirectUri(),
      code_verifier: carry.verifier,
      scope: carry.scope,
    });
    const idClaims = verifiedIdClaims(t, carry.nonce, EXPLORER_CLIENT_ID, 'Graph Explorer');
    explorerSession = {
      accessToken: t.access_token, refreshToken: t.refresh_token ?? null, expiresAt: expiresAt(t), account: accountFrom(t.access_token, idClaims), scope: carry.scope,
    };
    setExplorerState({ status: 'signedIn', account: explorerSession.account, scopes: scopesOf(t) });
  } catch (err) {
    explorerSession = null;
    const e = err instanceof TokenError ? err : new TokenError('signin_failed', (err as Error).message, 0);
    setExplorerState({ status: 'signedOut', error: { error: e.error, description: e.description } });
  }
}

/** Graph Explorer's access token (refreshed first when it expires within five minutes). */
export async function getExplorerAccessToken(): Promise<string> {
  if (!explorerSession) throw new TokenError('not_signed_in', 'You are not signed in to Graph Explorer.', 0);
  if (explorerSession.expiresAt - REFRESH_MARGIN_MS > Date.now()) return explorerSession.accessToken;
  return refreshExplorerToken();
}

function refreshExplorerToken(): Promise<string> {
  if (explorerRefreshing) return explorerRefreshing;
  const current = explorerSession;
  if (!current) return Promise.reject(new TokenError('not_signed_in', 'You are not signed in to Graph Explorer.', 0));
  if (!current.refreshToken) {
    signOutExplorer('Graph Explorer\'s session has expired. Sign in to Graph Explorer again.');
    return Promise.reject(new TokenError('session_expired', 'Graph Explorer\'s session has expired.', 0));
  }
  const refreshToken = current.refreshToken;
  explorerRefreshing = (async () => {
    try {
      const t = await tokenRequest(current.account.tenantId || 'organizations', {
        grant_type: 'refresh_token',
        client_id: EXPLORER_CLIENT_ID,
        refresh_token: refreshToken,
        scope: current.scope,
      });
      if (explorerSession !== current) throw new TokenError('not_signed_in', 'You signed out of Graph Explorer.', 0);
      explorerSession = { ...current, accessToken: t.access_token, refreshToken: t.refresh_token ?? refreshToken, expiresAt: expiresAt(t) };
      setExplorerState({ status: 'signedIn', account: current.account, scopes: scopesOf(t) });
      return explorerSession.accessToken;
    } catch (err) {
      if (err instanceof TokenError && err.status >= 400 && err.status < 500) {
        signOutExplorer(`Graph Explorer's session has ended (${err.description}). Sign in to Graph Explorer again.`);
      }
      throw err;
    } finally {
      explorerRefreshing = null;
    }
  })();
  return explorerRefreshing;
}

/** Forgets Graph Explorer's tokens (the portal stays signed in; the server's SSO session is shared, so it is not ended). */
export function signOutExplorer(notice?: string): void {
  explorerSession = null;
  setExplorerState(notice ? { status: 'signedOut', notice } : { status: 'signedOut' });
}

function sameOrigin(url: string): boolean {
  try {
    return new URL(url).origin === window.location.origin;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- tokens for Graph

/** The access token, refreshed first when it expires within five minutes. */
export async function getAccessToken(): Promise<string> {
  if (!session) throw new TokenError('not_signed_in', 'You are not signed in.', 0);
  if (session.expiresAt - REFRESH_MARGIN_MS > Date.now()) return session.accessToken;
  return refreshAccessToken();
}

/** Redeems the refresh token (which rotates) for a new access token; one request at a time. */
export function refreshAccessToken(): Promise<string> {
  if (refreshing) return refreshing;
  const current = session;
  if (!current) return Promise.reject(new TokenError('not_signed_in', 'You are not signed in.', 0));
  if (!current.refreshToken) {
    expire('Your session has expired. Sign in again.');
    return Promise.reject(new TokenError('session_expired', 'Your session has expired. Sign in again.', 0));
  }
  const refreshToken = current.refreshToken;
  refreshing = (async () => {
    try {
      const t = await tokenRequest(current.account.tenantId || 'organizations', {
        grant_type: 'refresh_token',
        client_id: CLIENT_ID,
        refresh_token: refreshToken,
        scope: SCOPE,
      });
      if (session !== current) throw new TokenError('not_signed_in', 'You signed out.', 0);
      let idClaims: Record<string, unknown> | null = null;
      try {
        idClaims = t.id_token ? decodeJwtPayload(t.id_token) : null;
      } catch {
        idClaims = null;
      }
      const account = accountFrom(t.access_token, idClaims);
      session = {
        accessToken: t.access_token,
        refreshToken: t.refresh_token ?? refreshToken,
        expiresAt: expiresAt(t),
        account: { ...current.account, ...Object.fromEntries(Object.entries(account).filter(([, v]) => v !== '')) },
      };
      return session.accessToken;
    } catch (err) {
      if (err instanceof TokenError && err.status >= 400 && err.status < 500) {
        expire(`Your session has ended (${err.description}). Sign in again.`);
      }
      throw err;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function expire(notice: string): void {
  session = null;
  explorerSession = null;
  explorerState = { status: 'signedOut' };
  setState({ status: 'signedOut', notice });
}

export function currentAccount(): Account | null {
  return session?.account ?? null;
}

/** Role template ids of Global Administrator and Privileged Role Administrator: the roles that may grant admin consent. */
export const CONSENT_ADMIN_ROLE_IDS = ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814'] as const;

/**
 * The signed-in user's directory roles: the role template ids of the `wids` claim of the portal's
 * access token (read, not verified: what the portal offers follows it, the server decides).
 */
export function currentRoles(): string[] {
  if (!session) return [];
  try {
    const wids = decodeJwtPayload(session.accessToken).wids;
    return Array.isArray(wids) ? wids.filter((w): w is string => typeof w === 'string') : [];
  } catch {
    return [];
  }
}

/** Whether the signed-in user holds a role that may grant tenant-wide admin consent. */
export function canGrantAdminConsent(roles: readonly string[] = currentRoles()): boolean {
  return roles.some((r) => (CONSENT_ADMIN_ROLE_IDS as readonly string[]).includes(r.toLowerCase()));
}

/** Forgets the tokens and ends the server's SSO session. */
export function signOut(): void {
  const tenant = session?.account.tenantId || 'organizations';
  session = null;
  explorerSession = null;
  explorerState = { status: 'signedOut' };
  // coming back from the logout page, the portal shows the sign-in page without a silent attempt
  setSilentTried(true);
  setState({ status: 'redirecting' });
  const q = new URLSearchParams({ post_logout_redirect_uri: redirectUri(), client_id: CLIENT_ID });
  navigation.assign(`/${encodeURIComponent(tenant)}/oauth2/v2.0/logout?${q.toString()}`);
}

/** For tests: forget everything this module holds. */
export function resetAuthForTests(): void {
  session = null;
  refreshing = null;
  state = { status: 'starting' };
  listeners.clear();
  explorerSession = null;
  explorerRefreshing = null;
  explorerState = { status: 'signedOut' };
  explorerListeners.clear();
}
