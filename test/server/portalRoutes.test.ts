import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPortalRoot, PORTAL_CSP, portalRoutes } from '../../src/server/portalRoutes.js';

/**
 * The portal's static files: index.html with its security headers, hashed assets, nothing else
 * under (or above) the build folder, and a 503 that says what to do when there is no build.
 */

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-Ab12_cD.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

let tmp: string;
let dist: string;
let app: FastifyInstance;
let base: string;

async function portal(root: string): Promise<FastifyInstance> {
  const a = Fastify({ logger: false });
  await a.register(portalRoutes, { root });
  return a;
}

/** Sends a request line exactly as written (no client-side normalisation of `..` or `%2e`). */
function rawGet(path: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { data += chunk; });
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data }));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tenantry-portal-'));
  dist = join(tmp, 'web', 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  mkdirSync(join(dist, 'assets', 'sub'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-Ab12_cD.js'), SCRIPT);
  writeFileSync(join(dist, 'assets', 'index-Zz9.css'), 'body{margin:0}');
  writeFileSync(join(dist, 'assets', 'logo-1.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, 'assets', 'sub', 'x.js'), 'nested');
  writeFileSync(join(dist, 'package.json'), '{"name":"secret-in-dist"}');
  writeFileSync(join(tmp, 'package.json'), '{"name":"secret-above"}');
  writeFileSync(join(tmp, 'outside.js'), 'outside');
  symlinkSync(join(tmp, 'outside.js'), join(dist, 'assets', 'link-1.js'));
  app = await portal(dist);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('portal index', () => {
  it.each(['/', '/index.html'])('GET %s serves index.html with the CSP and security headers', async (url) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(PORTAL_CSP);
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves the index for the redirect back from the authorization endpoint (query string)', async () => {
    const r = await app.inject({ method: 'GET', url: '/?code=abc&state=xyz&iss=https%3A%2F%2Flocalhost' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(INDEX);
  });

  it('answers HEAD', async () => {
    const r = await app.inject({ method: 'HEAD', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-security-policy']).toBe(PORTAL_CSP);
  });

  it('answers 503 with a plain-text hint when the portal is not built', async () => {
    const missing = await portal(join(tmp, 'nowhere', 'dist'));
    try {
      const r = await missing.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.body).toMatch(/npm run build/);
      expect((await missing.inject({ method: 'GET', url: '/assets/index-Ab12_cD.js' })).statusCode).toBe(404);
    } finally {
      await missing.close();
    }
  });
});

describe('portal assets', () => {
  it('serves a hashed asset with its content type and a long immutable cache', async () => {
    const r = await app.inject({ method: 'GET', url: '/assets/index-Ab12_cD.js' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(SCRIPT);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-encoding']).toBeUndefined();

    const css = await app.inject({ method: 'GET', url: '/assets/index-Zz9.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe('body{margin:0}');
    const svg = await app.inject({ method: 'GET', url: '/assets/logo-1.svg' });
    expect(svg.headers['content-type']).toBe('image/svg+xml');
  });

  it('compresses text assets for clients that accept it', async () => {
    const br = await app.inject({ method: 'GET', url: '/assets/index-Ab12_cD.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    const gz = await app.inject({ method: 'GET', url: '/assets/index-Ab12_cD.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    const none = await app.inject({ method: 'GET', url: '/assets/index-Ab12_cD.js', headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body).toBe(SCRIPT);
  });

  it.each([
    '/assets/missing-1.js',
    '/assets/',
    '/assets/sub',
    '/assets/sub/x.js',
    '/assets/.hidden',
    '/assets/link-1.js',
    '/package.json',
    '/assets/../package.json',
    '/assets/%2e%2e/package.json',
    '/assets/%2e%2e%2fpackage.json',
    '/assets/..%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/assets/..%5cpackage.json',
    '/assets/%00',
  ])('refuses %s with 404 (injected)', async (url) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toMatch(/secret|outside|nested/);
  });

  it.each([
    '/assets/../package.json',
    '/assets/../../package.json',
    '/assets/%2e%2e/package.json',
    '/assets/%2e%2e%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/./../package.json',
    '/assets//etc/passwd',
    '/assets/%2fetc%2fpasswd',
  ])('refuses %s with 404 (raw request line)', async (path) => {
    const r = await rawGet(path);
    expect(r.status).toBe(404);
    expect(r.text).not.toMatch(/secret|outside|root:/);
  });

  it('a raw request for a real asset is served', async () => {
    const r = await rawGet('/assets/index-Zz9.css');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/body\{margin:0\}/);
  });
});

describe('defaultPortalRoot', () => {
  it('is web/dist beside the package.json above the module', () => {
    mkdirSync(join(tmp, 'dist', 'server'), { recursive: true });
    expect(defaultPortalRoot(join(tmp, 'dist', 'server', 'app.js'))).toBe(join(tmp, 'web', 'dist'));
    expect(defaultPortalRoot()).toMatch(/[/\\]web[/\\]dist$/);
  });
});
