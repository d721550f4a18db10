import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { NewSignInRow } from './repositories/logs.js';

/** Appends batches of sign-in rows durably; resolves once they are committed. */
export interface SignInAppender {
  append(rows: NewSignInRow[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS: readonly (keyof NewSignInRow)[] = [
  'tenant_ref', 'id', 'created_at', 'event_type', 'user_ref', 'app_ref', 'resource_ref', 'client_ref', 'location_ref',
  'status_ref', 'assessment_ref', 'ip_address', 'correlation_id', 'request_id', 'token_id', 'processing_ms',
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

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** One writer thread and the batches it has not acknowledged yet. */
interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** set once the thread has exited (or failed): it takes no more batches */
  gone: boolean;
  /** set while close() waits for the thread: it stays ref'd so the process waits too */
  closing: boolean;
  /** called when the last pending batch is settled */
  onDrained?: () => void;
  /** called once the thread is gone */
  onGone?: () => void;
}

export function sqliteThreadAppender(path: string, driverPath: string): SignInAppender {
  const sqlText = `insert into sign_ins (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`;
  let current: Thread | undefined;
  let nextId = 0;
  let closed: Promise<void> | undefined;

  // Every handler below is bound to its own thread: a replaced thread's late 'exit' or 'error' settles
  // only the batches it was given, never those of the thread that took its place.
  const start = (): Thread => {
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { path, sql: sqlText, driver: driverPath } });
    const t: Thread = { worker, pending: new Map(), gone: false, closing: false };
    const fail = (err: Error) => {
      t.gone = true;
      if (current === t) current = undefined;
      for (const p of t.pending.values()) p.reject(err);
      t.pending.clear();
      t.onDrained?.();
      t.onGone?.();
    };
    worker.on('message', (msg: { id?: number; error?: string; closed?: boolean }) => {
      if (msg.closed) {
        // the thread has closed its database; nothing keeps it but its message port
        void worker.terminate();
        return;
      }
      if (msg.id === undefined) return;
      const p = t.pending.get(msg.id);
      t.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`sign-in append failed: ${msg.error}`));
      else p?.resolve();
      if (t.pending.size === 0) {
        t.onDrained?.();
        // idle: the thread alone must not keep the process alive
        if (!t.closing) worker.unref();
      }
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', () => fail(new Error('sign-in writer thread exited')));
    worker.unref();
    return t;
  };

  const shutdown = async (t: Thread): Promise<void> => {
    t.closing = true;
    t.worker.ref(); // the process waits for the thread, whatever else keeps it alive
    // batches already posted are acknowledged first (or fail with the thread)
    if (t.pending.size > 0 && !t.gone) await new Promise<void>((resolve) => { t.onDrained = resolve; });
    if (t.gone) return;
    await new Promise<void>((resolve) => {
      t.onGone = resolve; // 'exit' after the {closed:true} answer, or a failure
      t.worker.postMessage({ close: true });
    });
  };

  return {
    append(rows) {
      if (closed) return Promise.reject(new Error('sign-in appender is closed'));
      const t = current && !current.gone ? current : (current = start());
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        t.pending.set(id, { resolve, reject });
        t.worker.ref();
        t.worker.postMessage({ id, rows: rows.map((r) => COLUMNS.map((c) => r[c] ?? null)) });
      });
    },
    close() {
      if (!closed) {
        const t = current;
        current = undefined;
        closed = t ? shutdown(t) : Promise.resolve();
      }
      return closed;
    },
  };
}

/** PostgreSQL (and in-memory SQLite): one transaction per batch on the store's own connections. */
export function transactionAppender(db: Kysely<Database>): SignInAppender {
  return {
    async append(rows) {
      if (rows.length === 0) return;
      // one transaction, in statements of at most 1,000 rows (bind-parameter limits: 65,535 on PostgreSQL, 32,766 on SQLite)
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('sign_ins').values(rows.slice(i, i + 1000)).execute();
      });
    },
    async close() {},
  };
}
