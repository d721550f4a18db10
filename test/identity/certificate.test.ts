import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { SignJWT, importPKCS8, importX509, jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNING_SUBJECT, createSigningKey, thumbprintOf } from '../../src/identity/certificate.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;

describe('createSigningKey', () => {
  it('creates an RS256 key whose tokens verify with the certificate public key', async () => {
    const key = await createSigningKey();
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);

    const privateKey = await importPKCS8(key.privateKeyPem, 'RS256');
    const token = await new SignJWT({ tid: 'tenant', oid: 'user' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, x5t: key.kid })
      .setIssuer('https://login.example/tenant/v2.0')
      .setAudience('api://test')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

    const cert = new X509Certificate(key.certificatePem);
    const { payload, protectedHeader } = await jwtVerify(token, cert.publicKey, {
      issuer: 'https://login.example/tenant/v2.0',
      audience: 'api://test',
      algorithms: ['RS256'],
    });
    expect(payload.oid).toBe('user');
    expect(protectedHeader.kid).toBe(key.kid);
    expect(decodeProtectedHeader(token).x5t).toBe(thumbprintOf(key.certificatePem));

    // verifiers that trust the certificate itself (x5c) get the same key
    await expect(jwtVerify(token, await importX509(key.certificatePem, 'RS256'))).resolves.toBeTruthy();
  });

  it('kid is the base64url SHA-1 thumbprint of the certificate DER, x5c the base64 DER', async () => {
    const key = await createSigningKey();
    const cert = new X509Certificate(key.certificatePem);
    expect(thumbprintOf(key.certificatePem)).toBe(key.kid);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(key.kid).toBe(createHash('sha1').update(cert.raw).digest('base64url'));
    expect(Buffer.from(key.x5c, 'base64').equals(cert.raw)).toBe(true);
    expect(thumbprintOf(key.x5c)).toBe(key.kid);
    // the colon-hex fingerprint Node prints is the same digest
    expect(Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url')).toBe(key.kid);
  });

  it('makes a self-signed RSA-2048 certificate valid for five years', async () => {
    const key = await createSigningKey();
    const cert = new X509Certificate(key.certificatePem);
    expect(cert.subject).toBe(DEFAULT_SIGNING_SUBJECT);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.checkPrivateKey(createPrivateKey(key.privateKeyPem))).toBe(true);
    const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    expect(lifetime).toBeGreaterThanOrEqual(5 * YEAR_MS);
    expect(lifetime).toBeLessThan(5 * YEAR_MS + 3 * 24 * 3600 * 1000);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it('each key is distinct', async () => {
    const [a, b] = await Promise.all([createSigningKey(), createSigningKey()]);
    expect(a.kid).not.toBe(b.kid);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
  });

  it('accepts a custom subject, as a distinguished name or a bare common name', async () => {
    const dn = new X509Certificate((await createSigningKey('CN=contoso signing, O=Contoso')).certificatePem);
    expect(dn.subject.split('\n')).toEqual(expect.arrayContaining(['CN=contoso signing', 'O=Contoso']));
    const bare = new X509Certificate((await createSigningKey('Fabrikam, Inc. signing')).certificatePem);
    // one CN containing a comma (Node escapes it when printing)
    expect(bare.subject).toBe('CN=Fabrikam\\, Inc. signing');
    await expect(createSigningKey('  ')).rejects.toThrow(TypeError);
  });
});
