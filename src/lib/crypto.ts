import { createHash, createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // node's scrypt runs on the libuv thread pool: the event loop stays free.
    scrypt(password, salt, keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** scrypt$N$r$p$salt$hash (base64url) */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A fixed hash to verify against when the user does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  if (Number(n) !== SCRYPT.N || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p) return false;
  const expected = Buffer.from(keyB64, 'base64url');
  const key = await scryptAsync(password, Buffer.from(saltB64, 'base64url'), expected.length);
  return timingSafeEqual(key, expected);
}

/**
 * Client secrets carry ~240 bits of entropy (40 characters from a 66-character alphabet) and refresh
 * tokens more, so a keyed HMAC-SHA-256 (pepper kept in the store, apart from the hashes) is enough
 * and costs no KDF CPU per token request.
 */
export function hashToken(pepper: string, value: string): string {
  return createHmac('sha256', pepper).update(value, 'utf8').digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-';

/** 40 characters from a 66-character alphabet (~240 bits), the shape of Entra's secretText. */
export function generateClientSecret(): string {
  const out: string[] = [];
  while (out.length < 40) {
    for (const b of randomBytes(64)) {
      // rejection sampling keeps the distribution uniform
      if (b < 256 - (256 % SECRET_ALPHABET.length)) {
        out.push(SECRET_ALPHABET[b % SECRET_ALPHABET.length]!);
        if (out.length === 40) break;
      }
    }
  }
  return out.join('');
}

export function generatePassword(): string {
  // four groups of random characters: letters, digits and a symbol, easy to copy
  const raw = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
  return `${raw.slice(0, 8)}-${raw.slice(8)}!9`;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export const newId = (): string => randomUUID();
