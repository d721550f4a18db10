/**
 * Fixed-window failure counters kept in memory, per key (client, IP, user). A key that reaches its
 * limit is blocked until its window ends. Per process: several processes on one store each count
 * their own share, which only makes the effective limit larger, never smaller.
 */
export interface Limit {
  max: number;
  windowMs: number;
}

interface Window {
  start: number;
  count: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(private readonly clock: () => number) {}

  /** Seconds until the key may try again, or 0 when it is not blocked. */
  retryAfter(key: string, limit: Limit): number {
    const w = this.windows.get(key);
    const now = this.clock();
    if (!w || now - w.start >= limit.windowMs || w.count < limit.max) return 0;
    return Math.max(1, Math.ceil((w.start + limit.windowMs - now) / 1000));
  }

  fail(key: string, limit: Limit): void {
    const now = this.clock();
    this.sweep(now, limit.windowMs);
    const w = this.windows.get(key);
    if (!w || now - w.start >= limit.windowMs) this.windows.set(key, { start: now, count: 1 });
    else w.count += 1;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  /** Drops expired windows now and then so memory stays bounded under a spray of keys. */
  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < windowMs && this.windows.size < 100_000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (now - w.start >= windowMs * 4) this.windows.delete(k);
  }
}

export interface ThrottleConfig {
  /** failed client authentications per client id per tenant */
  perClient: Limit;
  /** failed client authentications and password checks per source IP */
  perIp: Limit;
  /** failed password checks per user before the account is locked (Entra smart lockout: 10) */
  perUser: Limit;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  perClient: { max: 30, windowMs: 60_000 },
  perIp: { max: 100, windowMs: 60_000 },
  perUser: { max: 10, windowMs: 15 * 60_000 },
};
