// The comparison server for bench/token: oidc-provider 9 with one confidential client
// (client_secret_post), the client_credentials grant, and a resource indicator whose access tokens
// are JWTs signed with RS256. In-memory adapter (JWT access tokens are not stored at all).
//
//   node bench/token/oidc-provider-server.js --port P [--cert server.pem --key server-key.pem] [--workers N]
//   env BENCH_OIDC_CLIENT_ID, BENCH_OIDC_CLIENT_SECRET
//
// --workers N > 1 runs N processes behind node:cluster (shared port, same signing key), for a
// comparison against `tenantry serve --workers N`.
// Listens on 127.0.0.1 only; HTTPS when --cert/--key are given (run.js passes Tenantry's local
// certificate, so both servers are measured over the same TLS setup), plain HTTP otherwise.
// Stops on SIGTERM/SIGINT, and by itself after --max-seconds (default 900) as a safety net.
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'max-seconds': { type: 'string', default: '900' },
    workers: { type: 'string', default: '1' },
  },
});
const workers = Number(args.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error('--workers must be 1 to 64');
const port = Number(args.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('--port is required');
const secure = Boolean(args.cert && args.key);
const issuer = `${secure ? 'https' : 'http'}://localhost:${port}`;

export const RESOURCE = 'https://api.example';
const clientId = process.env.BENCH_OIDC_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_OIDC_CLIENT_SECRET ?? randomBytes(32).toString('base64url');

// RSA-2048 signing key, like Tenantry's token-signing key; shared with cluster workers.
let jwk;
if (process.env.BENCH_OIDC_JWK) {
  jwk = JSON.parse(process.env.BENCH_OIDC_JWK);
} else {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };
}

if (workers > 1 && cluster.isPrimary) {
  const env = { BENCH_OIDC_JWK: JSON.stringify(jwk), BENCH_OIDC_CLIENT_ID: clientId, BENCH_OIDC_CLIENT_SECRET: clientSecret };
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork(env);
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(`worker ${w.process.pid} exited (${code ?? signal}); stopping`);
      process.exit(1);
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stopAll = (why) => {
    console.log(`stopping: ${why}`);
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
  setTimeout(() => stopAll('--max-seconds elapsed'), Number(args['max-seconds']) * 1000).unref();
} else {
  serve();
}

function serve() {

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'api:read', audience: RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // no adapter: oidc-provider's in-memory adapter (JWT access tokens are never written to it)
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));

  const callback = provider.callback();
  const server = secure
    ? https.createServer({ cert: readFileSync(args.cert), key: readFileSync(args.key) }, callback)
    : http.createServer(callback);

  const stop = (why) => {
    console.log(`stopping: ${why}`);
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  setTimeout(() => stop('--max-seconds elapsed'), Number(args['max-seconds']) * 1000).unref();

  server.listen(port, '127.0.0.1', () => {
    console.log(JSON.stringify({ ready: true, issuer, port, tokenEndpoint: `${issuer}/token`, jwks: `${issuer}/jwks` }));
  });
}
