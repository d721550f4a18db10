import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientRequestId } from '../graph/errors.js';
import type { AuthorizeEndpoint, BrowserOutcome, BrowserRequest, Cookie } from './authorize.js';
import { renderFormPost, renderPage } from './pages.js';

type TenantParams = { Params: { tenant: string } };

/** Thin HTTP adapter over the browser side of the identity service (authorize, sign-in, consent, sign-out). */
export async function authorizeRoutes(app: FastifyInstance, opts: { authorize: AuthorizeEndpoint; secureCookies: boolean }): Promise<void> {
  const { authorize, secureCookies } = opts;

  const browserRequest = (req: FastifyRequest<TenantParams>, params: URLSearchParams, post: boolean): BrowserRequest => {
    const crid = clientRequestId(req);
    return {
      tenant: req.params.tenant, params, cookies: parseCookies(req.headers.cookie), ipAddress: req.ip ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      requestId: req.id, clientRequestId: crid === req.id ? null : crid, post,
    };
  };
  const query = (req: FastifyRequest) => new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
  const form = (req: FastifyRequest) => (req.body instanceof URLSearchParams ? req.body : new URLSearchParams());

  const send = (req: FastifyRequest<TenantParams>, reply: FastifyReply, out: BrowserOutcome) => {
    reply.headers({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    const cookies = (out.cookies ?? []).map((c) => serializeCookie(c, secureCookies));
    if (cookies.length > 0) reply.header('set-cookie', cookies);
    if (out.kind === 'redirect') return reply.code(out.status).header('location', out.location).send();
    const actionBase = `/${encodeURIComponent(req.params.tenant)}/oauth2/v2.0`;
    const rendered = out.kind === 'page'
      ? renderPage(out.page, { actionBase, formTargets: out.formTargets ?? [] })
      : renderFormPost(out.action, out.fields);
    return reply.code(out.kind === 'page' ? out.status : 200).header('content-security-policy', rendered.csp).type('text/html; charset=utf-8').send(rendered.html);
  };

  app.get<TenantParams>('/:tenant/oauth2/v2.0/authorize', async (req, reply) => send(req, reply, await authorize.authorize(browserRequest(req, query(req), false))));
  app.post<TenantParams>('/:tenant/oauth2/v2.0/login', { bodyLimit: 64 * 1024 }, async (req, reply) => send(req, reply, await authorize.login(browserRequest(req, form(req), true))));
  app.post<TenantParams>('/:tenant/oauth2/v2.0/consent', { bodyLimit: 64 * 1024 }, async (req, reply) => send(req, reply, await authorize.consent(browserRequest(req, form(req), true))));
  app.get<TenantParams>('/:tenant/oauth2/v2.0/logout', async (req, reply) => send(req, reply, await authorize.logout(browserRequest(req, query(req), false))));
  app.post<TenantParams>('/:tenant/oauth2/v2.0/logout', { bodyLimit: 64 * 1024 }, async (req, reply) => send(req, reply, await authorize.logout(browserRequest(req, form(req), true))));
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header || header.length > 16_384) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    // the first cookie of a name wins (the most specific path, as browsers order them)
    if (!(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

function serializeCookie(c: Cookie, secure: boolean): string {
  return `${c.name}=${c.value}; Path=/; HttpOnly; SameSite=${c.sameSite}; Max-Age=${c.maxAge}${secure ? '; Secure' : ''}`;
}
