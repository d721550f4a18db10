import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { DirectoryContext } from '../directory/context.js';
import { DirectoryError } from '../directory/errors.js';
import { graphRoutes, rewriteKeySyntax } from '../graph/index.js';
import { clientRequestId, GraphError, sendGraphError } from '../graph/errors.js';
import { ODataError } from '../graph/odata/errors.js';
import { E, errorBody, OAuthError } from '../identity/errors.js';
import { KeyStore } from '../identity/keys.js';
import { identityRoutes } from '../identity/routes.js';
import { AuthorizeEndpoint } from '../identity/authorize.js';
import { authorizeRoutes } from '../identity/authorizeRoutes.js';
import { TokenEndpoint } from '../identity/tokenEndpoint.js';
import type { TokenConfig } from '../identity/tokens.js';
import type { ThrottleConfig } from '../identity/throttle.js';
import { systemClock, type Clock } from '../lib/time.js';
import { ActivityLogs, DEFAULT_RETENTION, type RetentionPolicy } from '../reporting/logs.js';
import { SkipTokens } from '../reporting/skiptoken.js';
import { LegacyReports } from '../reporting/legacy.js';
import { legacyReportRoutes } from '../graph/routes/legacy.js';
import { DEFAULT_REPORTING_THROTTLE, ReportingThrottle, type ReportingThrottleConfig } from '../reporting/throttle.js';
import type { Store } from '../store/db.js';
import { ensureServerSecret } from '../store/repositories/keys.js';
import { registerFormParser } from './formBody.js';
import { doctorRoutes } from './doctorRoutes.js';
import { defaultPortalRoot, portalRoutes } from './portalRoutes.js';
import { createGeoLookup } from '../identity/geo.js';

export interface AppConfig {
  store: Store;
  /** scheme://host[:port] clients use: issuer, discovery and nextLinks are built on it */
  publicUrl: string;
  clock?: Clock;
  accessTokenLifetime?: { min: number; max: number };
  refreshTokenLifetimeSeconds?: number;
  strictDirectoryRead?: boolean;
  /** operator CSV of IP ranges → city, state, country, coordinates (identity/geo.ts); the built-in sample otherwise */
  geoFile?: string;
  /** days of sign-ins and audits kept and served (defaults: DEFAULT_RETENTION, Entra's 7 / 30) */
  retention?: RetentionPolicy;
  /** failure throttling of the token endpoint (defaults: DEFAULT_THROTTLE) */
  throttle?: ThrottleConfig;
  /** request limits of the activity-log endpoints, per app per tenant and per app (defaults: DEFAULT_REPORTING_THROTTLE) */
  reportingThrottle?: ReportingThrottleConfig | 'off';
  /** a pino logger; none means silent */
  logger?: FastifyBaseLogger;
  https?: { cert: string; key: string } | null;
  /** the portal's build output (web/dist); defaults to web/dist beside the package.json */
  portalRoot?: string;
}

export interface Services {
  ctx: DirectoryContext;
  keys: KeyStore;
  tokens: TokenEndpoint;
  logs: ActivityLogs;
  /** the retired Azure AD Graph reporting endpoints over the same logs */
  legacy: LegacyReports;
  /** reporting throttle, shared by every activity-log surface: acquire(tenantId, appId) */
  reportingThrottle: ReportingThrottle;
  /** the browser side of the identity service: authorize, sign-in and consent pages, sign-out */
  authorize: AuthorizeEndpoint;
}

const GRAPH_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const GRAPH_PATH = /^\/(v1\.0|beta)(\/|$)/i;

/** Everything the HTTP surface needs, built once per process over one store. */
export async function buildServices(cfg: AppConfig): Promise<Services> {
  const clock = cfg.clock ?? systemClock;
  const now = clock();
  const secretPepper = await ensureServerSecret(cfg.store.db, 'secret-pepper', randomBytes(32).toString('base64url'), now);
  const skipKey = await ensureServerSecret(cfg.store.db, 'skiptoken-key', randomBytes(32).toString('base64url'), now);
  const interactionKey = await ensureServerSecret(cfg.store.db, 'interaction-key', randomBytes(32).toString('base64url'), now);
  const ctx: DirectoryContext = { store: cfg.store, clock, secretPepper };
  const skipTokens = new SkipTokens(skipKey);
  const logs = new ActivityLogs(ctx, skipTokens, { strictDirectoryRead: cfg.strictDirectoryRead ?? false }, cfg.retention ?? DEFAULT_RETENTION);
  const keys = await KeyStore.open(cfg.store, now);
  const tokenCfg: TokenConfig = {
    publicUrl: cfg.publicUrl,
    accessTokenLifetime: cfg.accessTokenLifetime ?? { min: 3600, max: 5400 },
    refreshTokenLifetimeSeconds: cfg.refreshTokenLifetimeSeconds ?? 90 * 24 * 3600,
  };
  const tokens = new TokenEndpoint(ctx, keys, tokenCfg, cfg.throttle, createGeoLookup({ file: cfg.geoFile }));
  return {
    ctx,
    keys,
    tokens,
    authorize: new AuthorizeEndpoint(ctx, tokens, cfg.publicUrl, interactionKey, cfg.publicUrl.startsWith('https:')),
    logs,
    legacy: new LegacyReports(logs, skipTokens),
    reportingThrottle: new ReportingThrottle(clock, cfg.reportingThrottle ?? DEFAULT_REPORTING_THROTTLE),
  };
}

const STATUS: Record<DirectoryError['kind'], number> = { badRequest: 400, forbidden: 403, notFound: 404, conflict: 400 };

export async function buildApp(cfg: AppConfig): Promise<{ app: FastifyInstance; services: Services }> {
  const publicUrl = cfg.publicUrl.replace(/\/+$/, '');
  const services = await buildServices({ ...cfg, publicUrl });
  const app = Fastify({
    ...(cfg.logger ? { loggerInstance: cfg.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    rewriteUrl: (req) => rewriteKeySyntax(req.url ?? '/'),
    ...(cfg.https ? { https: cfg.https } : {}),
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // one access-log line per request (onResponse below) instead of Fastify's two
    disableRequestLogging: true,
    // router-level failures (over-long or badly encoded path segments) answered in the API's own shape
    frameworkErrors: (error, request, reply) => {
      reply.header('request-id', request.id).header('client-request-id', clientRequestId(request));
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      if (GRAPH_PATH.test(request.url)) {
        reply.header('content-type', GRAPH_CONTENT_TYPE);
        return sendGraphError(request, reply, status, 'BadRequest', 'The request URL is malformed.');
      }
      return (reply as FastifyReply).code(status).send(errorBody(E.malformed(), request.id, clientRequestId(request), Date.now()));
    },
  } as FastifyServerOptions);

  registerFormParser(app);

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('request-id', request.id);
    reply.header('client-request-id', clientRequestId(request));
    if (publicUrl.startsWith('https:')) reply.header('strict-transport-security', 'max-age=31536000');
    if (GRAPH_PATH.test(request.url) && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) {
      reply.header('content-type', GRAPH_CONTENT_TYPE);
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const err = error as Error & { statusCode?: number; code?: string };
    const graph = GRAPH_PATH.test(request.url);
    if (err instanceof GraphError) return sendGraphError(request, reply, err.status, err.code, err.message, err.headers);
    if (err instanceof DirectoryError) return sendGraphError(request, reply, STATUS[err.kind], err.code, err.message);
    if (err instanceof ODataError) return sendGraphError(request, reply, 400, 'BadRequest', err.message);
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'unhandled error');
    if (graph) {
      const message = status === 500 ? 'An internal server error occurred.'
        : status === 413 ? 'The request body is too large.'
        : status === 415 ? 'The content type of the request is not supported.'
        : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'Invalid JSON in the request body.'
        : 'The request is malformed.';
      return sendGraphError(request, reply, status, status === 500 ? 'InternalServerError' : 'BadRequest', message);
    }
    // identity endpoints: MSAL blocks an app for 60 s after a 500, so a transient failure is a 503 + Retry-After
    const oauth = status === 500 ? E.serverError() : err instanceof OAuthError ? err : E.malformed();
    const code = status === 500 ? 503 : status;
    return reply.code(code).headers({ 'cache-control': 'no-store, no-cache', ...(code === 503 ? { 'retry-after': '1' } : {}) }).send(errorBody(oauth, request.id, clientRequestId(request), Date.now()));
  });

  app.setNotFoundHandler((request, reply) => {
    if (GRAPH_PATH.test(request.url)) return sendGraphError(request, reply, 404, 'ResourceNotFound', 'Resource not found.');
    return reply.code(404).send({ error: 'not_found', error_description: 'The requested resource does not exist.' });
  });

  await app.register(identityRoutes, { ctx: services.ctx, keys: services.keys, tokens: services.tokens, publicUrl });
  await app.register(authorizeRoutes, { authorize: services.authorize, secureCookies: publicUrl.startsWith('https:') });
  await app.register(graphRoutes, { ctx: services.ctx, keys: services.keys, logs: services.logs, reportingThrottle: services.reportingThrottle, publicUrl });
  await app.register(async (scope) => legacyReportRoutes(scope, { ctx: services.ctx, keys: services.keys, logs: services.logs, reportingThrottle: services.reportingThrottle, publicUrl, legacy: services.legacy }));
  await app.register(doctorRoutes, { ctx: services.ctx, keys: services.keys, publicUrl, strictDirectoryRead: cfg.strictDirectoryRead ?? false });
  await app.register(portalRoutes, { root: cfg.portalRoot ?? defaultPortalRoot() });
  return { app, services };
}
