import { createHash } from 'node:crypto';

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
  /** when this window ends: entries are dropped by their own expiry, whatever limit they belong to */
  expires: number;
}

/** Entries kept at most; beyond it the oldest windows are dropped first. */
const MAX_ENTRIES = 100_000;

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(private readonly clock: () => number) {}

  /** Keys may hold user input (a user name); a digest bounds their size. */
  private static key(raw: string): string {
    return raw.length <= 64 ? raw : createHash('sha256').update(raw).digest('base64url');
  }

  private current(key: string, limit: Limit, now: number): Window | undefined {
    const w = this.windows.get(key);
    return w && now - w.start < limit.windowMs ? w : undefined;
  }

  /** Seconds until the key may try again, or 0 when it is not blocked. */
  retryAfter(rawKey: string, limit: Limit): number {
    const now = this.clock();
    const w = this.current(FailureLimiter.key(rawKey), limit, now);
    if (!w || w.count < limit.max) return 0;
    return Math.max(1, Math.ceil((w.start + limit.windowMs - now) / 1000));
  }

  fail(rawKey: string, limit: Limit): void {
    this.add(FailureLimiter.key(rawKey), limit, 1);
  }

  /**
   * Counts an attempt before its outcome is known, so parallel attempts cannot all slip under the
   * limit; false (and nothing counted) when the key is already blocked. Call release() when the
   * attempt succeeds.
   */
  tryAcquire(rawKey: string, limit: Limit): boolean {
    const key = FailureLimiter.key(rawKey);
    const w = this.current(key, limit, this.clock());
    if (w && w.count >= limit.max) return false;
    this.add(key, limit, 1);
    return true;
  }

  release(rawKey: string): void {
    const w = this.windows.get(FailureLimiter.key(rawKey));
    if (w && w.count > 0) w.count -= 1;
  }

  private add(key: string, limit: Limit, n: number): void {
    const now = this.clock();
    this.sweep(now);
    const w = this.current(key, limit, now);
    if (w) {
      w.count += n;
      return;
    }
    this.windows.delete(key); // re-insert: Map order is then the order of window starts
    this.windows.set(key, { start: now, count: n, expires: now + limit.windowMs });
    while (this.windows.size > MAX_ENTRIES) this.windows.delete(this.windows.keys().next().value as string);
  }

  /** Drops expired windows at most once a second. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.expires <= now) this.windows.delete(k);
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
