import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface PortalRoutesOptions {
  /** the portal's build output (`web/dist`): `index.html` and `assets/` */
  root: string;
}

/** Fluent UI (Griffel) inserts `<style>` elements at run time, hence 'unsafe-inline' for styles and nothing else. */
export const PORTAL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.map', '.json', '.svg', '.txt']);

/** Vite's output names: `name-hash.ext`, flat in `assets/`. Anything else (a slash, a leading dot, `..`) is not an asset. */
const ASSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$/;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * The directory of the portal's build output for this installation: `web/dist` next to the
 * package.json that holds this module (from `src/server/` under vitest, from `dist/server/` when compiled).
 */
export function defaultPortalRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(from), '..', '..', 'web', 'dist');
    dir = parent;
  }
}

type Encoding = 'br' | 'gzip';

function preferredEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name!.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  if ((accepted.get('br') ?? 0) > 0) return 'br';
  if ((accepted.get('gzip') ?? 0) > 0) return 'gzip';
  return null;
}

/**
 * The portal: `GET /` (and `/index.html`) answers the single-page app's index with a strict
 * Content-Security-Policy; `GET /assets/<name>` answers a file of the build's `assets/` folder,
 * cached for a year (Vite's names carry a content hash). Nothing else under the root is reachable.
 * Without a build, `GET /` answers 503 telling the operator to build it.
 */
export async function portalRoutes(app: FastifyInstance, opts: PortalRoutesOptions): Promise<void> {
  const root = resolve(opts.root);
  const assetsDir = join(root, 'assets');
  /** compressed bodies of assets by encoding and path, with the size and mtime they were made from */
  const compressed = new Map<string, { size: number; mtime: number; body: Buffer }>();

  const sendIndex = async (_req: FastifyRequest, reply: FastifyReply) => {
    let html: Buffer;
    try {
      html = await readFile(join(root, 'index.html'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      return reply.code(503).headers({ ...COMMON_HEADERS, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' })
        .send(`The Tenantry portal is not built (${join(root, 'index.html')} is missing): run \`npm run build\` in the Tenantry directory, then reload.\n`);
    }
    return reply.code(200).headers({
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': PORTAL_CSP,
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
    }).send(html);
  };
  app.get('/', sendIndex);
  app.get('/index.html', sendIndex);

  app.get<{ Params: { '*': string } }>('/assets/*', async (req, reply) => {
    const name = req.params['*'];
    if (!ASSET_NAME.test(name) || name.includes('..')) return reply.callNotFound();
    const file = resolve(assetsDir, name);
    if (!file.startsWith(assetsDir + sep)) return reply.callNotFound();
    let real: string;
    let size: number;
    let mtime: number;
    try {
      // a symbolic link must not lead out of the assets folder either
      real = await realpath(file);
      const realAssets = await realpath(assetsDir);
      if (!real.startsWith(realAssets + sep)) return reply.callNotFound();
      const st = await stat(real);
      if (!st.isFile()) return reply.callNotFound();
      size = st.size;
      mtime = st.mtimeMs;
    } catch {
      return reply.callNotFound();
    }
    const ext = extname(name).toLowerCase();
    reply.headers({
      ...COMMON_HEADERS,
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    const body = await readFile(real);
    if (!COMPRESSIBLE.has(ext) || size < 1024) return reply.send(body);
    reply.header('vary', 'accept-encoding');
    const encoding = preferredEncoding(req.headers['accept-encoding']);
    if (!encoding) return reply.send(body);
    const key = `${encoding}:${real}`;
    let cached = compressed.get(key);
    if (!cached || cached.size !== size || cached.mtime !== mtime) {
      const out = encoding === 'br'
        ? await brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: size } })
        : await gzipAsync(body, { level: 9 });
      cached = { size, mtime, body: out };
      compressed.set(key, cached);
    }
    return reply.header('content-encoding', encoding).send(cached.body);
  });
}
