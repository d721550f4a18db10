// The comparison server for bench/token: oidc-provider 9 with one confidential client
// (client_secret_post), the client_credentials grant, and a resource indicator whose access tokens
// are JWTs signed with RS256. In-memory adapter (JWT access tokens are not stored at all).
//
//   node bench/token/oidc-provider-server.js --port P [--cert server.pem --key server-key.pem]
//   env BENCH_OIDC_CLIENT_ID, BENCH_OIDC_CLIENT_SECRET
//
// Listens on 127.0.0.1 only; HTTPS when --cert/--key are given (run.js passes Tenantry's local
// certificate, so both servers are measured over the same TLS setup), plain HTTP otherwise.
// Stops on SIGTERM/SIGINT, and by itself after --max-seconds (default 900) as a safety net.
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
  },
});
const port = Number(args.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('--port is required');
const secure = Boolean(args.cert && args.key);
const issuer = `${secure ? 'https' : 'http'}://localhost:${port}`;

export const RESOURCE = 'https://api.example';
const clientId = process.env.BENCH_OIDC_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_OIDC_CLIENT_SECRET ?? randomBytes(32).toString('base64url');

// RSA-2048 signing key, like Tenantry's token-signing key.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

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
