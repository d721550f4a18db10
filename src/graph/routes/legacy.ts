import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AAD_GRAPH_APP_ID, AAD_GRAPH_RESOURCE } from '../../directory/catalog.js';
import { DirectoryError } from '../../directory/errors.js';
import { findTenant } from '../../directory/tenants.js';
import { LegacyDenied, LegacyReports, type LegacyQuery } from '../../reporting/legacy.js';
import { clientAppOf } from '../../reporting/throttle.js';
import { actorFromToken, verifyBearer } from '../auth.js';
import type { GraphDeps } from '../context.js';
import { GraphError } from '../errors.js';
import { ODataError } from '../odata/errors.js';
import { queryOptions } from './queryOptions.js';

/** Audiences of an Azure AD Graph token. */
export const AAD_GRAPH_AUDIENCES = [AAD_GRAPH_RESOURCE, `${AAD_GRAPH_RESOURCE}/`, AAD_GRAPH_APP_ID];
const CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const OPTIONS = ['$filter', '$top', '$skiptoken', '$orderby'];

/** Azure AD Graph's error envelope. */
function send(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type(CONTENT_TYPE).send({
    'odata.error': { code, message: { lang: 'en', value: message }, requestId: request.id, date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
  });
}

class Legacy401 extends Error {}

/**
 * `GET /{tenant}/activities/signinEvents?api-version=beta` and `/activities/audit?api-version=beta`:
 * the retired Azure AD Graph reporting API, for code that still calls it (see reporting/legacy.ts).
 */
export function legacyReportRoutes(app: FastifyInstance, deps: GraphDeps & { legacy: LegacyReports }): void {
  const handle = (report: 'signinEvents' | 'audit') => async (req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    try {
      const version = (req.query as Record<string, unknown>)['api-version'];
      if (version === undefined) return send(req, reply, 400, 'Request_BadRequest', "A required query string parameter 'api-version' was not specified.");
      if (version !== 'beta') return send(req, reply, 400, 'Request_BadRequest', 'The specified api-version is invalid. The value must exactly match a supported version.');
      let verified;
      try {
        verified = await verifyBearer(req, deps.keys, deps.ctx, deps.publicUrl, AAD_GRAPH_AUDIENCES);
      } catch (err) {
        if (!(err instanceof GraphError)) throw err;
        const code = /empty|parsing/i.test(err.message) ? 'Authentication_MissingOrMalformed' : /expired/i.test(err.message) ? 'Authentication_ExpiredToken' : 'Authentication_Unauthorized';
        const message = code === 'Authentication_MissingOrMalformed' ? 'Access Token missing or malformed.'
          : code === 'Authentication_ExpiredToken' ? 'Your access token has expired. Please renew it before submitting the request.'
          : err.message;
        return send(req, reply, 401, code, message, { 'www-authenticate': `Bearer realm="", authorization_uri="${deps.publicUrl}/common/oauth2/authorize", client_id="${AAD_GRAPH_APP_ID}"` });
      }
      // the tenant in the path must be the token's own (by id or by one of its domains)
      const pathTenant = await findTenant(deps.ctx, req.params.tenant);
      if (!pathTenant || pathTenant.id !== verified.tenantId) throw new Legacy401();
      const actor = await actorFromToken(req, deps.ctx, verified, deps.publicUrl);
      const appId = clientAppOf(actor);
      const wait = appId === undefined ? 0 : deps.reportingThrottle.acquire(actor.tenantId, appId, actor.kind === 'user' ? actor.userId : undefined);
      if (wait > 0) {
        return send(req, reply, 429, 'Request_ThrottledTemporarily', `Your request is throttled temporarily. Please try after ${wait} seconds.`, { 'retry-after': String(wait) });
      }
      const o = queryOptions(req.query, OPTIONS);
      const q: LegacyQuery = { filter: o.$filter, top: o.$top, orderby: o.$orderby, skiptoken: o.$skiptoken };
      const page = report === 'signinEvents' ? await deps.legacy.signinEvents(actor, q) : await deps.legacy.audit(actor, q);
      const path = req.url.split('?')[0]!;
      const body: Record<string, unknown> = { '@odata.context': `${deps.publicUrl}/${encodeURIComponent(req.params.tenant)}/$metadata#${report}` };
      if (page.next) {
        const params = Object.entries({ ...o, $skiptoken: page.next }).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
        body['@odata.nextLink'] = `${deps.publicUrl}${path}?api-version=beta&${params.join('&')}`;
      }
      body.value = page.items;
      return reply.type(CONTENT_TYPE).send(body);
    } catch (err) {
      if (err instanceof Legacy401) return send(req, reply, 401, 'Authentication_Unauthorized', 'Access token validation failure. Invalid tenant.');
      if (err instanceof LegacyDenied) return send(req, reply, err.status, err.code, err.message);
      if (err instanceof ODataError) return send(req, reply, 400, 'Request_BadRequest', err.message);
      if (err instanceof DirectoryError && err.kind === 'badRequest') return send(req, reply, 400, err.code === 'BadRequest' ? 'Request_BadRequest' : err.code, err.message);
      if (err instanceof DirectoryError && err.kind === 'forbidden') return send(req, reply, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      if (err instanceof GraphError && err.status < 500) return send(req, reply, err.status, err.status === 400 ? 'Request_BadRequest' : err.code, err.message);
      if (err instanceof GraphError) return send(req, reply, err.status, err.code, err.message);
      req.log.error({ err }, 'legacy report failed');
      return send(req, reply, 500, 'Service_InternalServerError', 'Encountered an internal server error.');
    }
  };
  app.get('/:tenant/activities/signinEvents', handle('signinEvents'));
  app.get('/:tenant/activities/audit', handle('audit'));
}
