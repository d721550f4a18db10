import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LogPage } from '../../reporting/logs.js';
import type { GraphSurface, Version } from '../context.js';
import { throttleReporting } from '../throttle.js';
import { queryOptions } from './queryOptions.js';

type IdParams = { Params: { id: string } };
const LIST_OPTIONS = ['$filter', '$top', '$skiptoken', '$orderby', '$select'];
const ENTITY_OPTIONS = ['$select'];

/** Prefer: include-unknown-enum-members (any of the comma-separated preferences). */
function unknownEnums(req: FastifyRequest): boolean {
  const prefer = req.headers.prefer;
  const values = Array.isArray(prefer) ? prefer : prefer ? [prefer] : [];
  return values.some((v) => v.split(',').some((p) => p.trim().toLowerCase() === 'include-unknown-enum-members'));
}

/** Absolute nextLink on the public URL: the original options re-encoded, plus the new $skiptoken. */
function nextLink(publicUrl: string, req: FastifyRequest, q: Record<string, string>, token: string): string {
  const path = req.url.split('?')[0]!;
  const parts = Object.entries(q)
    .filter(([k]) => k !== '$skiptoken')
    .map(([k, val]) => `${k}=${encodeURIComponent(val)}`);
  parts.push(`$skiptoken=${encodeURIComponent(token)}`);
  return `${publicUrl}${path}?${parts.join('&')}`;
}

export function auditLogRoutes(app: FastifyInstance, g: GraphSurface, v: Version): void {
  const { logs, publicUrl } = g.deps;

  const send = (req: FastifyRequest, reply: Parameters<GraphSurface['collection']>[0], fragment: string, q: Record<string, string>, page: LogPage<Record<string, unknown>>) =>
    g.collection(reply, v, fragment, page.items, page.next ? nextLink(publicUrl, req, q, page.next) : undefined);

  for (const seg of ['signIns', 'signins']) {
    app.get(`/${v}/auditLogs/${seg}`, async (req, reply) => {
      const actor = await g.actor(req);
      throttleReporting(g, actor);
      const q = queryOptions(req.query, LIST_OPTIONS);
      const page = await logs.listSignIns(actor, {
        version: v, filter: q.$filter, top: q.$top, orderby: q.$orderby, skiptoken: q.$skiptoken, select: q.$select, unknownEnums: unknownEnums(req),
      });
      return send(req, reply, 'auditLogs/signIns', q, page);
    });
    app.get<IdParams>(`/${v}/auditLogs/${seg}/:id`, async (req, reply) => {
      const actor = await g.actor(req);
      throttleReporting(g, actor);
      const q = queryOptions(req.query, ENTITY_OPTIONS);
      return g.entity(reply, v, 'auditLogs/signIns', await logs.getSignIn(actor, v, req.params.id, { select: q.$select, unknownEnums: unknownEnums(req) }));
    });
  }

  app.get(`/${v}/auditLogs/directoryAudits`, async (req, reply) => {
    const actor = await g.actor(req);
    throttleReporting(g, actor);
    const q = queryOptions(req.query, LIST_OPTIONS);
    const page = await logs.listDirectoryAudits(actor, { version: v, filter: q.$filter, top: q.$top, orderby: q.$orderby, skiptoken: q.$skiptoken, select: q.$select });
    return send(req, reply, 'auditLogs/directoryAudits', q, page);
  });

  app.get<IdParams>(`/${v}/auditLogs/directoryAudits/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    throttleReporting(g, actor);
    const q = queryOptions(req.query, ENTITY_OPTIONS);
    return g.entity(reply, v, 'auditLogs/directoryAudits', await logs.getDirectoryAudit(actor, v, req.params.id, { select: q.$select }));
  });
}
