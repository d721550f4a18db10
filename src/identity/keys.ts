import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { Store } from '../store/db.js';
import * as keysRepo from '../store/repositories/keys.js';
import { createSigningKey } from './certificate.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  x5c: string;
  status: 'active' | 'retired';
}

export interface Jwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  issuer?: string;
}

function toSigningKey(row: keysRepo.SigningKeyRow): SigningKey {
  const cert = new X509Certificate(row.certificate_pem);
  return {
    kid: row.kid,
    privateKey: createPrivateKey(row.private_key_pem),
    publicKey: cert.publicKey,
    x5c: cert.raw.toString('base64'),
    status: row.status,
  };
}

/**
 * Token-signing keys live in the store, so tokens stay valid across restarts and every process
 * serving the same store signs and verifies with the same keys.
 */
export class KeyStore {
  private keys: SigningKey[] = [];

  private constructor(private readonly store: Store) {}

  static async open(store: Store, now: number): Promise<KeyStore> {
    const ks = new KeyStore(store);
    await ks.reload();
    if (!ks.keys.some((k) => k.status === 'active')) {
      const material = await createSigningKey();
      await keysRepo.insertSigningKey(store.db, {
        kid: material.kid, private_key_pem: material.privateKeyPem, certificate_pem: material.certificatePem, created_at: now, status: 'active',
      });
      await ks.reload();
    }
    return ks;
  }

  async reload(): Promise<void> {
    this.keys = (await keysRepo.listSigningKeys(this.store.db)).map(toSigningKey);
  }

  /** The newest active key. */
  get active(): SigningKey {
    const key = this.keys.find((k) => k.status === 'active');
    if (!key) throw new Error('no active signing key');
    return key;
  }

  /** Only our own keys, looked up by kid; an unknown kid finds nothing (never fetched). */
  find(kid: unknown): SigningKey | undefined {
    return typeof kid === 'string' ? this.keys.find((k) => k.kid === kid) : undefined;
  }

  jwks(issuer?: string): { keys: Jwk[] } {
    return {
      keys: this.keys.map((k) => {
        const jwk = k.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        return { kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.kid, n: jwk.n, e: jwk.e, x5c: [k.x5c], ...(issuer ? { issuer } : {}) };
      }),
    };
  }
}
