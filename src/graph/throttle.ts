import type { Actor } from '../directory/actor.js';
import { clientAppOf, throttledMessage } from '../reporting/throttle.js';
import type { GraphSurface } from './context.js';
import { GraphError } from './errors.js';

/**
 * Counts one activity-log request of an authenticated caller against the reporting throttle; over
 * the limit it throws Graph's 429 `TooManyRequests` with `Retry-After` in whole seconds. Call it
 * right after `g.actor(req)`, so a bad token is a 401 and is not counted.
 */
export function throttleReporting(g: GraphSurface, actor: Actor): void {
  const app = clientAppOf(actor);
  if (app === undefined) return;
  const wait = g.deps.reportingThrottle.acquire(actor.tenantId, app, actor.kind === 'user' ? actor.userId : undefined);
  if (wait > 0) throw new GraphError(429, 'TooManyRequests', throttledMessage(actor.correlationId), { 'retry-after': String(wait) });
}
