// Summarises a V8 .cpuprofile (node --cpu-prof) into cost categories per token request and the top
// functions by self time. Used by run.js with BENCH_PROFILE=1; also runnable on its own:
//
//   node bench/token/profile-summary.js bench/results/token-…-profiles/tenantry.cpuprofile [tokens]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const has = (stack, pred) => stack.some(pred);
const fn = (name, urlPart) => (f) => f.functionName === name && (urlPart === undefined || f.url.includes(urlPart));
const url = (part) => (f) => f.url.includes(part);

/**
 * Each sample goes to the first category whose test matches its stack (leaf first). Native calls
 * (crypto, better-sqlite3, TLS) are charged to the JS frame that made them, so the stack tells them apart.
 */
const CATEGORIES = [
  ['idle', (s) => s[0].functionName === '(idle)'],
  ['garbage collection', (s) => s[0].functionName === '(garbage collector)'],
  ['JWT building + RS256 signing on the main thread (jose/WebCrypto: the RSA math itself runs on the libuv pool)', (s) => has(s, url('internal/crypto/sig')) || has(s, (f) => f.url.includes('jose') && /sign/i.test(f.functionName))],
  ['SQLite COMMIT via Kysely (WAL append + fsync, synchronous=FULL)', (s) => has(s, fn('commitTransaction'))],
  ['SQLite BEGIN', (s) => has(s, fn('beginTransaction'))],
  ['SQLite prepare (statement compilation)', (s) => has(s, fn('executeQuery', 'sqlite-driver')) && has(s, fn('prepare'))],
  ['SQLite statement execution (reads + INSERT)', (s) => has(s, fn('executeQuery', 'sqlite-driver')) || has(s, url('bench/token/sql-trace.js'))],
  ['PostgreSQL driver (pg)', (s) => has(s, url('/pg/')) || has(s, url('pg-protocol'))],
  ['logging (pino)', (s) => has(s, url('pino')) || has(s, url('sonic-boom'))],
  ['Kysely query building / compiling', (s) => has(s, url('kysely'))],
  ['TLS / socket I/O', (s) => has(s, url('_tls_wrap')) || has(s, url('internal/tls')) || has(s, url('stream_base_commons')) || has(s, url('node:net'))],
  ['HTTP parsing / writing (node:http)', (s) => has(s, url('_http_')) || has(s, url('node:http'))],
  ['JSON parse / stringify', (s) => ['stringify', 'parse'].includes(s[0].functionName) && s[0].url === ''],
  ['Fastify (routing, hooks, reply)', (s) => has(s, url('fastify')) || has(s, url('find-my-way')) || has(s, url('avvio'))],
  ['oidc-provider / koa', (s) => has(s, url('oidc-provider')) || has(s, url('/koa')) || has(s, url('koa-'))],
  ['Tenantry code (dist/)', (s) => has(s, url('/dist/'))],
  ['(program) — native, unattributed', (s) => s[0].functionName === '(program)'],
  ['other', () => true],
];

export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = new Map();
  const stack = (id) => {
    let s = stackOf.get(id);
    if (s) return s;
    s = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      if (cf.functionName !== '(root)') s.push({ functionName: cf.functionName, url: cf.url, line: cf.lineNumber + 1 });
    }
    stackOf.set(id, s);
    return s;
  };
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const cat = new Map(CATEGORIES.map(([name]) => [name, 0]));
  const self = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    const s = stack(profile.samples[i]);
    if (s.length === 0) continue;
    const [name] = CATEGORIES.find(([, test]) => test(s));
    cat.set(name, cat.get(name) + ms);
    const leaf = s[0];
    const key = `${leaf.functionName || '(anonymous)'} ${shortUrl(leaf.url)}${leaf.url ? `:${leaf.line}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  const busyMs = totalMs - (cat.get('idle') ?? 0);
  return {
    totalMs: +totalMs.toFixed(0),
    busyMs: +busyMs.toFixed(0),
    categories: [...cat].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms: +ms.toFixed(1) })),
    topSelf: [...self].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([name, ms]) => ({ name, ms: +ms.toFixed(1) })),
  };
}

/** Adds up the summaries of several processes (serve --workers, a cluster primary and its workers). */
export function mergeSummaries(list) {
  const add = (key) => {
    const m = new Map();
    for (const s of list) for (const x of s[key]) m.set(x.name, (m.get(x.name) ?? 0) + x.ms);
    return [...m].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms: +ms.toFixed(1) }));
  };
  return {
    totalMs: list.reduce((a, s) => a + s.totalMs, 0),
    busyMs: list.reduce((a, s) => a + s.busyMs, 0),
    processes: list.length,
    categories: add('categories'),
    topSelf: add('topSelf').slice(0, 20),
  };
}

function shortUrl(u) {
  if (!u) return '';
  return u.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/dist\//, 'dist/');
}

export function formatSummary(s, tokens) {
  const per = (ms) => (tokens ? `${((ms * 1000) / tokens).toFixed(0).padStart(5)} µs/token` : '');
  const pct = (ms) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)} %`;
  const lines = [`  ${s.totalMs} ms profiled${s.processes > 1 ? ` (sum over ${s.processes} processes)` : ''}, main thread busy ${s.busyMs} ms (running JS/native code or blocked in a syscall such as fsync)` +
    `${tokens ? `, ${tokens} tokens → ${((s.busyMs * 1000) / tokens).toFixed(0)} µs main-thread time per token (incl. start-up and setup)` : ''}`];
  lines.push('  by category (share of busy main-thread time):');
  for (const c of s.categories) if (c.name !== 'idle') lines.push(`    ${pct(c.ms)}  ${per(c.ms)}  ${c.name}`);
  lines.push('  top functions by self time:');
  for (const f of s.topSelf.filter((x) => !x.name.startsWith('(idle)')).slice(0, 12)) lines.push(`    ${pct(f.ms)}  ${f.name}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, tokens] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/token/profile-summary.js FILE.cpuprofile [tokens]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8'))), tokens ? Number(tokens) : 0));
}
