import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { Store } from '../store/db.js';
import * as keysRepo from '../store/repositories/keys.js';
import { systemClock, type Clock } from '../lib/time.js';
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

/** Newest first by created_at, ties by kid: every process that loaded the same rows agrees on the order. */
function newestFirst(a: { kid: string; createdAt: number }, b: { kid: string; createdAt: number }): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0;
}

/** A kid this store does not know triggers at most one reload per this interval. */
export const KEY_RELOAD_INTERVAL_MS = 5_000;

/**
 * Token-signing keys live in the store, so tokens stay valid across restarts and every process
 * serving the same store signs and verifies with the same keys. Another process may add a key (two
 * servers started on one empty store each create one): an unknown kid makes `resolve` reload.
 */
export class KeyStore {
  private keys: (SigningKey & { createdAt: number })[] = [];
  private lastReload = -Infinity;
  private reloading: Promise<void> | undefined;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  static async open(store: Store, now: number, clock: Clock = systemClock): Promise<KeyStore> {
    const ks = new KeyStore(store, clock);
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
    this.lastReload = this.clock();
    const rows = await keysRepo.listSigningKeys(this.store.db);
    this.keys = rows.map((r) => ({ ...toSigningKey(r), createdAt: r.created_at })).sort(newestFirst);
  }

  /** The active key with the newest created_at (ties by kid), the same in every process after a reload. */
  get active(): SigningKey {
    const key = this.keys.find((k) => k.status === 'active');
    if (!key) throw new Error('no active signing key');
    return key;
  }

  /** Only our own keys, looked up by kid among those loaded; an unknown kid finds nothing (never fetched). */
  find(kid: unknown): SigningKey | undefined {
    return typeof kid === 'string' ? this.keys.find((k) => k.kid === kid) : undefined;
  }

  /**
   * Like `find`, but a kid not loaded yet reloads the keys from the store first (at most once every
   * KEY_RELOAD_INTERVAL_MS, so unknown kids cannot make every request query the store).
   */
  async resolve(kid: unknown): Promise<SigningKey | undefined> {
    const known = this.find(kid);
    if (known || typeof kid !== 'string') return known;
    if (!this.reloading) {
      if (this.clock() - this.lastReload < KEY_RELOAD_INTERVAL_MS) return undefined;
      this.reloading = this.reload().finally(() => {
        this.reloading = undefined;
      });
    }
    await this.reloading;
    return this.find(kid);
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
