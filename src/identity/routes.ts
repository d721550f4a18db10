import type { FastifyInstance } from 'fastify';
import { resolveTenant } from '../directory/tenants.js';
import type { DirectoryContext } from '../directory/context.js';
import { instanceDiscovery, MULTI_TENANT_SEGMENTS, openIdConfiguration } from './discovery.js';
import { E, errorBody } from './errors.js';
import type { KeyStore } from './keys.js';
import { clientRequestId } from '../graph/errors.js';
import type { TokenEndpoint } from './tokenEndpoint.js';
import { issuerFor } from './tokens.js';

const DISCOVERY_CACHE = { 'cache-control': 'max-age=86400, private', 'access-control-allow-origin': '*' };

export interface IdentityRoutesOptions {
  ctx: DirectoryContext;
  keys: KeyStore;
  tokens: TokenEndpoint;
  publicUrl: string;
}

/** Thin HTTP adapter over the token service and discovery documents. */
export async function identityRoutes(app: FastifyInstance, opts: IdentityRoutesOptions): Promise<void> {
  const { ctx, keys, tokens, publicUrl } = opts;

  const unknownTenant = (tenant: string, requestId: string) => {
    const err = E.unknownTenant(tenant);
    return errorBody(err, requestId, requestId, ctx.clock());
  };

  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (req, reply) => {
    const seg = req.params.tenant;
    if (MULTI_TENANT_SEGMENTS.has(seg.toLowerCase())) return reply.headers(DISCOVERY_CACHE).send(openIdConfiguration(publicUrl, seg, null));
    const tenant = await resolveTenant(ctx, seg);
    if (!tenant) return reply.code(400).send(unknownTenant(seg, req.id));
    return reply.headers(DISCOVERY_CACHE).send(openIdConfiguration(publicUrl, seg, tenant.id));
  });

  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', async (req, reply) => {
    const seg = req.params.tenant;
    let issuer = issuerFor(publicUrl, '{tenantid}');
    if (!MULTI_TENANT_SEGMENTS.has(seg.toLowerCase())) {
      const tenant = await resolveTenant(ctx, seg);
      if (!tenant) return reply.code(400).send(unknownTenant(seg, req.id));
      issuer = issuerFor(publicUrl, tenant.id);
    }
    return reply.headers(DISCOVERY_CACHE).send(keys.jwks(issuer));
  });

  app.get<{ Querystring: { authorization_endpoint?: string } }>('/common/discovery/instance', async (req, reply) => {
    return reply.headers(DISCOVERY_CACHE).send(instanceDiscovery(publicUrl, req.query.authorization_endpoint));
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', { bodyLimit: 64 * 1024 }, async (req, reply) => {
    if (!(req.body instanceof URLSearchParams)) {
      const err = E.malformed('The request body must be application/x-www-form-urlencoded.');
      return reply.code(400).headers({ 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }).send(errorBody(err, req.id, clientRequestId(req), ctx.clock()));
    }
    const crid = req.headers['client-request-id'] ?? req.headers['x-ms-client-request-id'] ?? req.body.get('client-request-id') ?? (req.query as Record<string, string>)['client-request-id'];
    const result = await tokens.handle({
      tenant: req.params.tenant,
      params: req.body,
      authorization: req.headers.authorization,
      ipAddress: req.ip ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      clientHeaders: { sku: header(req.headers['x-client-sku']), version: header(req.headers['x-client-ver']), os: header(req.headers['x-client-os']) },
      clientRequestId: typeof crid === 'string' ? crid : null,
      requestId: req.id,
    });
    return reply.code(result.status).headers(result.headers).send(result.body);
  });

  app.get('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const err = E.malformed('The token endpoint accepts POST only.');
    return reply.code(405).headers({ allow: 'POST', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' }).send(errorBody(err, req.id, clientRequestId(req), ctx.clock()));
  });
}

const header = (v: string | string[] | undefined): string | null => (typeof v === 'string' ? v.slice(0, 128) : null);
