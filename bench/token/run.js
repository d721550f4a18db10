// bench/token: client_credentials tokens/s and latency at the token endpoint, Tenantry against
// oidc-provider (JWT/RS256 access tokens) in the same run, plus proof that Tenantry recorded a
// servicePrincipal sign-in for every token it issued.
//
//   npm run build && npm run bench:token
//
// Environment:
//   BENCH_DURATION=15        seconds of measurement per server
//   BENCH_WARMUP=3           seconds of warm-up per server (not measured, but verified)
//   BENCH_CONNECTIONS=50     concurrent connections (the issue's figure is 50)
//   BENCH_HTTP=1             plain HTTP for both servers (default: HTTPS for both, Tenantry's local CA)
//   BENCH_DATABASE_URL=postgres://…   Tenantry on PostgreSQL (default: SQLite in a fresh temp dir)
//   BENCH_TENANTRY_LOG_LEVEL=info     Tenantry's --log-level (default: its own default, info)
//   BENCH_ONLY=tenantry|oidc-provider run one side only (no ratio)
//   BENCH_TENANTRY_WORKERS=N|auto     Tenantry's `serve --workers` (default: not passed, i.e. its default)
//   BENCH_OIDC_WORKERS=N     oidc-provider processes behind node:cluster (default 1)
//   BENCH_PROFILE=1          node --cpu-prof on the server children; prints the top costs
//   BENCH_TMPDIR=/path       where the temp data dir goes (default: os.tmpdir()); must be a real disk
//                            for the fsync cost to count
//   BENCH_KEEP=1             keep the temp data dir (logs, database) for inspection
//   BENCH_SQL_TRACE=1        time every SQLite statement in the Tenantry child during the measured run
//                            (bench/token/sql-trace.js preload; adds overhead: not for headline figures,
//                            and do not combine with BENCH_PROFILE)
//   BENCH_RETRIES=2          re-measure (after waiting for quiet) when other processes used > 0.25 cores
//                            during a measured run; every attempt is kept in the JSON
//   BENCH_QUIET_WAIT=120     before each measured run, wait up to this many seconds for other
//                            processes to leave the CPUs alone (< 0.15 cores for 2 s); 0 disables
//
// Only 127.0.0.1 is targeted. Every phase has a deadline and a watchdog ends the whole run.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL, URLSearchParams } from 'node:url';
import autocannon from 'autocannon';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { summarizeProfile, mergeSummaries, formatSummary } from './profile-summary.js';
import { call, freePort, graph, registerApp } from '../lib/client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const HOST = '127.0.0.1';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const ADMIN_PASSWORD = 'Adm1n!Passw0rd';

const env = process.env;
const num = (name, dflt) => {
  const v = env[name] === undefined || env[name] === '' ? dflt : Number(env[name]);
  if (!Number.isFinite(v) || v <= 0) fatal(`${name} must be a positive number, got '${env[name]}'`);
  return v;
};
const CFG = {
  duration: num('BENCH_DURATION', 15),
  warmup: num('BENCH_WARMUP', 3),
  connections: num('BENCH_CONNECTIONS', 50),
  scheme: env.BENCH_HTTP === '1' ? 'http' : 'https',
  databaseUrl: env.BENCH_DATABASE_URL || undefined,
  logLevel: env.BENCH_TENANTRY_LOG_LEVEL || undefined,
  only: env.BENCH_ONLY || undefined,
  profile: env.BENCH_PROFILE === '1',
  keep: env.BENCH_KEEP === '1',
  tmpParent: env.BENCH_TMPDIR || os.tmpdir(),
  sqlTrace: env.BENCH_SQL_TRACE === '1',
  quietWait: env.BENCH_QUIET_WAIT === '0' ? 0 : num('BENCH_QUIET_WAIT', 120),
  tenantryWorkers: env.BENCH_TENANTRY_WORKERS || undefined,
  oidcWorkers: num('BENCH_OIDC_WORKERS', 1),
  retries: env.BENCH_RETRIES === '0' ? 0 : num('BENCH_RETRIES', 2),
};
const DISTURBED_CORES = 0.25;
if (CFG.only && !['tenantry', 'oidc-provider'].includes(CFG.only)) fatal(`BENCH_ONLY must be tenantry or oidc-provider, got '${CFG.only}'`);
if (CFG.databaseUrl && !/^postgres(ql)?:\/\//.test(CFG.databaseUrl)) fatal('BENCH_DATABASE_URL must be a postgres:// URL');
const runTenantry = CFG.only !== 'oidc-provider';
const runOidc = CFG.only !== 'tenantry';

// ---------------------------------------------------------------- lifecycle and safety net

const children = new Set();
const warnings = [];
let tmp;
function cleanup() {
  for (const c of children) {
    c.expectedExit = true;
    if (c.exitCode === null && c.signalCode === null) {
      try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
  children.clear();
  if (tmp && !CFG.keep) rmSync(tmp, { recursive: true, force: true });
}
function fatal(msg) {
  console.error(`\nbench/token: FAILED: ${msg}`);
  cleanup();
  process.exit(1);
}
process.on('SIGINT', () => fatal('interrupted'));
process.on('SIGTERM', () => fatal('terminated'));
process.on('uncaughtException', (err) => fatal(err.stack ?? String(err)));
process.on('unhandledRejection', (err) => fatal(err?.stack ?? String(err)));
// The whole run is bounded: two warm-ups, two measurements, setup, verification, shutdown.
const budgetMs = (2 * (CFG.warmup + (1 + CFG.retries) * (CFG.duration + CFG.quietWait + 5)) + 240) * 1000;
const watchdog = setTimeout(() => fatal(`watchdog: the run exceeded ${budgetMs / 1000} s`), budgetMs);

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

function startChild(name, args, logFile, extraEnv = {}) {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', out, out], env: { ...env, ...extraEnv } });
  closeSync(out);
  children.add(child);
  child.exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  child.once('exit', (code, signal) => {
    if (!child.expectedExit) fatal(`${name} exited unexpectedly (code ${code}, signal ${signal}); log: ${logFile}\n${tail(logFile)}`);
  });
  return child;
}

async function stopChild(child, ms = 20000) {
  child.expectedExit = true;
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, clean: child.exitCode === 0 };
  child.kill('SIGTERM');
  const r = await Promise.race([child.exited, new Promise((res) => setTimeout(() => res(null), ms))]);
  children.delete(child);
  if (r) return { ...r, clean: r.code === 0 };
  child.kill('SIGKILL');
  const k = await child.exited;
  return { ...k, clean: false };
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function execCli(args, ms = 60000) {
  return new Promise((res, rej) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'tenantry.js'), ...args], { cwd: ROOT, timeout: ms, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`tenantry ${args[0]} ${args[1]}: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

// ---------------------------------------------------------------- a small HTTP(S) client that trusts the CA

async function waitReady(base, path, ca, ms, child) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await call(base, 'GET', path, { ca, timeoutMs: 2000 });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base}${path} not ready after ${ms} ms (${last})`);
}

// ---------------------------------------------------------------- CPU accounting (Linux /proc)

const CLK_TCK = 100; // USER_HZ on Linux
/** Every live process: pid → { ppid, cpuMs, comm }. */
function processTable() {
  const table = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(d), { ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK, comm });
    } catch { /* exited meanwhile */ }
  }
  return table;
}
/** pid and all its descendants (serve --workers forks node:cluster workers). */
function processTree(pid, table = processTable()) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) for (const [p, e] of table) if (e.ppid === pids[i]) pids.push(p);
  return pids.filter((p) => table.has(p));
}
function treeCpuMs(pid) {
  const table = processTable();
  return processTree(pid, table).reduce((sum, p) => sum + table.get(p).cpuMs, 0);
}
function machineCpuMs() {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = v.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: ((total - n[3] - n[4]) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
  } catch {
    return { busy: NaN, total: NaN };
  }
}
/** CPU of the local PostgreSQL server processes (part of the system under test when Tenantry uses it). */
function postgresCpuMs() {
  let sum = 0;
  for (const e of processTable().values()) if (e.comm === 'postgres' || e.comm === 'postmaster') sum += e.cpuMs;
  return sum;
}
const localPostgres = () => CFG.databaseUrl && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(CFG.databaseUrl).hostname);
function cpuSnapshot(pid, withDb) {
  const u = process.cpuUsage();
  return { server: treeCpuMs(pid), bench: (u.user + u.system) / 1000, db: withDb ? postgresCpuMs() : 0, machine: machineCpuMs(), at: performance.now() };
}
function cpuDelta(a, b, tokens) {
  const wallMs = b.at - a.at;
  const server = b.server - a.server;
  const bench = b.bench - a.bench;
  const db = b.db - a.db;
  const busy = b.machine.busy - a.machine.busy;
  const total = b.machine.total - a.machine.total;
  return {
    wallMs: Math.round(wallMs),
    serverCpuMs: Math.round(server),
    serverCores: +(server / wallMs).toFixed(2),
    serverCpuUsPerToken: tokens ? Math.round((server * 1000) / tokens) : null,
    ...(db ? { postgresCores: +(db / wallMs).toFixed(2), postgresCpuUsPerToken: tokens ? Math.round((db * 1000) / tokens) : null } : {}),
    loadGeneratorCores: +(bench / wallMs).toFixed(2),
    machineBusyShare: +(busy / total).toFixed(2),
    otherProcessesCores: +((busy - server - bench - db) / wallMs).toFixed(2),
  };
}

/** Waits (bounded) until processes other than ours use < 0.15 cores, so the figures are not someone else's. */
async function waitQuiet(label) {
  const ours = () => [...children].reduce((sum, c) => sum + (treeCpuMs(c.pid) || 0), 0) + (process.cpuUsage().user + process.cpuUsage().system) / 1000;
  const started = Date.now();
  let quietWindows = 0;
  let other = NaN;
  while (true) {
    const m0 = machineCpuMs();
    const o0 = ours();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    other = (machineCpuMs().busy - m0.busy - (ours() - o0)) / (performance.now() - t0);
    quietWindows = other < 0.15 ? quietWindows + 1 : 0;
    const waited = (Date.now() - started) / 1000;
    if (quietWindows >= 2) return { waitedSec: Math.round(waited), otherCores: +other.toFixed(2), quiet: true };
    if (waited >= CFG.quietWait) {
      console.warn(`  warning: ${label}: other processes still use ${other.toFixed(2)} cores after ${Math.round(waited)} s; measuring anyway`);
      return { waitedSec: Math.round(waited), otherCores: +other.toFixed(2), quiet: false };
    }
  }
}

// ---------------------------------------------------------------- the load

/**
 * Tracks every request by a unique client-request-id: Tenantry uses it as the sign-in's
 * correlationId and echoes it in the response, so records can be matched to responses one by one.
 */
function newTracker() {
  return { sent: new Set(), received200: new Set(), statuses: {}, badBody: 0, samples: [] };
}

function hooks(tracker, baseHeaders) {
  return {
    setupRequest(req) {
      const id = randomUUID();
      tracker.sent.add(id);
      req.headers = { ...baseHeaders, 'client-request-id': id };
      return req;
    },
    onResponse(status, body, _ctx, headers) {
      tracker.statuses[status] = (tracker.statuses[status] ?? 0) + 1;
      if (status === 200) {
        if (!body.includes('"access_token"')) tracker.badBody++;
        const id = headers['client-request-id'] ?? headers['Client-Request-Id'];
        if (id) tracker.received200.add(Array.isArray(id) ? id[0] : id);
      } else if (tracker.samples.length < 5) {
        tracker.samples.push({ status, body: String(body).slice(0, 500) });
      }
    },
  };
}

/** Every TLS connection autocannon opens is checked against the CA (autocannon itself forces rejectUnauthorized:false). */
function tlsCheckingSetupClient(tlsStats) {
  return (client) => {
    const connect = client._connect;
    client._connect = function patchedConnect() {
      connect.call(this);
      const conn = this.conn;
      conn.once('secureConnect', () => {
        if (conn.authorized) tlsStats.verified++;
        else {
          tlsStats.unverified++;
          tlsStats.lastError = String(conn.authorizationError);
        }
      });
    };
  };
}

async function cannon(label, { base, path, body, ca, seconds, tracker, tlsStats, pid }) {
  const baseHeaders = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'tenantry-bench/1.0 (autocannon)' };
  const opts = {
    url: base,
    connections: CFG.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [{ method: 'POST', path, body, ...hooks(tracker, baseHeaders) }],
  };
  if (ca) {
    opts.tlsOptions = { ca };
    opts.setupClient = tlsCheckingSetupClient(tlsStats);
  }
  const withDb = label.startsWith('Tenantry') && localPostgres();
  const before = cpuSnapshot(pid, withDb);
  const result = await withTimeout(new Promise((res, rej) => {
    autocannon(opts, (err, r) => (err ? rej(err) : res(r)));
  }), (seconds + 30) * 1000, `autocannon ${label}`);
  const after = cpuSnapshot(pid, withDb);
  tracker.runs = (tracker.runs ?? 0) + 1;
  const ok2xx = result['2xx'];
  const secs = result.duration; // actual run time, seconds
  const summary = {
    label,
    seconds: secs,
    connections: CFG.connections,
    responses2xx: ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    tokensPerSec: ok2xx / secs,
    requestsPerSecMeanOfSamples: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.average, max: result.latency.max },
    statusCodes: result.statusCodeStats,
    cpu: cpuDelta(before, after, ok2xx),
  };
  const problems = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses ${JSON.stringify(result.statusCodeStats)}; samples: ${JSON.stringify(tracker.samples)}`);
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  if (ok2xx === 0) problems.push('no 2xx response at all');
  summary.problems = problems;
  return summary;
}

function printRun(s) {
  console.log(
    `  ${s.label.padEnd(28)} ${String(Math.round(s.tokensPerSec)).padStart(6)} tokens/s   p50 ${fmtMs(s.latencyMs.p50)}   p99 ${fmtMs(s.latencyMs.p99)}   ` +
    `(${s.responses2xx} × 200 in ${s.seconds.toFixed(1)} s, non-2xx ${s.non2xx}, errors ${s.errors})`,
  );
  const c = s.cpu;
  const pg = c.postgresCores === undefined ? '' : `; PostgreSQL ${c.postgresCores} cores, ${c.postgresCpuUsPerToken} µs CPU/token`;
  console.log(`  ${''.padEnd(28)} server ${c.serverCores} cores, ${c.serverCpuUsPerToken} µs CPU/token${pg}; autocannon ${c.loadGeneratorCores} cores; other processes ${c.otherProcessesCores} cores`);
  if (c.otherProcessesCores > 0.2) console.warn(`  ${''.padEnd(28)} warning: other processes used ${c.otherProcessesCores} cores during this run: figures are disturbed`);
  for (const p of s.problems) console.error(`  !! ${s.label}: ${p}`);
}
const fmtMs = (v) => `${Number(v).toFixed(v < 10 ? 2 : 1)} ms`;

/** The measured run: wait for quiet, measure, and re-measure when someone else took CPU meanwhile. */
async function measure(label, target, around = {}) {
  const attempts = [];
  for (let i = 0; i <= CFG.retries; i++) {
    const quiet = CFG.quietWait ? await waitQuiet(label) : undefined;
    around.before?.();
    const run = await cannon(label, { ...target, seconds: CFG.duration });
    run.quiet = quiet;
    printRun(run);
    await around.after?.(run);
    attempts.push(run);
    if (!(run.cpu.otherProcessesCores > DISTURBED_CORES) || run.problems.length) break;
    if (i < CFG.retries) console.log(`  ${''.padEnd(28)} disturbed by other processes: measuring again (${i + 1}/${CFG.retries})`);
  }
  const best = attempts.reduce((a, b) => (b.cpu.otherProcessesCores < a.cpu.otherProcessesCores ? b : a));
  return { ...best, disturbed: best.cpu.otherProcessesCores > DISTURBED_CORES, attempts: attempts.map(({ attempts: _, ...r }) => r), problems: attempts.flatMap((r) => r.problems) };
}

// ---------------------------------------------------------------- Tenantry

async function setupTenantry(state) {
  const port = await freePort();
  const base = `${CFG.scheme}://${HOST}:${port}`;
  const storeArgs = CFG.databaseUrl ? ['--database', CFG.databaseUrl] : [];
  const domain = `bench-${randomBytes(4).toString('hex')}.example`;
  const created = JSON.parse(await execCli(['tenant', 'create', '--domain', domain, '--license', 'P1', '--admin-password', ADMIN_PASSWORD, '--data', tmp, '--json', ...storeArgs]));
  const tenantId = created.tenantId;
  const upn = created.admin.userPrincipalName;

  // default profile names carry the pid: one file per process with serve --workers
  const nodeArgs = CFG.profile && runTenantry ? ['--cpu-prof', `--cpu-prof-dir=${join(state.profileDir, 'tenantry')}`] : [];
  const traceEnv = {};
  if (CFG.sqlTrace && !CFG.databaseUrl && runTenantry) {
    nodeArgs.push('--import', pathToFileURL(join(HERE, 'sql-trace.js')).href);
    traceEnv.BENCH_SQL_TRACE_FILE = join(tmp, 'sql-trace');
  }
  const serveArgs = [join(ROOT, 'bin', 'tenantry.js'), 'serve', '--data', tmp, '--host', HOST, '--port', String(port), '--no-demo', ...storeArgs];
  // the read-back of every sign-in through Graph pages faster than Graph's reporting limits (5 per 10 s) allow
  serveArgs.push('--reporting-throttle', 'off');
  if (CFG.scheme === 'http') serveArgs.push('--http');
  if (CFG.logLevel) serveArgs.push('--log-level', CFG.logLevel);
  if (CFG.tenantryWorkers) serveArgs.push('--workers', CFG.tenantryWorkers);
  const logFile = join(tmp, 'tenantry.log');
  const child = startChild('tenantry serve', [...nodeArgs, ...serveArgs], logFile, traceEnv);
  let ca;
  if (CFG.scheme === 'https') {
    const caPath = join(tmp, 'tls', 'ca.pem');
    const deadline = Date.now() + 30000;
    while (!existsSync(caPath) || !existsSync(join(tmp, 'tls', 'server-key.pem'))) {
      if (Date.now() > deadline) throw new Error(`no ${caPath} after 30 s; log:\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    ca = readFileSync(caPath, 'utf8');
  }
  await waitReady(base, `/${tenantId}/v2.0/.well-known/openid-configuration`, ca, 30000, child);

  // The administrator's token through the Azure CLI client (ROPC), as `az login -u -p` gets one.
  const tok = await call(base, 'POST', `/${tenantId}/oauth2/v2.0/token`, {
    ca, form: { grant_type: 'password', client_id: AZURE_CLI, username: upn, password: ADMIN_PASSWORD, scope: 'https://graph.microsoft.com/.default openid profile offline_access' },
  });
  if (tok.status !== 200) throw new Error(`admin token: ${tok.status} ${JSON.stringify(tok.body)}`);
  if (CFG.scheme === 'https' && !tok.tls) throw new Error('the HTTPS connection to Tenantry did not verify against its CA');
  const adminToken = tok.body.access_token;
  const app = await registerApp(base, ca, adminToken, ['AuditLog.Read.All']);
  return { child, port, base, ca, tenantId, upn, adminToken, app, logFile };
}

/** One tracked token request outside autocannon, with full TLS verification and a JWT check. */
async function sanityToken(name, { base, path, form, ca, jwksPath, tracker, expect, fallbackKey }) {
  const id = randomUUID();
  tracker?.sent.add(id);
  const r = await call(base, 'POST', path, { ca, form, headers: { 'client-request-id': id } });
  if (r.status !== 200 || typeof r.body.access_token !== 'string') throw new Error(`${name} token: ${r.status} ${JSON.stringify(r.body)}`);
  if (base.startsWith('https:') && !r.tls) throw new Error(`${name}: TLS did not verify against the CA`);
  if (tracker && r.headers['client-request-id'] === id) tracker.received200.add(id);
  else if (tracker) throw new Error(`${name}: client-request-id not echoed (${r.headers['client-request-id']})`);
  const header = decodeProtectedHeader(r.body.access_token);
  const jwks = await call(base, 'GET', jwksPath, { ca });
  let key;
  let verifiedWith = `JWKS ${jwksPath}`;
  if (jwks.status === 200 && Array.isArray(jwks.body.keys)) {
    key = createLocalJWKSet(jwks.body);
  } else {
    const problem = `${name} JWKS ${jwksPath} answered ${jwks.status} ${JSON.stringify(jwks.body).slice(0, 160)}…`;
    warnings.push(problem);
    console.warn(`  warning: ${problem}`);
    key = await fallbackKey?.(header.kid);
    if (!key) throw new Error(problem);
    verifiedWith = 'signing certificate read from the store (JWKS endpoint failed)';
  }
  const { payload } = await jwtVerify(r.body.access_token, key, { algorithms: ['RS256'] });
  expect?.(payload);
  return { alg: header.alg, typ: header.typ, kid: header.kid, verifiedWith, claims: Object.keys(payload).sort(), aud: payload.aud, bytes: r.body.access_token.length };
}

/** The public key of a Tenantry signing key, from the SQLite store (read-only; WAL allows it while serving). */
async function tenantryKeyFromStore(kid) {
  if (CFG.databaseUrl) return undefined;
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(tmp, 'tenantry.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('select certificate_pem from signing_keys where kid = ?').get(kid);
    return row ? new X509Certificate(row.certificate_pem).publicKey : undefined;
  } finally {
    db.close();
  }
}

/** Every servicePrincipal sign-in of the app through Graph (beta, $top=1000, following nextLink). */
async function signInsThroughGraph(t) {
  const filter = `signInEventTypes/any(t: t eq 'servicePrincipal') and appId eq '${t.app.appId}'`;
  let next = `/beta/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=1000`;
  const ids = [];
  let failures = 0;
  let pages = 0;
  while (next) {
    const r = await graph(t.base, t.ca, 'GET', next, t.adminToken);
    if (r.status !== 200) throw new Error(`signIns page ${pages}: ${r.status} ${JSON.stringify(r.body)}`);
    for (const s of r.body.value) {
      if (s.status?.errorCode === 0) ids.push(s.correlationId);
      else failures++;
    }
    pages++;
    next = r.body['@odata.nextLink'];
  }
  return { ids, failures, pages };
}

async function signInsInSqlite(t) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(tmp, 'tenantry.db'), { readonly: true, fileMustExist: true });
  try {
    // the sign-in fact table and its dimensions (migration 003); event type 2 = servicePrincipal
    const rows = db.prepare(`select s.correlation_id as id, st.error_code as e from sign_ins s
      join log_tenants t on t.ref = s.tenant_ref join signin_apps a on a.ref = s.app_ref join signin_statuses st on st.ref = s.status_ref
      where t.tenant_id = ? and a.app_id = ? and s.event_type = 2`).all(t.tenantId, t.app.appId);
    return { ids: rows.filter((r) => r.e === 0).map((r) => r.id), failures: rows.filter((r) => r.e !== 0).length };
  } finally {
    db.close();
  }
}

/**
 * Successful records (ids) must cover every 200 the client received, once each; any extra must be a
 * request cut off in flight at an autocannon deadline. Failed sign-ins (failures) must not exist.
 */
function reconcile(source, { ids, failures }, tracker) {
  const recorded = new Set(ids);
  const duplicates = ids.length - recorded.size;
  let missing = 0;
  for (const id of tracker.received200) if (!recorded.has(id)) missing++;
  let inFlight = 0;
  let unknown = 0;
  for (const id of recorded) {
    if (tracker.received200.has(id)) continue;
    if (tracker.sent.has(id)) inFlight++;
    else unknown++;
  }
  const ok = missing === 0 && unknown === 0 && duplicates === 0 && failures === 0 && inFlight <= CFG.connections * (tracker.runs ?? 1);
  return {
    source, records: ids.length + failures, successRecords: ids.length, responses200Received: tracker.received200.size, requestsSent: tracker.sent.size,
    missingRecords: missing, recordsForRequestsCutOffInFlight: inFlight, unknownRecords: unknown, duplicateRecords: duplicates, failureRecords: failures, ok,
  };
}

function printReconcile(v) {
  const verdict = v.ok ? 'OK' : 'MISMATCH';
  console.log(
    `  ${v.source.padEnd(24)} ${v.successRecords} successful servicePrincipal sign-ins for ${v.responses200Received} × 200 received` +
    (v.recordsForRequestsCutOffInFlight ? ` + ${v.recordsForRequestsCutOffInFlight} answered after autocannon hung up at the deadline` : '') +
    `; missing ${v.missingRecords}, unknown ${v.unknownRecords}, duplicate ${v.duplicateRecords}, failed ${v.failureRecords} → ${verdict}`,
  );
}

function signalTree(pid, signal) {
  const pids = processTree(pid);
  for (const p of pids) {
    try { process.kill(p, signal); } catch { /* gone */ }
  }
  return pids.length;
}

/** Per-token SQLite cost from sql-trace.js (one file per process), normalised by the sign-in INSERTs of the window. */
async function reportSqlTrace(processes, tokensHint) {
  const files = () => readdirSync(tmp).filter((x) => /^sql-trace\.\d+\.json$/.test(x));
  const deadline = Date.now() + 5000;
  while (files().length < processes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
  const merged = new Map();
  for (const f of files()) {
    for (const r of JSON.parse(readFileSync(join(tmp, f), 'utf8'))) {
      const m = merged.get(r.sql) ?? { sql: r.sql, prepares: 0, prepareMs: 0, executions: 0, executeMs: 0 };
      m.prepares += r.prepares; m.prepareMs += r.prepareMs; m.executions += r.executions; m.executeMs += r.executeMs;
      merged.set(r.sql, m);
    }
  }
  // group commit writes several sign-ins per multi-row INSERT: count rows, and show one line per statement shape
  const tuples = (sql) => (sql.slice(sql.toLowerCase().indexOf(' values ')).match(/\(/g) ?? []).length;
  const shape = (sql) => sql.replace(/\s+/g, ' ').replace(/( values \([^)]*\))(, \([^)]*\))+/i, '$1, … (multi-row)');
  const grouped = new Map();
  let tokens = 0;
  for (const r of merged.values()) {
    if (/^insert into "sign_ins"/i.test(r.sql)) tokens += r.executions * tuples(r.sql);
    const k = shape(r.sql);
    const g = grouped.get(k) ?? { sql: k, prepares: 0, prepareMs: 0, executions: 0, executeMs: 0 };
    g.prepares += r.prepares; g.prepareMs += r.prepareMs; g.executions += r.executions; g.executeMs += r.executeMs;
    grouped.set(k, g);
  }
  // sign-ins written outside the traced connection (e.g. a writer thread): normalise by the 200s instead
  const normalisedBy = tokens ? 'sign-in rows inserted on the traced connections' : '200 responses (sign-in INSERTs not seen on the traced connections)';
  if (!tokens) tokens = tokensHint;
  if (!tokens) return undefined;
  const per = [...grouped.values()].map((r) => ({
    sql: r.sql,
    executionsPerToken: +(r.executions / tokens).toFixed(2),
    preparesPerToken: +(r.prepares / tokens).toFixed(2),
    prepareUsPerToken: +((r.prepareMs * 1000) / tokens).toFixed(1),
    executeUsPerToken: +((r.executeMs * 1000) / tokens).toFixed(1),
  })).sort((a, b) => (b.prepareUsPerToken + b.executeUsPerToken) - (a.prepareUsPerToken + a.executeUsPerToken));
  const total = per.reduce((a, r) => ({ n: a.n + r.executionsPerToken, p: a.p + r.prepareUsPerToken, e: a.e + r.executeUsPerToken }), { n: 0, p: 0, e: 0 });
  console.log(`  SQLite per token (${tokens} tokens, per ${normalisedBy}): ${total.n.toFixed(2)} statement executions, prepare ${total.p.toFixed(0)} µs + execute ${total.e.toFixed(0)} µs, synchronous on the event loop`);
  for (const r of per.slice(0, 14)) {
    console.log(`    ${String(r.executionsPerToken).padStart(5)}×  prepare ${r.prepareUsPerToken.toFixed(0).padStart(4)} µs  execute ${r.executeUsPerToken.toFixed(0).padStart(4)} µs  ${r.sql.slice(0, 110)}`);
  }
  return { tokens, normalisedBy, statementsPerToken: +total.n.toFixed(2), prepareUsPerToken: +total.p.toFixed(1), executeUsPerToken: +total.e.toFixed(1), statements: per };
}

// ---------------------------------------------------------------- oidc-provider

async function setupOidc(state, certFiles) {
  const port = await freePort();
  const base = `${CFG.scheme}://${HOST}:${port}`;
  const clientId = 'bench-client';
  const clientSecret = randomBytes(32).toString('base64url');
  const nodeArgs = CFG.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(state.profileDir, 'oidc-provider')}`] : [];
  const args = [...nodeArgs, join(HERE, 'oidc-provider-server.js'), '--port', String(port), '--workers', String(CFG.oidcWorkers), '--max-seconds', String(Math.ceil(budgetMs / 1000) + 60)];
  if (certFiles) args.push('--cert', certFiles.cert, '--key', certFiles.key);
  const logFile = join(tmp, 'oidc-provider.log');
  const child = startChild('oidc-provider', args, logFile, { BENCH_OIDC_CLIENT_ID: clientId, BENCH_OIDC_CLIENT_SECRET: clientSecret });
  await waitReady(base, '/.well-known/openid-configuration', certFiles?.ca, 30000, child);
  return { child, port, base, ca: certFiles?.ca, clientId, clientSecret, logFile };
}

// ---------------------------------------------------------------- main

/** Which source the run measured: HEAD and whether src/ differs from it (read-only git; no index refresh). */
function sourceState(distBuilt) {
  const git = (...a) => execFileSync('git', a, { cwd: ROOT, env: { ...env, GIT_OPTIONAL_LOCKS: '0' }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 }).toString().trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    let srcClean = true;
    try { git('diff-index', '--quiet', 'HEAD', '--', 'src'); } catch { srcClean = false; }
    return { commit, srcMatchesHead: srcClean, distBuilt: distBuilt.toISOString(), note: 'dist/ is what ran; it matches the commit only if it was built from a clean src/' };
  } catch {
    return { commit: 'unknown', distBuilt: distBuilt.toISOString() };
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    nproc: os.availableParallelism?.() ?? cpus.length,
    memTotalGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    memFreeGiB: +(os.freemem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    dataDirFilesystem: filesystemOf(tmp),
  };
}

function filesystemOf(dir) {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8').trim().split('\n').map((l) => l.split(' '));
    let best = null;
    for (const [dev, mnt, type] of mounts) {
      if ((dir === mnt || dir.startsWith(mnt.endsWith('/') ? mnt : `${mnt}/`)) && (!best || mnt.length > best.mnt.length)) best = { dev, mnt, type };
    }
    return best ? `${best.type} (${best.dev} on ${best.mnt})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    fatal('dist/ is missing: run `npm run build` first (this script builds nothing itself)');
  }
  const distAge = statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtime;
  mkdirSync(RESULTS_DIR, { recursive: true });
  mkdirSync(CFG.tmpParent, { recursive: true });
  tmp = mkdtempSync(join(CFG.tmpParent, 'tenantry-bench-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, 'Z');
  const state = { profileDir: join(RESULTS_DIR, `token-${stamp}-profiles`) };
  if (CFG.profile) for (const d of ['tenantry', 'oidc-provider']) mkdirSync(join(state.profileDir, d), { recursive: true });

  console.log(`bench/token: ${CFG.connections} connections, ${CFG.warmup} s warm-up + ${CFG.duration} s per server, ${CFG.scheme.toUpperCase()} for both, ` +
    `Tenantry store ${CFG.databaseUrl ? 'PostgreSQL' : `SQLite on ${filesystemOf(tmp)}`}, Tenantry --workers ${CFG.tenantryWorkers ?? env.TENANTRY_WORKERS ?? '(default)'}, ` +
    `oidc-provider workers ${CFG.oidcWorkers}; dist/ built ${distAge.toISOString()}`);
  const result = {
    date: new Date().toISOString(),
    command: `${Object.entries(env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${k === 'BENCH_DATABASE_URL' ? '<url>' : v}`).join(' ')} npm run bench:token`.trim(),
    config: { ...CFG, databaseUrl: CFG.databaseUrl ? '<postgres>' : undefined, tmpParent: undefined, store: CFG.databaseUrl ? 'postgres' : 'sqlite' },
    machine: machine(),
    source: sourceState(distAge),
    tenantry: null,
    oidcProvider: null,
    ratio: null,
    verification: [],
    ok: true,
    problems: [],
    warnings,
  };

  // Tenantry first: its server also provides the local CA and certificate that oidc-provider reuses.
  let t;
  let certFiles;
  if (runTenantry || CFG.scheme === 'https') {
    t = await withTimeout(setupTenantry(state), 120000, 'Tenantry setup');
    console.log(`  Tenantry     ${CFG.scheme}://localhost:${t.port}  tenant ${t.tenantId}, app ${t.app.appId} (AuditLog.Read.All consented, client secret)`);
    if (CFG.scheme === 'https') certFiles = { ca: t.ca, cert: join(tmp, 'tls', 'server.pem'), key: join(tmp, 'tls', 'server-key.pem') };
  }
  let o;
  if (runOidc) {
    o = await withTimeout(setupOidc(state, certFiles), 60000, 'oidc-provider setup');
    console.log(`  oidc-provider ${CFG.scheme}://localhost:${o.port}  client ${o.clientId} (client_secret_post), resource https://api.example → JWT RS256`);
  }

  const tlsStats = { verified: 0, unverified: 0 };
  const tenantryTracker = newTracker();
  if (runTenantry) {
    const form = { grant_type: 'client_credentials', client_id: t.app.appId, client_secret: t.app.secret, scope: 'https://graph.microsoft.com/.default' };
    const target = { base: t.base, path: `/${t.tenantId}/oauth2/v2.0/token`, body: new URLSearchParams(form).toString(), ca: t.ca, tracker: tenantryTracker, tlsStats, pid: t.child.pid };
    result.tenantryToken = await sanityToken('Tenantry', {
      base: t.base, path: target.path, form, ca: t.ca, jwksPath: `/${t.tenantId}/discovery/v2.0/keys`, tracker: tenantryTracker, fallbackKey: tenantryKeyFromStore,
      expect: (p) => { if (!p.roles?.includes('AuditLog.Read.All')) throw new Error(`Tenantry token lacks the AuditLog.Read.All role: ${JSON.stringify(p.roles)}`); },
    });
    console.log(`\nTenantry: warm-up ${CFG.warmup} s, then ${CFG.duration} s`);
    const warm = await cannon('Tenantry warm-up', { ...target, seconds: CFG.warmup });
    printRun(warm);
    const tracing = CFG.sqlTrace && !CFG.databaseUrl;
    const run = await measure('Tenantry', target, tracing ? {
      before: () => {
        for (const f of readdirSync(tmp).filter((x) => x.startsWith('sql-trace.'))) rmSync(join(tmp, f), { force: true });
        signalTree(t.child.pid, 'SIGUSR2');
      },
      after: async (r) => {
        const n = signalTree(t.child.pid, 'SIGUSR2');
        r.sqlTrace = await reportSqlTrace(n, r.responses2xx);
      },
    } : {});
    result.tenantry = { ...run, warmup: warm, token: result.tenantryToken };
    for (const p of [...warm.problems, ...run.problems]) result.problems.push(`Tenantry: ${p}`);
    if (tenantryTracker.badBody) result.problems.push(`Tenantry: ${tenantryTracker.badBody} 200 responses without access_token`);
  }
  if (runOidc) {
    const form = { grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret, scope: 'api:read' };
    const target = { base: o.base, path: '/token', body: new URLSearchParams(form).toString(), ca: o.ca, tracker: newTracker(), tlsStats, pid: o.child.pid };
    result.oidcToken = await sanityToken('oidc-provider', {
      base: o.base, path: '/token', form, ca: o.ca, jwksPath: '/jwks',
      expect: (p) => { if (p.aud !== 'https://api.example' || p.scope !== 'api:read') throw new Error(`oidc-provider token: unexpected aud/scope ${p.aud} ${p.scope}`); },
    });
    console.log(`\noidc-provider: warm-up ${CFG.warmup} s, then ${CFG.duration} s`);
    const warm = await cannon('oidc-provider warm-up', { ...target, seconds: CFG.warmup });
    printRun(warm);
    const run = await measure('oidc-provider', target);
    result.oidcProvider = { ...run, warmup: warm, token: result.oidcToken };
    for (const p of [...warm.problems, ...run.problems]) result.problems.push(`oidc-provider: ${p}`);
    if (target.tracker.badBody) result.problems.push(`oidc-provider: ${target.tracker.badBody} 200 responses without access_token`);
  }
  if (CFG.scheme === 'https') {
    result.tls = { ...tlsStats, note: 'autocannon forces rejectUnauthorized:false; every connection was checked against the CA instead' };
    if (tlsStats.unverified > 0) result.problems.push(`${tlsStats.unverified} load connections did not verify against the CA: ${tlsStats.lastError}`);
  }
  if (o) await stopChild(o.child);

  // Every sign-in durably recorded: compare the store with what the client saw, request by request.
  if (runTenantry) {
    console.log('\nTenantry sign-in records (matched by correlationId = client-request-id):');
    const skipGraph = CFG.profile && !CFG.databaseUrl; // keep Graph reads out of the CPU profile; SQLite is counted below
    if (!skipGraph) {
      await new Promise((r) => setTimeout(r, 500)); // requests cut off at the deadline finish server-side
      const g = await withTimeout(signInsThroughGraph(t), 120000, 'reading sign-ins through Graph');
      const v = reconcile(`Graph beta (${g.pages} pages)`, g, tenantryTracker);
      printReconcile(v);
      result.verification.push(v);
    }
    const stopped = await stopChild(t.child);
    if (!stopped.clean) result.problems.push(`Tenantry did not stop cleanly: ${JSON.stringify(stopped)}`);
    if (!CFG.databaseUrl) {
      const s = await signInsInSqlite(t);
      const v = reconcile('SQLite file after stop', s, tenantryTracker);
      printReconcile(v);
      result.verification.push(v);
    }
    for (const v of result.verification) if (!v.ok) result.problems.push(`sign-in records do not match responses (${v.source}): ${JSON.stringify(v)}`);
  } else if (t) {
    await stopChild(t.child);
  }

  if (result.tenantry && result.oidcProvider) result.ratio = +(result.tenantry.tokensPerSec / result.oidcProvider.tokensPerSec).toFixed(3);

  if (CFG.profile) {
    result.profiles = {};
    await new Promise((r) => setTimeout(r, 300));
    for (const [name, r] of [['tenantry', result.tenantry], ['oidc-provider', result.oidcProvider]]) {
      const dir = join(state.profileDir, name);
      if (!r || !existsSync(dir)) continue;
      const files = readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'));
      if (!files.length) continue;
      const summary = mergeSummaries(files.map((f) => summarizeProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')))));
      const n = r.warmup.responses2xx + r.attempts.reduce((x, a) => x + a.responses2xx, 0); // every token the process issued
      console.log(`\nCPU profile of ${name} (${files.length} process${files.length > 1 ? 'es' : ''}, ${dir}):`);
      console.log(formatSummary(summary, n));
      result.profiles[name] = { dir, files, tokens: n, ...summary };
    }
  }

  result.ok = result.problems.length === 0;
  const date = result.date.slice(0, 10);
  const md = `| ${date} | ${CFG.scheme.toUpperCase()} | ${CFG.databaseUrl ? 'PostgreSQL' : 'SQLite'} | ${CFG.connections} | ${CFG.duration} s | ` +
    `${cell(result.tenantry, 'tokensPerSec')} | ${cell(result.tenantry, 'p50')} | ${cell(result.tenantry, 'p99')} | ` +
    `${cell(result.oidcProvider, 'tokensPerSec')} | ${cell(result.oidcProvider, 'p50')} | ${cell(result.oidcProvider, 'p99')} | ` +
    `${result.ratio === null ? '–' : `${result.ratio.toFixed(2)}×`} | ${result.verification.length ? (result.verification.every((v) => v.ok) ? 'yes' : 'NO') : '–'} |`;
  result.markdownRow = md;
  const file = join(RESULTS_DIR, `token-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  console.log('\n| date | scheme | Tenantry store | connections | duration | Tenantry tokens/s | p50 | p99 | oidc-provider tokens/s | p50 | p99 | ratio | every sign-in recorded |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(md);
  for (const [name, r] of [['Tenantry', result.tenantry], ['oidc-provider', result.oidcProvider]]) {
    if (r?.disturbed) console.warn(`note: every ${name} attempt was disturbed by other processes (${r.cpu.otherProcessesCores} cores at best): treat its figures with care`);
  }
  if (result.ratio !== null) console.log(`\nratio Tenantry / oidc-provider = ${result.ratio.toFixed(2)}×  (target ≥ 1.0×, goal 1.5×)`);
  console.log(`result: ${file}  (HEAD ${result.source.commit}${result.source.srcMatchesHead === false ? ', src/ has uncommitted changes' : ''}, dist/ built ${result.source.distBuilt})`);
  if (CFG.keep) console.log(`data dir kept: ${tmp}`);
  for (const w of warnings) console.warn(`warning: ${w}`);

  clearTimeout(watchdog);
  cleanup();
  if (!result.ok) {
    console.error(`\nbench/token: FAILED:\n  - ${result.problems.join('\n  - ')}`);
    process.exit(1);
  }
}

function cell(r, what) {
  if (!r) return '–';
  if (what === 'tokensPerSec') return `${Math.round(r.tokensPerSec)}${r.disturbed ? ' (disturbed)' : ''}`;
  return `${r.latencyMs[what]} ms`;
}

main();
