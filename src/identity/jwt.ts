import { sign } from 'node:crypto';
import type { SigningKey } from './keys.js';

const headers = new WeakMap<SigningKey, Map<string, string>>();

function encodedHeader(key: SigningKey, extra: Record<string, string>): string {
  let byKey = headers.get(key);
  if (!byKey) headers.set(key, (byKey = new Map()));
  const id = JSON.stringify(extra);
  let h = byKey.get(id);
  if (!h) {
    h = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', ...extra, kid: key.kid })).toString('base64url');
    byKey.set(id, h);
  }
  return h;
}

/**
 * RS256 compact JWS. Token issuance is the hot path, so this skips jose's builders: the header is
 * encoded once per key, and the RSA signature runs on libuv's thread pool (async crypto.sign), off
 * the event loop. Verification stays with jose.
 */
export function signRs256(key: SigningKey, claims: Record<string, unknown>, extraHeader: Record<string, string> = {}): Promise<string> {
  const data = `${encodedHeader(key, extraHeader)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(data), key.privateKey, (err, signature) => (err ? reject(err) : resolve(`${data}.${signature.toString('base64url')}`)));
  });
}
