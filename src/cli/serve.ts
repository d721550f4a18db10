import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import { buildApp } from '../server/app.js';
import { ensureLocalTls } from '../server/tls.js';
import { createTenant } from '../directory/tenants.js';
import { listTenants } from '../store/repositories/tenants.js';
import { dataDir, openConfiguredStore, UsageError, type StoreFlags } from './options.js';

interface ServeFlags extends StoreFlags {
  host: string;
  port: string;
  publicUrl?: string;
  http?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  demo: boolean;
  logLevel: string;
  accessTokenLifetime: string;
  strictDirectoryRead?: boolean;
}

export const DEMO_DOMAIN = 'demo.tenantry.test';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the identity service and Graph API')
    .option('--data <dir>', 'data directory: SQLite store and TLS files', undefined)
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .option('--host <host>', 'address to listen on', process.env.TENANTRY_HOST ?? 'localhost')
    .option('--port <port>', 'port to listen on', process.env.TENANTRY_PORT ?? '8443')
    .option('--public-url <url>', 'base URL clients use (issuer, links); default https://localhost:<port>')
    .option('--http', 'serve plain HTTP (Microsoft clients require HTTPS; for use behind a TLS proxy)')
    .option('--tls-cert <file>', 'PEM certificate instead of the local CA')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--access-token-lifetime <minutes>', 'access-token lifetime in minutes, MIN or MIN-MAX', '60-90')
    .option('--strict-directory-read', 'also require Directory.Read.All for sign-ins')
    .option('--no-demo', 'do not create the demo tenant on first start')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', process.env.TENANTRY_LOG_LEVEL ?? 'info')
    .action(async (flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port '${flags.port}'`);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(flags.accessTokenLifetime);
  const min = Number(m?.[1]);
  const max = Number(m?.[2] ?? m?.[1]);
  if (!m || min < 5 || max < min || max > 1440) throw new UsageError(`invalid --access-token-lifetime '${flags.accessTokenLifetime}' (minutes, 5 to 1440, MIN or MIN-MAX)`);
  const scheme = flags.http ? 'http' : 'https';
  const publicUrl = (flags.publicUrl ?? `${scheme}://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.pathname !== '/' || u.search || u.hash) throw new Error('path');
  } catch {
    throw new UsageError(`--public-url must be scheme://host[:port] with no path, got '${publicUrl}'`);
  }
  const logger = pino({ level: flags.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });
  const dir = dataDir(flags);
  let https: { cert: string; key: string } | null = null;
  if (!flags.http) {
    if (flags.tlsCert && flags.tlsKey) {
      https = { cert: readFileSync(flags.tlsCert, 'utf8'), key: readFileSync(flags.tlsKey, 'utf8') };
    } else {
      const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
      const tls = await ensureLocalTls(resolve(dir, 'tls'), host === 'localhost' ? [] : [host]);
      https = { cert: tls.certPem, key: tls.keyPem };
      if (tls.created) logger.info(`created a local certificate authority: ${tls.caPath}`);
      logger.info(`clients must trust it: export NODE_EXTRA_CA_CERTS=${tls.caPath}  (Python: REQUESTS_CA_BUNDLE=${tls.caPath})`);
    }
  }
  const store = await openConfiguredStore(flags);
  const { app, services } = await buildApp({
    store, publicUrl, https, logger,
    accessTokenLifetime: { min: min * 60, max: max * 60 },
    strictDirectoryRead: flags.strictDirectoryRead ?? false,
  });

  if (flags.demo && (await listTenants(store.db)).length === 0) {
    const demo = await createTenant(services.ctx, { domain: DEMO_DOMAIN, displayName: 'Tenantry Demo', license: 'P1', type: 'standard' }, 'tenantry serve');
    process.stdout.write(
      `\nDemo tenant created (shown once):\n  tenant id: ${demo.tenantId}\n  domain:    ${demo.domain}\n  admin:     ${demo.admin.userPrincipalName}\n  password:  ${demo.admin.password}\n\n`,
    );
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal}: finishing in-flight requests`);
    try {
      await app.close();
      await store.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: flags.host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  logger.info({ url: publicUrl, port: actualPort, store: store.engine }, `Tenantry ready at ${publicUrl}`);
}
