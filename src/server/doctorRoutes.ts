import type { FastifyInstance } from 'fastify';
import type { DirectoryContext } from '../directory/context.js';
import { actorFromToken, GRAPH_AUDIENCES, verifyBearer } from '../graph/auth.js';
import { GraphError } from '../graph/errors.js';
import type { KeyStore } from '../identity/keys.js';
import { authorizeDoctor, runDoctor } from '../reporting/doctor.js';

export interface DoctorRoutesOptions {
  ctx: DirectoryContext;
  keys: KeyStore;
  publicUrl: string;
  strictDirectoryRead: boolean;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new GraphError(400, 'BadRequest', `The query parameter '${name}' was specified more than once.`);
  return String(v);
}

/**
 * `GET /tenantry/doctor?clientId=…[&user=…]`: the `tenantry doctor` report for the tenant of the
 * caller's Graph access token (never a parameter). Callers: a user with Global Administrator, Global
 * Reader, Application Administrator or Cloud Application Administrator, or an app with
 * Application.Read.All or Directory.Read.All. Failures answer in Graph's error envelope.
 */
export async function doctorRoutes(app: FastifyInstance, opts: DoctorRoutesOptions): Promise<void> {
  const { ctx, keys, publicUrl } = opts;
  app.get('/tenantry/doctor', async (req, reply) => {
    const verified = await verifyBearer(req, keys, ctx, publicUrl, GRAPH_AUDIENCES);
    const actor = await actorFromToken(req, ctx, verified, publicUrl);
    authorizeDoctor(actor);
    const query = (req.query ?? {}) as Record<string, unknown>;
    const clientId = single(query, 'clientId');
    const user = single(query, 'user');
    if (clientId === undefined || clientId === '') throw new GraphError(400, 'BadRequest', "The query parameter 'clientId' is required.");
    const report = await runDoctor(ctx, { tenant: actor.tenantId, clientId, ...(user !== undefined ? { user } : {}) }, { strictDirectoryRead: opts.strictDirectoryRead });
    return reply.header('cache-control', 'no-store').send(report);
  });
}
