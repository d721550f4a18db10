import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeysetCursor } from '../store/repositories/logs.js';

/**
 * $skiptoken: the keyset position, HMAC-signed and bound to the tenant, the endpoint and the exact
 * query it continues, so it cannot be edited, forged or replayed against another query or tenant.
 */
export class SkipTokens {
  constructor(private readonly key: string) {}

  private mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.key).update(scope).update('\n').update(payload).digest();
  }

  encode(scope: string, cursor: KeysetCursor): string {
    const payload = Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
    return `${payload}.${this.mac(scope, payload).toString('base64url')}`;
  }

  /** undefined when the token is malformed, tampered with, or belongs to another scope */
  decode(scope: string, token: string): KeysetCursor | undefined {
    if (token.length > 512) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    // compare the text, not its decoding: base64url decoding skips stray characters and ignores spare bits
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.mac(scope, payload).toString('base64url'), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const v: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && (typeof v[1] === 'string' || Number.isSafeInteger(v[1]))) {
        return { at: v[0] as number, id: v[1] as string | number };
      }
    } catch {
      // fall through
    }
    return undefined;
  }
}
