import { X509Certificate as NodeX509Certificate, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import type * as X509 from '@peculiar/x509';
import { CLOCK_SKEW_MS, addYears, loadX509, pemOf, randomSerialNumber, x509Crypto } from '../identity/certificate.js';

/** A local CA and a server certificate it issued, as PEM text and the files they live in. */
export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** true when this call created a new local CA (users have to trust `caPath` again). */
  created: boolean;
}

const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const CERT_FILE = 'server.pem';
const KEY_FILE = 'server-key.pem';

const CA_SUBJECT = 'CN=Tenantry Local CA';
const SERVER_SUBJECT = 'CN=localhost';
const CA_YEARS = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
const SERVER_VALIDITY_MS = 397 * DAY_MS;
/** Certificates closer than this to their expiry are replaced. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];

const ECDSA_P256: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

type SanName = { type: 'dns' | 'ip'; value: string };

interface LoadedCa {
  certPem: string;
  cert: NodeX509Certificate;
  x509: X509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
}

/**
 * Makes sure `dir` holds a local CA (`ca.pem`, `ca-key.pem`) and a server certificate issued by it
 * (`server.pem`, `server-key.pem`) for localhost, 127.0.0.1, ::1 and `hosts` (DNS names or IP literals).
 *
 * The first call creates everything (`created: true`). Later calls load the files; the server certificate
 * alone is re-issued — from the existing CA, so trust users gave it stays valid — when it is missing,
 * unreadable, not issued by the CA, does not match its key, expires within 30 days or lacks a requested
 * host (the new one keeps the names of the old one, so callers asking for different hosts don't make it
 * flap). The CA itself is only replaced when it is missing, unusable or expires within 30 days.
 *
 * Private keys are PKCS#8 PEM with mode 0600; every file is written to a temporary file in `dir` and
 * renamed over the old one, so a crash never leaves a half-written key or certificate behind. Calls for
 * the same directory are serialised within the process (not across processes).
 */
export async function ensureLocalTls(dir: string, hosts: string[] = []): Promise<TlsMaterial> {
  const root = path.resolve(dir);
  const wanted = uniqueNames([...DEFAULT_HOSTS, ...hosts].map(parseHost)); // validate before touching disk
  return serialised(root, () => ensure(root, wanted));
}

async function ensure(root: string, wanted: SanName[]): Promise<TlsMaterial> {
  const caPath = path.join(root, CA_FILE);
  const caKeyPath = path.join(root, CA_KEY_FILE);
  const certPath = path.join(root, CERT_FILE);
  const keyPath = path.join(root, KEY_FILE);

  if ((await mkdir(root, { recursive: true, mode: 0o700 })) !== undefined) await chmod(root, 0o700);

  let created = false;
  let ca = await loadCa(caPath, caKeyPath);
  if (!ca) {
    const fresh = await createCa();
    // key first: a crash in between leaves a CA certificate that does not match its key, which is replaced
    await writeAtomic(caKeyPath, fresh.keyPem, 0o600);
    await writeAtomic(caPath, fresh.certPem, 0o644);
    ca = fresh.ca;
    created = true;
  }

  const existing = created ? undefined : await loadServer(certPath, keyPath, ca);
  if (existing?.usable && wanted.every((n) => existing.names.some((e) => sameName(e, n)))) {
    return { caCertPem: ca.certPem, certPem: existing.certPem, keyPem: existing.keyPem, caPath, certPath, keyPath, created };
  }

  const names = uniqueNames([...wanted, ...(existing?.names ?? [])]);
  const server = await issueServerCertificate(ca, names);
  await writeAtomic(keyPath, server.keyPem, 0o600);
  await writeAtomic(certPath, server.certPem, 0o644);
  return { caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem, caPath, certPath, keyPath, created };
}

// ---------------------------------------------------------------------------------------------
// CA
// ---------------------------------------------------------------------------------------------

async function createCa(): Promise<{ ca: LoadedCa; certPem: string; keyPem: string }> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const signingAlgorithm: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: CA_SUBJECT,
      notBefore,
      notAfter: addYears(notBefore, CA_YEARS),
      keys,
      signingAlgorithm,
      extensions: [
        // pathLen 0: this CA only ever issues end-entity certificates
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  const certPem = pemOf(cert.rawData, 'CERTIFICATE');
  const keyPem = pemOf(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return {
    certPem,
    keyPem,
    ca: { certPem, cert: new NodeX509Certificate(certPem), x509: cert, signingKey: keys.privateKey, signingAlgorithm },
  };
}

/** The CA in the directory, or undefined when it has to be (re)created. Unreadable files are errors. */
async function loadCa(caPath: string, caKeyPath: string): Promise<LoadedCa | undefined> {
  const [certPem, keyPem] = await Promise.all([readOptional(caPath), readOptional(caKeyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;

  let cert: NodeX509Certificate;
  let key: KeyObject;
  try {
    cert = new NodeX509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch {
    return undefined; // corrupt: nothing to keep
  }
  if (!cert.ca || !cert.checkPrivateKey(key) || !validFor(cert, RENEW_BEFORE_MS)) return undefined;

  const x509 = await loadX509();
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  let signingKey: webcrypto.CryptoKey;
  let signingAlgorithm: LoadedCa['signingAlgorithm'];
  if (key.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new Error(`${caKeyPath}: unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'}`);
    signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    signingAlgorithm = { name: 'ECDSA', hash: curve === 'P-256' ? 'SHA-256' : curve === 'P-384' ? 'SHA-384' : 'SHA-512' };
  } else if (key.asymmetricKeyType === 'rsa') {
    signingAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, signingAlgorithm, false, ['sign']);
  } else {
    // not ours (we make P-256): refuse rather than silently replace a CA someone may trust
    throw new Error(`${caKeyPath}: unsupported CA key type ${key.asymmetricKeyType ?? '?'}`);
  }
  return { certPem, cert, x509: new x509.X509Certificate(cert.raw), signingKey, signingAlgorithm };
}

// ---------------------------------------------------------------------------------------------
// Server certificate
// ---------------------------------------------------------------------------------------------

interface LoadedServer {
  certPem: string;
  keyPem: string;
  /** issued by the CA, matches its key and is not about to expire */
  usable: boolean;
  /** SAN entries, normalised (empty when the certificate is not the CA's) */
  names: SanName[];
}

async function loadServer(certPath: string, keyPath: string, ca: LoadedCa): Promise<LoadedServer | undefined> {
  const [certPem, keyPem] = await Promise.all([readOptional(certPath), readOptional(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const cert = new NodeX509Certificate(certPem);
    if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) return { certPem, keyPem, usable: false, names: [] };
    const names = await sanNames(cert);
    const usable = cert.checkPrivateKey(createPrivateKey(keyPem)) && validFor(cert, RENEW_BEFORE_MS);
    return { certPem, keyPem, usable, names };
  } catch {
    return { certPem, keyPem, usable: false, names: [] }; // corrupt: re-issue
  }
}

async function issueServerCertificate(ca: LoadedCa, names: SanName[]): Promise<{ certPem: string; keyPem: string }> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  // never outlive the issuer
  const notAfter = new Date(Math.min(notBefore.getTime() + SERVER_VALIDITY_MS, ca.x509.notAfter.getTime()));
  const caKeyId = ca.x509.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: SERVER_SUBJECT,
      issuer: ca.x509.subjectName,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: ca.signingKey,
      signingAlgorithm: ca.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(names, false),
        caKeyId
          ? new x509.AuthorityKeyIdentifierExtension(caKeyId, false)
          : await x509.AuthorityKeyIdentifierExtension.create(ca.x509.publicKey, false, x509Crypto),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  return {
    certPem: pemOf(cert.rawData, 'CERTIFICATE'),
    keyPem: pemOf(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
  };
}

async function sanNames(cert: NodeX509Certificate): Promise<SanName[]> {
  const x509 = await loadX509();
  const san = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectAlternativeNameExtension);
  const out: SanName[] = [];
  for (const item of san?.names.items ?? []) {
    if (item.type !== 'dns' && item.type !== 'ip') continue;
    try {
      out.push(parseHost(item.value));
    } catch {
      // a name we would not issue ourselves: ignore it
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Host names
// ---------------------------------------------------------------------------------------------

const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A SAN entry for `host`: an IP literal (IPv6 optionally in brackets) or a DNS name (IDN and `*.` allowed). */
function parseHost(host: string): SanName {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const family = isIP(h);
  if (family === 4) return { type: 'ip', value: h };
  if (family === 6) {
    if (h.includes('%')) throw new TypeError(`TLS host ${JSON.stringify(host)}: zone identifiers cannot be certified`);
    return { type: 'ip', value: new URL(`http://[${h}]/`).hostname.slice(1, -1) }; // canonical, compressed form
  }
  const wildcard = h.startsWith('*.');
  const ascii = domainToASCII((wildcard ? h.slice(2) : h).replace(/\.$/, '').toLowerCase());
  const labels = ascii.split('.');
  if (!ascii || isIP(ascii) || ascii.length > 253 - (wildcard ? 2 : 0) || !labels.every((l) => DNS_LABEL.test(l))) {
    throw new TypeError(`TLS host ${JSON.stringify(host)} is neither a DNS name nor an IP address`);
  }
  return { type: 'dns', value: wildcard ? `*.${ascii}` : ascii };
}

function sameName(a: SanName, b: SanName): boolean {
  return a.type === b.type && a.value === b.value;
}

function uniqueNames(names: SanName[]): SanName[] {
  return names.filter((n, i) => names.findIndex((m) => sameName(m, n)) === i);
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

function validFor(cert: NodeX509Certificate, ms: number): boolean {
  const now = Date.now();
  return Date.parse(cert.validFrom) <= now + CLOCK_SKEW_MS && Date.parse(cert.validTo) - now > ms;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` to a temporary file next to `file`, flushes it and renames it over `file`. */
async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data, 'utf8');
      await fh.chmod(mode); // open()'s mode went through the umask; make it exact
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(path.dirname(file));
}

/** Persists the rename itself (best effort: not every platform can fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // ignore
  }
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after any earlier call for the same directory has settled. */
async function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}
