import type { FastifyInstance } from 'fastify';
import { GraphSurface, type GraphDeps, type Version } from './context.js';
import { applicationRoutes } from './routes/applications.js';
import { auditLogRoutes } from './routes/auditLogs.js';
import { directoryRoutes } from './routes/directory.js';
import { provisioningRoutes } from './routes/provisioning.js';

const VERSIONS: readonly Version[] = ['v1.0', 'beta'];

/** `/applications(appId='x')/…` → `/applications/appId=x/…` so the router can match it. */
export function rewriteKeySyntax(url: string): string {
  return url.replace(/^\/(v1\.0|beta)\/(applications|servicePrincipals)\(appId='([^'/?]*)'\)/, '/$1/$2/appId=$3');
}

export async function graphRoutes(app: FastifyInstance, deps: GraphDeps): Promise<void> {
  const g = new GraphSurface(deps);
  for (const v of VERSIONS) {
    directoryRoutes(app, g, v);
    applicationRoutes(app, g, v);
    auditLogRoutes(app, g, v);
    provisioningRoutes(app, g, v);
  }
}
