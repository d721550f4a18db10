import { configure } from '@testing-library/dom';
import { vi } from 'vitest';
import { CLIENT_ID, navigation, resetAuthForTests, start } from '../../web/src/auth';

// findBy*/waitFor wait up to 5 s rather than 1 s: CI runs these files beside the server tests on two
// cores, where a render after a click can take longer than a second
configure({ asyncUtilTimeout: 5000 });

export const ORIGIN = 'https://portal.test';
export const TENANT_ID = '41597817-a714-45ca-bf89-6d1f61ad6198';
export const UPN = 'admin@demo.tenantry.test';
export const PENDING_KEY = 'tenantry.portal.signin';
export const SILENT_KEY = 'tenantry.portal.silentTried';

const b64url = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** An unsigned JWT with these claims (the portal reads claims; the server verifies signatures). */
export function jwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k' }))}.${b64url(JSON.stringify(claims))}.c2ln`;
}

export function accessToken(n: number, extra: Record<string, unknown> = {}): string {
  return jwt({ aud: 'https://graph.microsoft.com', tid: TENANT_ID, upn: UPN, oid: 'u1', n, ...extra });
}

export interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | null;
}

export type Handler = (call: Call) => Response | undefined | Promise<Response | undefined>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function graphError(status: number, code: string, message: string): Response {
  return json({ error: { code, message, innerError: { date: '2025-01-01T00:00:00', 'request-id': 'r-1', 'client-request-id': 'c-1' } } }, status);
}

/** Replaces fetch with `handler`; every call is recorded. Unhandled calls answer 404 in Graph's shape. */
export function mockFetch(handler: Handler): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, ORIGIN);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => { headers[k] = v; });
    const call: Call = { method: (init.method ?? 'GET').toUpperCase(), url, headers, body: typeof init.body === 'string' ? init.body : null };
    calls.push(call);
    return (await handler(call)) ?? graphError(404, 'ResourceNotFound', `no mock for ${call.method} ${url.pathname}`);
  }));
  return calls;
}

export function form(call: Call): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(call.body ?? ''));
}

/** Records the portal's full-page navigations instead of leaving the page. */
export function captureNavigation(): string[] {
  const out: string[] = [];
  navigation.assign = (url: string) => { out.push(url); };
  return out;
}

export function resetBrowser(path = '/'): void {
  resetAuthForTests();
  sessionStorage.clear();
  localStorage.clear();
  window.history.replaceState(null, '', path);
  vi.unstubAllGlobals();
}

/**
 * Signs the portal in the way the browser would: a pending sign-in in sessionStorage, the redirect
 * back with `?code=`, and a token endpoint (the handler) that answers it.
 */
export async function signInWith(
  tokenHandler: Handler,
  opts: { route?: string; expiresIn?: number; refreshToken?: string; /** more claims in the portal's access token (`wids`, …) */ claims?: Record<string, unknown> } = {},
): Promise<Call[]> {
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state: 'st', nonce: 'no', verifier: 'v'.repeat(43), route: opts.route ?? '#/overview' }));
  window.history.replaceState(null, '', '/?code=the-code&state=st');
  const calls = mockFetch(async (call) => {
    // the portal's code (another client's, such as Graph Explorer's, goes to the handler)
    if (call.method === 'POST' && call.url.pathname === '/organizations/oauth2/v2.0/token' && (form(call).client_id ?? CLIENT_ID) === CLIENT_ID) {
      return json({
        token_type: 'Bearer',
        access_token: accessToken(1, opts.claims),
        refresh_token: opts.refreshToken ?? 'RT-portal-1',
        id_token: jwt({ aud: CLIENT_ID, nonce: 'no', tid: TENANT_ID, preferred_username: UPN, name: 'Admin', oid: 'u1' }),
        expires_in: opts.expiresIn ?? 3600,
        scope: 'https://graph.microsoft.com/.default openid profile offline_access',
      });
    }
    return tokenHandler(call);
  });
  await start();
  return calls;
}
