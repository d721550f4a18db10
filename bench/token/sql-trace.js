// Preload for the Tenantry child when BENCH_SQL_TRACE=1 (node --import …/sql-trace.js bin/tenantry.js serve):
// times every better-sqlite3 prepare and statement execution, grouped by SQL text, without touching src/.
// Odd SIGUSR2s reset the counters (start of a measured run), even ones write them to
// <BENCH_SQL_TRACE_FILE>.<pid>.json (end of the measured run; one file per process, so
// `serve --workers` works too). SQLite only; PostgreSQL is not traced.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const file = process.env.BENCH_SQL_TRACE_FILE;

let stats = new Map();
const entry = (sql) => {
  let e = stats.get(sql);
  if (!e) stats.set(sql, (e = { prepares: 0, prepareNs: 0n, executions: 0, executeNs: 0n }));
  return e;
};

let statementPatched = false;
function patchStatement(proto) {
  for (const m of ['run', 'get', 'all']) {
    const orig = proto[m];
    proto[m] = function traced(...args) {
      const t = process.hrtime.bigint();
      try {
        return orig.apply(this, args);
      } finally {
        const e = entry(this.source);
        e.executions++;
        e.executeNs += process.hrtime.bigint() - t;
      }
    };
  }
}

const prepare = Database.prototype.prepare;
Database.prototype.prepare = function tracedPrepare(sql) {
  const t = process.hrtime.bigint();
  const stmt = prepare.call(this, sql);
  const e = entry(sql);
  e.prepares++;
  e.prepareNs += process.hrtime.bigint() - t;
  if (!statementPatched) {
    patchStatement(Object.getPrototypeOf(stmt));
    statementPatched = true;
  }
  return stmt;
};

let signals = 0;
process.on('SIGUSR2', () => {
  signals++;
  if (signals % 2 === 1) {
    stats = new Map();
    return;
  }
  if (file) {
    const rows = [...stats].map(([sql, e]) => ({
      sql, prepares: e.prepares, prepareMs: Number(e.prepareNs) / 1e6, executions: e.executions, executeMs: Number(e.executeNs) / 1e6,
    }));
    writeFileSync(`${file}.${process.pid}.json`, JSON.stringify(rows, null, 2));
  }
});
