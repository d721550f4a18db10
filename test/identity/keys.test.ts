import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSigningKey } from '../../src/identity/certificate.js';
import { KEY_RELOAD_INTERVAL_MS, KeyStore } from '../../src/identity/keys.js';
import * as keysRepo from '../../src/store/repositories/keys.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

/** Signing keys shared by every process on one store, when another process adds one. */

async function addKey(ts: TestStore, createdAt: number, kid?: string): Promise<string> {
  const m = await createSigningKey();
  const row = { kid: kid ?? m.kid, private_key_pem: m.privateKeyPem, certificate_pem: m.certificatePem, created_at: createdAt, status: 'active' as const };
  await keysRepo.insertSigningKey(ts.store.db, row);
  return row.kid;
}

describe('KeyStore', () => {
  let ts: TestStore;
  let now: number;
  const clock = () => now;
  beforeEach(async () => {
    ts = await createTestStore();
    now = 1_000_000;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await ts?.cleanup();
  });

  it('finds a key another process created once it reloads (at most once per interval), and then agrees on the active key', async () => {
    // two servers started on one empty store: each created an active key
    const a = await KeyStore.open(ts.store, 1_000, clock);
    const otherKid = await addKey(ts, 2_000);
    const b = await KeyStore.open(ts.store, 2_000, clock);
    expect(b.active.kid).toBe(otherKid); // the newest
    expect(a.active.kid).not.toBe(otherKid);

    // find() stays synchronous and only knows what is loaded
    expect(a.find(otherKid)).toBeUndefined();
    now += KEY_RELOAD_INTERVAL_MS - 1;
    expect(await a.resolve(otherKid)).toBeUndefined(); // too soon after the last load
    now += 1;
    expect((await a.resolve(otherKid))?.kid).toBe(otherKid);
    expect(a.find(otherKid)?.kid).toBe(otherKid);
    expect(a.active.kid).toBe(b.active.kid);
    expect(a.jwks().keys.map((k) => k.kid).sort()).toEqual(b.jwks().keys.map((k) => k.kid).sort());
  });

  it('unknown kids cause one shared reload per interval, however many arrive', async () => {
    const ks = await KeyStore.open(ts.store, 1_000, clock);
    const reload = vi.spyOn(ks, 'reload');
    now += KEY_RELOAD_INTERVAL_MS;
    const found = await Promise.all(Array.from({ length: 20 }, (_, i) => ks.resolve(`unknown-${i}`)));
    expect(found.every((k) => k === undefined)).toBe(true);
    expect(reload).toHaveBeenCalledTimes(1);
    expect(await ks.resolve('unknown-again')).toBeUndefined();
    expect(reload).toHaveBeenCalledTimes(1);
    // a known kid and a non-string never reload
    now += KEY_RELOAD_INTERVAL_MS;
    expect((await ks.resolve(ks.active.kid))?.kid).toBe(ks.active.kid);
    expect(await ks.resolve(undefined)).toBeUndefined();
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('the active key is the newest by created_at, ties broken by kid, whatever order the store returns', async () => {
    // same created_at; inserted in the opposite order of their kids ('Z' < 'a' by code unit)
    await addKey(ts, 5_000, 'abc-key');
    await addKey(ts, 5_000, 'Zed-key');
    await addKey(ts, 4_000, 'AAA-older');
    const a = await KeyStore.open(ts.store, 6_000, clock);
    const b = await KeyStore.open(ts.store, 6_000, clock);
    expect(a.active.kid).toBe('Zed-key');
    expect(b.active.kid).toBe('Zed-key');
  });
});
