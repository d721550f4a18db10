import type { Actor } from '../directory/actor.js';
import type { Clock } from '../lib/time.js';
import { FIRST_PARTY_CLIENTS, PORTAL_APP_ID } from '../directory/catalog.js';

/**
 * Throttling of the reporting API, as Graph's "Identity and access reports" service does it: per
 * client application per tenant (5 requests per 10 s) and per client application across all tenants
 * (122 per 10 s), over every activity-log request (`/auditLogs/*` on v1.0 and beta, and the legacy
 * Azure AD Graph `/{tenant}/activities/*`).
 *
 * Sliding window: a request is admitted when fewer than `max` admitted requests of the same key lie
 * in the last `windowMs`; a refused request is not counted, so `Retry-After` is exactly the time until
 * the oldest admitted request leaves the window. Counters are kept in memory per process: several
 * processes (`serve --workers`) each count their own share.
 */
export interface RateLimit {
  max: number;
  windowMs: number;
}

export interface ReportingThrottleConfig {
  /** per client application per tenant */
  perAppPerTenant: RateLimit;
  /** per client application across all tenants */
  perApp: RateLimit;
}

export const DEFAULT_REPORTING_THROTTLE: ReportingThrottleConfig = {
  perAppPerTenant: { max: 5, windowMs: 10_000 },
  perApp: { max: 122, windowMs: 10_000 },
};

const FIRST_PARTY_IDS: ReadonlySet<string> = new Set(FIRST_PARTY_CLIENTS.map((c) => c.appId));

/** Keys kept at most; beyond it the least recently admitted are dropped first. */
const MAX_KEYS = 100_000;

export class ReportingThrottle {
  /** admitted request times per key, oldest first; Map order = order of last admission */
  private readonly logs = new Map<string, number[]>();
  private lastSweep = 0;

  /** `off` admits everything. */
  constructor(
    private readonly clock: Clock,
    private readonly cfg: ReportingThrottleConfig | 'off' = DEFAULT_REPORTING_THROTTLE,
  ) {}

  /**
   * Admits (and counts) one reporting request of `appId` in `tenantId`: 0 when admitted, else the
   * whole seconds (at least 1) until it would be, with nothing counted.
   */
  acquire(tenantId: string, appId: string, userId?: string): number {
    if (this.cfg === 'off') return 0;
    const now = this.clock();
    this.sweep(now);
    const app = appId.toLowerCase();
    // Microsoft's own clients have one app id in every tenant: counted across tenants, members of some
    // tenants could use up every other tenant's share, so they are limited per tenant only. Tenantry's
    // portal is every administrator's screen at once: each signed-in user gets the app's share
    const checks: [string, RateLimit][] = app === PORTAL_APP_ID && userId
      ? [[`u:${tenantId}:${app}:${userId}`, this.cfg.perAppPerTenant]]
      : FIRST_PARTY_IDS.has(app)
        ? [[`t:${tenantId}:${app}`, this.cfg.perAppPerTenant]]
        : [[`t:${tenantId}:${app}`, this.cfg.perAppPerTenant], [`a:${app}`, this.cfg.perApp]];
    let waitMs = 0;
    for (const [key, limit] of checks) waitMs = Math.max(waitMs, this.waitMs(key, limit, now));
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    for (const [key] of checks) this.record(key, now);
    return 0;
  }

  /** Milliseconds until `key` has room under `limit`; drops the times that left the window. */
  private waitMs(key: string, limit: RateLimit, now: number): number {
    const log = this.logs.get(key);
    if (!log) return 0;
    let expired = 0;
    while (expired < log.length && log[expired]! + limit.windowMs <= now) expired++;
    if (expired > 0) log.splice(0, expired);
    if (log.length < limit.max) return 0;
    // the slot frees when the oldest of the last `max` admissions leaves the window
    return log[log.length - limit.max]! + limit.windowMs - now;
  }

  private record(key: string, now: number): void {
    const log = this.logs.get(key) ?? [];
    this.logs.delete(key);
    log.push(now);
    this.logs.set(key, log);
    while (this.logs.size > MAX_KEYS) this.logs.delete(this.logs.keys().next().value as string);
  }

  /** Drops keys whose every admission left the window, at most once a second. */
  private sweep(now: number): void {
    if (this.cfg === 'off' || now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    const longest = Math.max(this.cfg.perAppPerTenant.windowMs, this.cfg.perApp.windowMs);
    for (const [key, log] of this.logs) {
      const newest = log[log.length - 1];
      if (newest === undefined || newest + longest <= now) this.logs.delete(key);
    }
  }
}

/** The client application a throttle counts an actor's requests against (app-only and delegated alike); none for the operator's CLI. */
export function clientAppOf(actor: Actor): string | undefined {
  if (actor.kind === 'app') return actor.appId;
  if (actor.kind === 'user') return actor.clientAppId;
  return undefined;
}

/** The Graph message of a throttled request. */
export const throttledMessage = (correlationId: string): string =>
  `This request is throttled. Please try again after the value specified in the Retry-After header. CorrelationId: ${correlationId}`;

/**
 * `tenantry serve --reporting-throttle`: `off`, or `N/S` (N requests per S seconds per app per tenant)
 * optionally followed by `,M/S` (across all tenants; default 122/10). Undefined when malformed.
 */
export function parseReportingThrottle(text: string): ReportingThrottleConfig | 'off' | undefined {
  const spec = text.trim().toLowerCase();
  if (spec === 'off') return 'off';
  const m = /^(\d{1,6})\/(\d{1,4})(?:,(\d{1,6})\/(\d{1,4}))?$/.exec(spec);
  if (!m) return undefined;
  const limit = (max: string, seconds: string): RateLimit | undefined => {
    const l = { max: Number(max), windowMs: Number(seconds) * 1000 };
    return l.max >= 1 && l.windowMs >= 1000 && l.windowMs <= 3600_000 ? l : undefined;
  };
  const perAppPerTenant = limit(m[1]!, m[2]!);
  const perApp = m[3] === undefined ? DEFAULT_REPORTING_THROTTLE.perApp : limit(m[3], m[4]!);
  return perAppPerTenant && perApp ? { perAppPerTenant, perApp } : undefined;
}
