import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadX509 } from '../../src/identity/certificate.js';
import { ensureLocalTls, type TlsMaterial } from '../../src/server/tls.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const posix = process.platform !== 'win32';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'tenantry-tls-')), 'tls');
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(path.dirname(dir), { recursive: true, force: true });
});

async function withServer<T>(material: TlsMaterial, fn: (port: number) => Promise<T>): Promise<T> {
  const server = https.createServer({ cert: material.certPem, key: material.keyPem }, (_req, res) => {
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** GETs https://<host>:<port>/ (localhost forced to IPv4, where the server listens). */
function get(host: string, port: number, options: https.RequestOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port, path: '/', family: 4, agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function san(pem: string): string {
  return new X509Certificate(pem).subjectAltName ?? '';
}

describe('ensureLocalTls', () => {
  it('creates a CA and a server certificate that Node clients trust for localhost and 127.0.0.1', async () => {
    const material = await ensureLocalTls(dir);
    expect(material.created).toBe(true);
    expect(material.caPath).toBe(path.join(dir, 'ca.pem'));
    expect(material.certPath).toBe(path.join(dir, 'server.pem'));
    expect(material.keyPath).toBe(path.join(dir, 'server-key.pem'));
    expect(await readFile(material.caPath, 'utf8')).toBe(material.caCertPem);
    expect(await readFile(material.certPath, 'utf8')).toBe(material.certPem);
    expect(await readFile(material.keyPath, 'utf8')).toBe(material.keyPem);
    expect(material.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(path.join(dir, 'ca-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // nothing left behind by the atomic writes
    expect((await readdir(dir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'server-key.pem', 'server.pem']);

    expect(() => tls.createSecureContext({ cert: material.certPem, key: material.keyPem })).not.toThrow();

    await withServer(material, async (port) => {
      await expect(get('localhost', port, { ca: material.caCertPem })).resolves.toBe('ok');
      await expect(get('127.0.0.1', port, { ca: material.caCertPem })).resolves.toBe('ok');
      // without the CA the chain is untrusted
      await expect(get('localhost', port)).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED/) });
      await expect(get('127.0.0.1', port)).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED/) });
      // with the CA, but for a name the certificate does not carry
      await expect(get('127.0.0.1', port, { ca: material.caCertPem, servername: 'example.com' })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    });
  });

  it('issues certificates with the expected names and extensions', async () => {
    const { caCertPem, certPem, keyPem } = await ensureLocalTls(dir);
    const ca = new X509Certificate(caCertPem);
    const cert = new X509Certificate(certPem);

    expect(ca.subject).toBe('CN=Tenantry Local CA');
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyType).toBe('ec');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.verify(ca.publicKey)).toBe(true);
    const caYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365.25 * DAY_MS);
    expect(caYears).toBeCloseTo(10, 1);

    expect(cert.subject).toBe('CN=localhost');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node reports the extended key usage here
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(san(certPem)).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(397 * DAY_MS);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);

    // critical flags and key identifiers, as parsed by @peculiar/x509
    const x509 = await loadX509();
    const pca = new x509.X509Certificate(caCertPem);
    const pcert = new x509.X509Certificate(certPem);
    const caBasic = pca.getExtension(x509.BasicConstraintsExtension)!;
    expect([caBasic.ca, caBasic.critical]).toEqual([true, true]);
    const caUsage = pca.getExtension(x509.KeyUsagesExtension)!;
    expect([caUsage.usages, caUsage.critical]).toEqual([x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true]);
    const usage = pcert.getExtension(x509.KeyUsagesExtension)!;
    expect([usage.usages, usage.critical]).toEqual([x509.KeyUsageFlags.digitalSignature, true]);
    expect(pcert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    const ski = pca.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(pcert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(ski);
    expect(pcert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  it.skipIf(!posix)('keeps private keys at mode 0600 in a 0700 directory', async () => {
    const material = await ensureLocalTls(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(material.keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(material.caPath)).mode & 0o777).toBe(0o644);
    expect((await stat(material.certPath)).mode & 0o777).toBe(0o644);
  });

  it('reuses the files on later calls', async () => {
    const first = await ensureLocalTls(dir);
    const second = await ensureLocalTls(dir);
    expect(second.created).toBe(false);
    expect(second).toEqual({ ...first, created: false });
    // a subset of the hosts already present is no reason to re-issue
    const third = await ensureLocalTls(dir, ['LOCALHOST', '[::1]', '127.0.0.1']);
    expect(third.certPem).toBe(first.certPem);
  });

  it('concurrent first calls agree on one CA', async () => {
    const [a, b] = await Promise.all([ensureLocalTls(dir), ensureLocalTls(dir)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(b.caCertPem).toBe(a.caCertPem);
    expect(b.certPem).toBe(a.certPem);
    expect(await readFile(a.caPath, 'utf8')).toBe(a.caCertPem);
  });

  it('re-issues only the server certificate when a new host is requested', async () => {
    const first = await ensureLocalTls(dir, ['tenantry.test']);
    const caKey = await readFile(path.join(dir, 'ca-key.pem'), 'utf8');

    const second = await ensureLocalTls(dir, ['id.tenantry.test', '10.1.2.3', '[fd00::1]', 'Bücher.example']);
    expect(second.created).toBe(false);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(await readFile(path.join(dir, 'ca-key.pem'), 'utf8')).toBe(caKey);
    expect(second.certPem).not.toBe(first.certPem);
    expect(second.keyPem).not.toBe(first.keyPem);

    const cert = new X509Certificate(second.certPem);
    expect(cert.checkIssued(new X509Certificate(first.caCertPem))).toBe(true);
    expect(cert.checkHost('id.tenantry.test')).toBe('id.tenantry.test');
    expect(cert.checkHost('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(cert.checkHost('tenantry.test')).toBe('tenantry.test'); // earlier names are kept
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(cert.checkIP('fd00::1')).toBe('fd00::1');
    expect(cert.checkHost('localhost')).toBe('localhost');

    // asking again for any of them is satisfied by the new certificate
    const third = await ensureLocalTls(dir, ['10.1.2.3', 'tenantry.test']);
    expect(third.certPem).toBe(second.certPem);

    await withServer(second, async (port) => {
      await expect(get('127.0.0.1', port, { ca: first.caCertPem, servername: 'id.tenantry.test' })).resolves.toBe('ok');
    });
  });

  it('re-issues a server certificate that is missing, broken or about to expire, keeping the CA', async () => {
    const first = await ensureLocalTls(dir);

    await unlink(first.certPath);
    const missing = await ensureLocalTls(dir);
    expect(missing.created).toBe(false);
    expect(missing.caCertPem).toBe(first.caCertPem);
    expect(missing.certPem).not.toBe(first.certPem);

    // a key that does not belong to the certificate (e.g. a crash between the two renames)
    await writeFile(missing.keyPath, first.keyPem);
    const mismatched = await ensureLocalTls(dir);
    expect(mismatched.caCertPem).toBe(first.caCertPem);
    expect(new X509Certificate(mismatched.certPem).checkPrivateKey(createPrivateKey(mismatched.keyPem))).toBe(true);

    await writeFile(mismatched.certPath, 'garbage');
    const garbage = await ensureLocalTls(dir);
    expect(garbage.caCertPem).toBe(first.caCertPem);
    expect(() => new X509Certificate(garbage.certPem)).not.toThrow();

    // 380 days later the 397-day certificate has less than 30 days left
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 380 * DAY_MS);
    const later = await ensureLocalTls(dir);
    expect(later.created).toBe(false);
    expect(later.caCertPem).toBe(first.caCertPem);
    expect(later.certPem).not.toBe(garbage.certPem);
    expect(Date.parse(new X509Certificate(later.certPem).validTo)).toBeGreaterThan(Date.now() + 300 * DAY_MS);
  });

  it('replaces a CA whose key is missing', async () => {
    const first = await ensureLocalTls(dir);
    await unlink(path.join(dir, 'ca-key.pem'));
    const second = await ensureLocalTls(dir);
    expect(second.created).toBe(true);
    expect(second.caCertPem).not.toBe(first.caCertPem);
    expect(new X509Certificate(second.certPem).checkIssued(new X509Certificate(second.caCertPem))).toBe(true);
  });

  it('rejects hosts that are neither DNS names nor IP addresses', async () => {
    await expect(ensureLocalTls(dir, ['not a host'])).rejects.toThrow(TypeError);
    await expect(ensureLocalTls(dir, ['-bad.example'])).rejects.toThrow(TypeError);
    await expect(ensureLocalTls(dir, ['fe80::1%eth0'])).rejects.toThrow(TypeError);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' }); // validated before anything is written
  });
});
