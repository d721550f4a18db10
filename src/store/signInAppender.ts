import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { Database, SignInsTable } from './schema.js';

/** Appends batches of sign-in rows durably; resolves once they are committed. */
export interface SignInAppender {
  append(rows: SignInsTable[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS: readonly (keyof SignInsTable)[] = [
  'tenant_id', 'id', 'created_at', 'event_type', 'user_id', 'user_principal_name', 'user_display_name', 'app_id',
  'app_display_name', 'service_principal_id', 'ip_address', 'client_app_used', 'resource_id', 'resource_display_name',
  'correlation_id', 'error_code', 'failure_reason', 'details',
];

/**
 * The SQLite appender runs in a worker thread with its own connection: better-sqlite3 is synchronous,
 * and the fsync of each commit (synchronous=FULL) would otherwise stall the event loop that serves
 * requests. Plain JavaScript evaluated in the thread, so it runs the same from sources and from dist/.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare(workerData.sql);
const appendAll = db.transaction((rows) => { for (const r of rows) insert.run(r); });
parentPort.on('message', (msg) => {
  if (msg.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try { appendAll.immediate(msg.rows); parentPort.postMessage({ id: msg.id }); }
  catch (err) { parentPort.postMessage({ id: msg.id, error: String(err && err.message || err) }); }
});
`;

export function sqliteThreadAppender(path: string, driverPath: string): SignInAppender {
  const sqlText = `insert into sign_ins (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`;
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const w = new Worker(THREAD_SOURCE, { eval: true, workerData: { path, sql: sqlText, driver: driverPath } });
    w.on('message', (msg: { id?: number; error?: string }) => {
      if (msg.id === undefined) return;
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`sign-in append failed: ${msg.error}`));
      else p?.resolve();
    });
    w.on('error', (err) => failAll(err));
    w.on('exit', () => failAll(new Error('sign-in writer thread exited')));
    w.unref();
    return w;
  };
  return {
    append(rows) {
      worker ??= start();
      const id = nextId++;
      const w = worker;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, rows: rows.map((r) => COLUMNS.map((c) => r[c])) });
      }).finally(() => {
        if (pending.size === 0) worker?.unref();
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (!w) return;
      await new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.postMessage({ close: true });
        w.once('message', () => void w.terminate());
      });
    },
  };
}

/** PostgreSQL (and in-memory SQLite): one transaction per batch on the store's own connections. */
export function transactionAppender(db: Kysely<Database>): SignInAppender {
  return {
    async append(rows) {
      if (rows.length > 0) await db.transaction().execute((trx) => trx.insertInto('sign_ins').values(rows).execute());
    },
    async close() {},
  };
}
