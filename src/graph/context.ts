import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../directory/actor.js';
import type { DirectoryContext } from '../directory/context.js';
import type { KeyStore } from '../identity/keys.js';
import type { ActivityLogs } from '../reporting/logs.js';
import type { ReportingThrottle } from '../reporting/throttle.js';
import { actorFromToken, GRAPH_AUDIENCES, verifyBearer } from './auth.js';

export type Version = 'v1.0' | 'beta';

export interface GraphDeps {
  ctx: DirectoryContext;
  keys: KeyStore;
  logs: ActivityLogs;
  /** per app (per tenant) limits of the activity-log endpoints */
  reportingThrottle: ReportingThrottle;
  publicUrl: string;
}

/** Helpers every Graph route uses: the caller, and Graph's response envelopes. */
export class GraphSurface {
  constructor(readonly deps: GraphDeps) {}

  async actor(request: FastifyRequest): Promise<Actor> {
    const verified = await verifyBearer(request, this.deps.keys, this.deps.ctx, this.deps.publicUrl, GRAPH_AUDIENCES);
    return actorFromToken(request, this.deps.ctx, verified, this.deps.publicUrl);
  }

  context(version: Version, fragment: string): string {
    return `${this.deps.publicUrl}/${version}/$metadata#${fragment}`;
  }

  collection(reply: FastifyReply, version: Version, fragment: string, value: unknown[], nextLink?: string): FastifyReply {
    const body: Record<string, unknown> = { '@odata.context': this.context(version, fragment) };
    if (nextLink) body['@odata.nextLink'] = nextLink;
    body.value = value;
    return reply.send(body);
  }

  entity(reply: FastifyReply, version: Version, fragment: string, value: Record<string, unknown>, status = 200): FastifyReply {
    return reply.code(status).send({ '@odata.context': this.context(version, `${fragment}/$entity`), ...value });
  }
}
