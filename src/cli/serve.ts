import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { buildApp, buildServices } from '../server/app.js';
import { ensureLocalTls } from '../server/tls.js';
import { createTenant } from '../directory/tenants.js';
import { listTenants } from '../store/repositories/tenants.js';
import { parseReportingThrottle, type ReportingThrottleConfig } from '../reporting/throttle.js';
import type { RetentionPolicy } from '../reporting/logs.js';
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
  reportingThrottle: string;
  retention: string;
  geoFile?: string;
  workers: string;
}

const PURGE_INTERVAL_MS = 10 * 60_000;

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
    .option('--geo-file <csv>', 'IP ranges to locations for sign-ins: cidr,city,state,countryOrRegion,latitude,longitude')
    .option('--retention <days>', 'days of sign-ins and audits kept: FREE/PREMIUM (Entra: 7/30)', '7/30')
    .option('--reporting-throttle <limits>', "activity-log requests per app per tenant N/SECONDS[,across tenants M/SECONDS], or 'off'", '5/10,122/10')
    .option('--workers <n>', "worker processes sharing the port ('auto' = one per CPU)", process.env.TENANTRY_WORKERS ?? '1')
    .option('--no-demo', 'do not create the demo tenant on first start')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', process.env.TENANTRY_LOG_LEVEL ?? 'info')
    .action(async (flags: ServeFlags) => serve(flags));
}

interface Settings {
  port: number;
  publicUrl: string;
  tokenLifetime: { min: number; max: number };
  reportingThrottle: ReportingThrottleConfig | 'off';
  retention: RetentionPolicy;
  workers: number;
}

function settings(flags: ServeFlags): Settings {
  const port = Number(flags.port);
  if (!/^\d{1,5}$/.test(flags.port) || port > 65535) throw new UsageError(`invalid --port '${flags.port}'`);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(flags.accessTokenLifetime);
  const min = Number(m?.[1]);
  const max = Number(m?.[2] ?? m?.[1]);
  if (!m || min < 5 || max < min || max > 1440) throw new UsageError(`invalid --access-token-lifetime '${flags.accessTokenLifetime}' (minutes, 5 to 1440, MIN or MIN-MAX)`);
  const reportingThrottle = parseReportingThrottle(flags.reportingThrottle);
  if (!reportingThrottle) throw new UsageError(`invalid --reporting-throttle '${flags.reportingThrottle}' (N/SECONDS or N/SECONDS,M/SECONDS with SECONDS 1 to 3600, or off)`);
  const r = /^(\d{1,5})\/(\d{1,5})$/.exec(flags.retention);
  const retention = { freeDays: Number(r?.[1]), premiumDays: Number(r?.[2]) };
  if (!r || retention.freeDays < 1 || retention.premiumDays < 1 || retention.freeDays > 36_500 || retention.premiumDays > 36_500) {
    throw new UsageError(`invalid --retention '${flags.retention}' (FREE/PREMIUM days, 1 to 36500 each, e.g. 7/30)`);
  }
  const workers = flags.workers === 'auto' ? availableParallelism() : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`invalid --workers '${flags.workers}' (1 to 64, or auto)`);
  const publicUrl = (flags.publicUrl ?? `${flags.http ? 'http' : 'https'}://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (!['http:', 'https:'].includes(u.protocol) || u.pathname !== '/' || u.search || u.hash) throw new Error('shape');
  } catch {
    throw new UsageError(`--public-url must be scheme://host[:port] with no path, got '${publicUrl}'`);
  }
  return { port, publicUrl, tokenLifetime: { min: min * 60, max: max * 60 }, reportingThrottle, retention, workers };
}

async function tlsMaterial(flags: ServeFlags, s: Settings, logger: Logger, announce: boolean): Promise<{ cert: string; key: string } | null> {
  if (flags.http) return null;
  if (flags.tlsCert && flags.tlsKey) return { cert: readFileSync(flags.tlsCert, 'utf8'), key: readFileSync(flags.tlsKey, 'utf8') };
  const host = new URL(s.publicUrl).hostname.replace(/^\[|\]$/g, '');
  const tls = await ensureLocalTls(resolve(dataDir(flags), 'tls'), host === 'localhost' ? [] : [host]);
  if (announce) {
    if (tls.created) logger.info(`created a local certificate authority: ${tls.caPath}`);
    logger.info(`clients must trust it: export NODE_EXTRA_CA_CERTS=${tls.caPath}  (Python: REQUESTS_CA_BUNDLE=${tls.caPath})`);
  }
  return { cert: tls.certPem, key: tls.keyPem };
}

async function serve(flags: ServeFlags): Promise<void> {
  const s = settings(flags);
  const logger = pino({ level: flags.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });
  if (cluster.isWorker) return runWorker(flags, s, logger);

  const https = await tlsMaterial(flags, s, logger, true);
  const store = await openConfiguredStore(flags);
  // keys, secrets and the demo tenant exist before any worker starts
  const services = await buildServices({ store, publicUrl: s.publicUrl });
  if (flags.demo && (await listTenants(store.db)).length === 0) {
    const demo = await createTenant(services.ctx, { domain: DEMO_DOMAIN, displayName: 'Tenantry Demo', license: 'P1', type: 'standard' }, 'tenantry serve');
    process.stdout.write(
      `\nDemo tenant created (shown once):\n  tenant id: ${demo.tenantId}\n  domain:    ${demo.domain}\n  admin:     ${demo.admin.userPrincipalName}\n  password:  ${demo.admin.password}\n\n`,
    );
  }
  if (s.workers === 1) return runServer(flags, s, logger, store, https, true);
  await store.close();
  return runPrimary(s, logger);
}

/**
 * When to start a replacement for a crashed worker: at once after a worker that ran for a while, but
 * after a worker that died within `windowMs` of its start, with exponential back-off (1 s, 2 s, 4 s, …
 * up to 30 s) per worker slot, so a worker that cannot start is not re-forked in a tight loop.
 */
export class RestartBackoff {
  private readonly failures = new Map<number, number>();

  constructor(readonly opts = { windowMs: 10_000, baseMs: 1_000, maxMs: 30_000 }) {}

  /** Milliseconds to wait before re-forking the worker of `slot`, which started at startedAt and exited at now. */
  delay(slot: number, startedAt: number, now: number): number {
    if (now - startedAt >= this.opts.windowMs) {
      this.failures.delete(slot);
      return 0;
    }
    const n = this.failures.get(slot) ?? 0;
    this.failures.set(slot, n + 1);
    return Math.min(this.opts.baseMs * 2 ** n, this.opts.maxMs);
  }
}

/** Several processes share the port (node:cluster); each has its own store connection. */
async function runPrimary(s: Settings, logger: Logger): Promise<void> {
  let stopping = false;
  let listening = 0;
  const backoff = new RestartBackoff();
  const slots = new Map<number, { slot: number; startedAt: number }>(); // by cluster worker id
  const timers = new Set<NodeJS.Timeout>();
  const fork = (slot: number) => {
    // slot 0 purges and refreshes statistics, whichever worker holds it after restarts
    const worker = cluster.fork({ TENANTRY_WORKER_SLOT: String(slot) });
    slots.set(worker.id, { slot, startedAt: Date.now() });
  };
  const exitIfNoWorkers = () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) {
      logger.info('stopped');
      process.exit(0);
    }
  };
  cluster.on('listening', () => {
    listening += 1;
    if (listening === s.workers) logger.info({ url: s.publicUrl, workers: s.workers }, `Tenantry ready at ${s.publicUrl} (portal: ${s.publicUrl}/)`);
  });
  cluster.on('exit', (worker, code, signal) => {
    const info = slots.get(worker.id) ?? { slot: 0, startedAt: 0 };
    slots.delete(worker.id);
    if (stopping) return exitIfNoWorkers();
    const delay = backoff.delay(info.slot, info.startedAt, Date.now());
    if (delay === 0) {
      logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
      fork(info.slot);
      return;
    }
    logger.error(
      { pid: worker.process.pid, code, signal, retryInMs: delay },
      `worker exited within ${backoff.opts.windowMs / 1000} s of its start; starting another in ${delay / 1000} s`,
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) fork(info.slot);
    }, delay);
    timers.add(timer);
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping ${s.workers} workers`);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    // every worker may already be gone (all waiting to be re-forked): no 'exit' would end the process
    exitIfNoWorkers();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < s.workers; i++) fork(i);
}

async function runWorker(flags: ServeFlags, s: Settings, logger: Logger): Promise<void> {
  try {
    const https = await tlsMaterial(flags, s, logger, false);
    const store = await openConfiguredStore(flags);
    await runServer(flags, s, logger, store, https, false);
  } catch (err) {
    // the IPC channel would keep a worker that failed to start alive, doing nothing: it exits, and the
    // primary starts another (with back-off)
    logger.fatal({ err }, `worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

async function runServer(flags: ServeFlags, s: Settings, logger: Logger, store: Awaited<ReturnType<typeof openConfiguredStore>>, https: { cert: string; key: string } | null, announce: boolean): Promise<void> {
  const { app, services } = await buildApp({
    store, publicUrl: s.publicUrl, https, logger, accessTokenLifetime: s.tokenLifetime, strictDirectoryRead: flags.strictDirectoryRead ?? false,
    reportingThrottle: s.reportingThrottle, retention: s.retention, geoFile: flags.geoFile,
  });
  // one process purges what is past retention, in small batches, so queries are never held up, and
  // refreshes the planner's statistics
  let purging: Promise<void> | undefined;
  const purge = () => {
    purging ??= services.logs.purgeExpired()
      .then((n) => { if (n > 0) logger.info({ deleted: n }, 'purged log records past retention'); })
      .then(() => services.authorize.purgeExpired())
      // and the planner's statistics, which a PostgreSQL server without autovacuum would never refresh
      .then(() => store.analyze())
      .catch((err: unknown) => { logger.error({ err }, 'retention purge failed'); })
      .finally(() => { purging = undefined; });
  };
  const purgeTimer = announce || process.env.TENANTRY_WORKER_SLOT === '0' ? setInterval(purge, PURGE_INTERVAL_MS) : undefined;
  purgeTimer?.unref();
  if (purgeTimer) setTimeout(purge, 30_000).unref();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    if (announce) logger.info(`${signal}: finishing in-flight requests`);
    try {
      if (purgeTimer) clearInterval(purgeTimer);
      await app.close();
      await purging;
      await store.close();
      if (announce) logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ host: flags.host, port: s.port });
  if (announce) logger.info({ url: s.publicUrl, store: store.engine }, `Tenantry ready at ${s.publicUrl} (portal: ${s.publicUrl}/)`);
}
