import {
  X509Certificate as NodeX509Certificate,
  createHash,
  generateKeyPair,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** Token-signing key material in the shapes Entra publishes it (JWKS `kid`, `x5t`, `x5c`). */
export interface SigningKeyMaterial {
  /** base64url SHA-1 thumbprint of the certificate DER: Entra uses it as both `kid` and `x5t`. */
  kid: string;
  /** RSA-2048 private key, PKCS#8 PEM. */
  privateKeyPem: string;
  /** Self-signed X.509 certificate, PEM. */
  certificatePem: string;
  /** Certificate DER, standard base64 (the `x5c` JWK member). */
  x5c: string;
}

export const DEFAULT_SIGNING_SUBJECT = 'CN=Tenantry token signing';

const SIGNING_CERT_YEARS = 5;
/** Certificates are back-dated a little so a verifier whose clock lags ours still accepts them. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const RS256: webcrypto.RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

// ---------------------------------------------------------------------------------------------
// @peculiar/x509 loader
// ---------------------------------------------------------------------------------------------

export type X509Module = typeof x509;
/**
 * Node's webcrypto as the `Crypto` @peculiar/x509's declarations ask for. It is the same object; the cast
 * only keeps this compiling should the DOM lib (whose `Crypto` declaration differs from Node's) be enabled.
 */
export const x509Crypto = webcrypto as unknown as NonNullable<Parameters<X509Module['X509CertificateGenerator']['create']>[1]>;

/** @peculiar/x509 (through tsyringe) needs the Reflect metadata API, which reflect-metadata provides. */
export function loadX509(): Promise<X509Module> {
  return Promise.resolve(x509);
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/** A random positive serial number of exactly `bytes` octets (hex), as the CA/B forum recommends (≥64 bits). */
export function randomSerialNumber(bytes = 16): string {
  const serial = randomBytes(bytes);
  // clear the sign bit (positive INTEGER) and keep the first octet non-zero (minimal DER, full length)
  serial[0] = (serial[0]! & 0x7f) || 0x01;
  return serial.toString('hex');
}

/** `base` plus `years` calendar years (UTC). */
export function addYears(base: Date, years: number): Date {
  const d = new Date(base.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

export function pemOf(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function generateRsaKeyPair(modulusLength: number): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  // node's generateKeyPair runs on the libuv thread pool, so the event loop stays responsive
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ publicKey, privateKey }),
    );
  });
}

function subjectName(subject: string): string | x509.JsonName {
  const trimmed = subject.trim();
  if (!trimmed) throw new TypeError('certificate subject must not be empty');
  // "CN=…, O=…" is a distinguished name; anything else is taken as a plain common name (commas and all)
  return /^[A-Za-z][A-Za-z0-9-]*\s*=|^\d+(\.\d+)+\s*=/.test(trimmed) ? trimmed : [{ CN: [trimmed] }];
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Creates a token-signing key: RSA-2048 for RS256 (RSASSA-PKCS1-v1_5 with SHA-256) and a self-signed
 * certificate valid for five years, like the certificates Entra publishes in its JWKS.
 * `subject` is a distinguished name ("CN=…, O=…") or a bare common name.
 */
export async function createSigningKey(subject: string = DEFAULT_SIGNING_SUBJECT): Promise<SigningKeyMaterial> {
  const name = subjectName(subject);
  const [x509, rsa] = await Promise.all([loadX509(), generateRsaKeyPair(2048)]);

  const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
  const spki = rsa.publicKey.export({ type: 'spki', format: 'der' });
  const keys: webcrypto.CryptoKeyPair = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, RS256, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, RS256, true, ['verify']),
  };

  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name,
      notBefore,
      notAfter: addYears(notBefore, SIGNING_CERT_YEARS),
      keys,
      signingAlgorithm: RS256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );

  const der = Buffer.from(cert.rawData);
  return {
    kid: sha1Base64url(der),
    privateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificatePem: pemOf(der, 'CERTIFICATE'),
    x5c: der.toString('base64'),
  };
}

/**
 * base64url SHA-1 of the certificate's DER: Entra's `x5t`, which it also uses as the `kid`.
 * Takes a PEM certificate (the first one if several); a bare base64 DER (an `x5c` entry) works too.
 */
export function thumbprintOf(certificatePem: string): string {
  const input = certificatePem.includes('-----BEGIN') ? certificatePem : Buffer.from(certificatePem.trim(), 'base64');
  return sha1Base64url(new NodeX509Certificate(input).raw);
}

function sha1Base64url(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('base64url');
}
