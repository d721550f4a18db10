#!/usr/bin/env node
/**
 * Reporting benchmark (issue 3 §5): Tenantry's sign-in log at millions of rows, over real HTTPS with
 * a valid app token, as a SIEM would query it.
 *
 *   npm run bench:reporting
 *
 * 1. A fresh data directory (or BENCH_DATA to reuse one) with three P1 tenants; `tenantry generate`
 *    writes BENCH_ROWS sign-ins (default 5,000,000; 1,000,000 on PostgreSQL) into the first and
 *    BENCH_OTHER_ROWS (default 100,000) into each of the others.
 * 2. Storage per sign-in: the SQLite files (or PostgreSQL relation sizes) divided by the rows.
 * 3. `tenantry serve`, an app registered and consented through Graph, a client-credentials token.
 * 4. For each query below, BENCH_ITERATIONS timed requests after BENCH_WARMUP untimed ones, one at a
 *    time (latency, not throughput): p50 / p95 / max of the whole HTTP round trip.
 * 5. Freshness: a token request, then the sign-in it made read back through the API at once.
 *
 * Environment: BENCH_ROWS, BENCH_OTHER_ROWS, BENCH_DAYS (7), BENCH_ITERATIONS (40), BENCH_WARMUP (5),
 * BENCH_DATABASE_URL (postgres://…, else SQLite), BENCH_DATA (reuse a generated directory), BENCH_KEEP
 * (keep the directory). Results go to bench/results/reporting-<engine>-<time>.json and stdout.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { call, freePort, HOST, registerApp } from '../lib/client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BIN = join(ROOT, 'bin', 'tenantry.js');
const env = process.env;
const num = (name, dflt) => (env[name] === undefined ? dflt : Number(env[name]));
const databaseUrl = env.BENCH_DATABASE_URL;
const engine = databaseUrl ? 'postgres' : 'sqlite';
const CFG = {
  rows: num('BENCH_ROWS', engine === 'sqlite' ? 5_000_000 : 1_000_000),
  otherRows: num('BENCH_OTHER_ROWS', 100_000),
  days: num('BENCH_DAYS', 7),
  iterations: num('BENCH_ITERATIONS', 40),
  warmup: num('BENCH_WARMUP', 5),
};
const ADMIN_PASSWORD = 'Adm1n!Passw0rd';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function cli(args, { timeoutMs = 6 * 3600_000 } = {}) {
  return new Promise((res, rej) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`tenantry ${args.slice(0, 2).join(' ')}: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed(base, ca, token, url, { iterations = CFG.iterations, warmup = CFG.warmup } = {}) {
  const ms = [];
  let last;
  for (let i = 0; i < warmup + iterations; i++) {
    const t0 = performance.now();
    // timed: request sent → last byte received (the client's own JSON parsing is not the server's latency)
    last = await call(base, 'GET', url, { ca, headers: { authorization: `Bearer ${token}` }, timeoutMs: 120_000, raw: true });
    const dt = performance.now() - t0;
    if (last.status !== 200) throw new Error(`GET ${url}: ${last.status} ${last.body.raw.slice(0, 400)}`);
    if (i >= warmup) ms.push(dt);
  }
  ms.sort((a, b) => a - b);
  const body = JSON.parse(last.body.raw);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms[ms.length - 1], rows: body.value.length, body };
}

function sqliteBytes(dir) {
  return readdirSync(dir).filter((f) => f.startsWith('tenantry.db')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function postgresBytes(url) {
  const c = new pg.Client({ connectionString: url.replace(/[?&]schema=[^&]*/, '') });
  await c.connect();
  try {
    const schema = new URL(url).searchParams.get('schema') ?? 'public';
    const r = await c.query(
      `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0)::bigint as n
         from pg_tables where schemaname = $1 and (tablename = 'sign_ins' or tablename like 'signin\\_%' or tablename = 'log_tenants')`,
      [schema],
    );
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

async function main() {
  const reuse = env.BENCH_DATA;
  const dir = reuse ? resolve(reuse) : mkdtempSync(join(os.tmpdir(), 'tenantry-bench-reporting-'));
  const storeArgs = databaseUrl ? ['--database', databaseUrl] : ['--data', dir];
  const stateFile = join(dir, 'bench-state.json');
  let state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : undefined;
  const log = (m) => process.stderr.write(`${m}\n`);

  if (!state) {
    log(`generating into ${databaseUrl ? 'PostgreSQL' : dir}: ${CFG.rows.toLocaleString('en-US')} + 2 × ${CFG.otherRows.toLocaleString('en-US')} sign-ins`);
    const tenants = [];
    for (let i = 0; i < 3; i++) {
      const domain = `bench${i}-${randomBytes(3).toString('hex')}.example`;
      tenants.push(JSON.parse(await cli(['tenant', 'create', '--domain', domain, '--license', 'P1', '--admin-password', ADMIN_PASSWORD, '--json', ...storeArgs])));
    }
    const generated = [];
    for (const [i, t] of tenants.entries()) {
      const t0 = performance.now();
      await cli(['generate', 'signins', '--tenant', t.tenantId, '--count', String(i === 0 ? CFG.rows : CFG.otherRows), '--days', String(CFG.days), '--seed', String(42 + i), ...storeArgs]);
      generated.push({ tenant: t.tenantId, rows: i === 0 ? CFG.rows : CFG.otherRows, seconds: (performance.now() - t0) / 1000 });
      log(`  tenant ${i}: ${generated[i].rows.toLocaleString('en-US')} rows in ${generated[i].seconds.toFixed(1)} s`);
    }
    state = { tenants, generated, engine };
    writeFileSync(stateFile, JSON.stringify(state));
  }
  const main = state.tenants[0];
  const totalRows = state.generated.reduce((n, g) => n + g.rows, 0);
  const bytes = databaseUrl ? await postgresBytes(databaseUrl) : sqliteBytes(dir);

  // the server
  const port = await freePort();
  const base = `https://${HOST}:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve', ...storeArgs, ...(databaseUrl ? ['--data', dir] : []), '--host', HOST, '--port', String(port), '--no-demo',
    '--reporting-throttle', 'off', '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const caPath = join(dir, 'tls', 'ca.pem');
  for (let i = 0; i < 300 && !existsSync(join(dir, 'tls', 'server-key.pem')); i++) await new Promise((r) => setTimeout(r, 100));
  const ca = readFileSync(caPath, 'utf8');
  for (let i = 0; ; i++) {
    try {
      if ((await call(base, 'GET', `/${main.tenantId}/v2.0/.well-known/openid-configuration`, { ca, timeoutMs: 2000 })).status === 200) break;
    } catch { /* not yet */ }
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const tok = await call(base, 'POST', `/${main.tenantId}/oauth2/v2.0/token`, {
    ca, form: { grant_type: 'password', client_id: AZURE_CLI, username: main.admin.userPrincipalName, password: ADMIN_PASSWORD, scope: 'https://graph.microsoft.com/.default' },
  });
  if (tok.status !== 200) throw new Error(`admin token: ${JSON.stringify(tok.body)}`);
  const app = await registerApp(base, ca, tok.body.access_token, ['AuditLog.Read.All', 'Directory.Read.All'], 'Reporting benchmark application');
  const appTok = await call(base, 'POST', `/${main.tenantId}/oauth2/v2.0/token`, {
    ca, form: { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' },
  });
  const token = appTok.body.access_token;

  // literals for the selective filters, taken from the data itself: the newest page's most frequent user and app
  const first = await timed(base, ca, token, '/v1.0/auditLogs/signIns?$top=1000', { iterations: 1, warmup: 0 });
  // by how often they appear on the newest page: the most frequent (fills whole pages) and the median one (a typical user or app)
  const ranked = (k) => Object.entries(first.body.value.reduce((m, r) => ({ ...m, [r[k]]: (m[r[k]] ?? 0) + 1 }), {})).sort((a, b) => b[1] - a[1]).map(([v]) => v);
  const users = ranked('userPrincipalName');
  const apps = ranked('appId');
  const upn = users[0];
  const appId = apps[0];
  const typicalUpn = users[Math.floor(users.length / 2)];
  const typicalApp = apps[Math.floor(apps.length / 2)];
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const q = (filter) => `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`;
  const queries = [
    ['first page of 1,000, newest first', '/v1.0/auditLogs/signIns'],
    ['userPrincipalName eq (the most frequent user)', q(`userPrincipalName eq '${upn}'`)],
    ['userPrincipalName eq (a typical user: the median one)', q(`userPrincipalName eq '${typicalUpn}'`)],
    ['appId eq + 7-day range', q(`appId eq '${appId}' and createdDateTime ge ${weekAgo}`)],
    ['appId eq + 7-day range (a typical app: the median one)', q(`appId eq '${typicalApp}' and createdDateTime ge ${weekAgo}`)],
    ['status/errorCode ne 0', q('status/errorCode ne 0')],
    ["startswith(userDisplayName,'a')", q("startswith(userDisplayName,'a')")],
    ['beta, two event types (interactive or non-interactive)', `/beta/auditLogs/signIns?$filter=${encodeURIComponent("signInEventTypes/any(t: t eq 'interactiveUser') or signInEventTypes/any(t: t eq 'nonInteractiveUser')")}`],
  ];
  const results = [];
  for (const [name, url] of queries) {
    const r = await timed(base, ca, token, url);
    results.push({ name, p50: r.p50, p95: r.p95, max: r.max, rows: r.rows });
    log(`  ${name}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms (${r.rows} rows)`);
  }
  // page 50 through nextLinks: walk there once, then time that page (skiptokens are stateless and reusable)
  let link = '/v1.0/auditLogs/signIns';
  for (let i = 1; i < 50; i++) {
    const r = await call(base, 'GET', link, { ca, headers: { authorization: `Bearer ${token}` }, timeoutMs: 120_000 });
    link = r.body['@odata.nextLink'];
    if (!link) throw new Error(`no nextLink after page ${i}`);
  }
  const p50page = await timed(base, ca, token, link);
  results.push({ name: 'page 50 via nextLink', p50: p50page.p50, p95: p50page.p95, max: p50page.max, rows: p50page.rows });
  log(`  page 50 via nextLink: p50 ${p50page.p50.toFixed(1)} ms, p95 ${p50page.p95.toFixed(1)} ms`);

  // freshness: a sign-in is in the API as soon as its token response is
  const fresh = [];
  for (let i = 0; i < 10; i++) {
    const crid = randomUUID();
    const t = await call(base, 'POST', `/${main.tenantId}/oauth2/v2.0/token`, {
      ca, headers: { 'client-request-id': crid }, form: { grant_type: 'client_credentials', client_id: app.appId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' },
    });
    const t0 = performance.now();
    for (;;) {
      const r = await call(base, 'GET', `/beta/auditLogs/signIns?$filter=${encodeURIComponent(`correlationId eq '${crid}' and signInEventTypes/any(t: t eq 'servicePrincipal')`)}`, { ca, headers: { authorization: `Bearer ${t.body.access_token}` } });
      if (r.status === 200 && r.body.value.length === 1) break;
      if (performance.now() - t0 > 10_000) throw new Error('sign-in not visible after 10 s');
    }
    fresh.push(performance.now() - t0);
  }
  fresh.sort((a, b) => a - b);

  child.kill('SIGTERM');
  const summary = {
    date: new Date().toISOString(), engine, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
    rows: { main: state.generated[0].rows, total: totalRows }, generate: state.generated,
    storage: { bytes, bytesPerSignIn: bytes / totalRows }, queries: results,
    freshness: { p50: percentile(fresh, 50), max: fresh[fresh.length - 1], note: 'token response → first read that returns the sign-in' },
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', `reporting-${engine}-${summary.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(summary, null, 2));
  process.stdout.write(`\n| query (${engine}, ${summary.rows.main.toLocaleString('en-US')} sign-ins in the tenant, ${totalRows.toLocaleString('en-US')} in all) | p50 | p95 | rows |\n|---|---|---|---|\n`);
  for (const r of results) process.stdout.write(`| ${r.name} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.rows} |\n`);
  process.stdout.write(`\nstorage: ${(bytes / 1e6).toFixed(0)} MB, ${summary.storage.bytesPerSignIn.toFixed(0)} bytes per sign-in\n`);
  process.stdout.write(`freshness: sign-in readable ${summary.freshness.p50.toFixed(1)} ms (p50) after the token response\n`);
  process.stdout.write(`generate: ${state.generated.map((g) => `${(g.rows / g.seconds).toFixed(0)} rows/s`).join(', ')}\nresults: ${out}\n`);
  if (!reuse && !env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else log(`data kept in ${dir} (BENCH_DATA=${dir} reuses it)`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench:reporting failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
