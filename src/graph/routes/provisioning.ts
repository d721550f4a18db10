import type { FastifyInstance } from 'fastify';
import { ProvisioningLogs } from '../../reporting/provisioning.js';
import type { GraphSurface, Version } from '../context.js';
import { throttleReporting } from '../throttle.js';
import { queryOptions } from './queryOptions.js';

const LIST_OPTIONS = ['$filter', '$top', '$skiptoken', '$orderby'];

/** `GET /{v}/auditLogs/provisioning` and `/{id}`: always empty, as Tenantry runs no provisioning (see reporting/provisioning.ts). */
export function provisioningRoutes(app: FastifyInstance, g: GraphSurface, v: Version): void {
  const provisioning = new ProvisioningLogs(g.deps.ctx);

  app.get(`/${v}/auditLogs/provisioning`, async (req, reply) => {
    const actor = await g.actor(req);
    throttleReporting(g, actor);
    const q = queryOptions(req.query, LIST_OPTIONS);
    const page = await provisioning.list(actor, { version: v, filter: q.$filter, top: q.$top, orderby: q.$orderby, skiptoken: q.$skiptoken });
    return g.collection(reply, v, 'auditLogs/provisioning', page.items);
  });

  app.get<{ Params: { id: string } }>(`/${v}/auditLogs/provisioning/:id`, async (req) => {
    const actor = await g.actor(req);
    throttleReporting(g, actor);
    return provisioning.get(actor, req.params.id);
  });
}
