import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { NewSignInRow } from './repositories/logs.js';
import { SignInDimensions } from './repositories/signInDims.js';
import { sqliteThreadAppender, transactionAppender, type SignInAppender } from './signInAppender.js';
import { createRequire } from 'node:module';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_directory_version.js';
import * as m003 from './migrations/003_signin_dimensions.js';
import * as m004 from './migrations/004_authorization.js';

export type Engine = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Durably appends a batch of sign-in records (group commit); resolves after the commit. */
  appendSignIns(rows: NewSignInRow[]): Promise<void>;
  /** the sign-in log's dimension rows (users, apps, clients, …) by number, cached */
  readonly signInDims: SignInDimensions;
  /**
   * Refreshes PostgreSQL's planner statistics of the log tables (`ANALYZE`): after a bulk load, and
   * periodically, since a server may run without autovacuum. Nothing on SQLite (see below).
   */
  analyze(): Promise<void>;
  /** Runs fn in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: (trx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… URL; when absent, SQLite at sqlitePath */
  databaseUrl?: string;
  sqlitePath?: string;
}

// int8 (bigint) columns hold epoch milliseconds: safe as JS numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

const migrations = { '001_initial': m001, '002_directory_version': m002, '003_signin_dimensions': m003, '004_authorization': m004 };

export async function openStore(options: StoreOptions): Promise<Store> {
  let db: Kysely<Database>;
  let engine: Engine;
  let sqliteFile: string | undefined;
  let migrationTableSchema: string | undefined;
  if (options.databaseUrl) {
    engine = 'postgres';
    const url = new URL(options.databaseUrl);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`invalid PostgreSQL schema name '${schema}'`);
    }
    if (schema) {
      migrationTableSchema = schema;
      const admin = new pg.Client({ connectionString: url.toString() });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    engine = 'sqlite';
    const path = options.sqlitePath ?? ':memory:';
    if (path !== ':memory:') {
      createPrivately(path);
      sqliteFile = path;
    }
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }

  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'tenantry_migrations',
    migrationLockTableName: 'tenantry_migrations_lock',
    // Kysely looks for its tables in every schema unless told which: another schema's copy must not count
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }

  const appender: SignInAppender = sqliteFile
    ? sqliteThreadAppender(sqliteFile, createRequire(import.meta.url).resolve('better-sqlite3'))
    : transactionAppender(db);
  const transaction: Store['transaction'] = engine === 'sqlite' ? (fn) => sqliteImmediateTransaction(db, fn) : (fn) => db.transaction().execute(fn);
  return {
    db,
    engine,
    appendSignIns: (rows) => appender.append(rows),
    signInDims: new SignInDimensions(db, transaction),
    analyze: async () => {
      // SQLite is left without statistics on purpose: its sampled ones (PRAGMA optimize) rate every
      // reference column at thousands of rows per value and lure the planner onto the time index
      // (measured: 24 → 80 ms for one app at 5 M rows), a full ANALYZE holds the write lock for seconds,
      // and the plans the queries are written for hold without statistics (docs/architecture.md).
      if (engine === 'postgres') {
        await sql`analyze sign_ins, log_tenants, signin_users, signin_apps, signin_resources, signin_clients, signin_locations, signin_statuses, signin_assessments, signin_assessment_items, directory_audits, audit_targets`.execute(db);
      }
    },
    transaction,
    close: async () => {
      await appender.close();
      await db.destroy();
    },
  };
}

/**
 * The SQLite file holds the token-signing private key and the secret pepper: a directory we create
 * is 0700 and a file we create is 0600 before SQLite opens it (SQLite gives -wal and -shm the mode of
 * the database file). Existing directories and files keep the mode their owner gave them.
 */
function createPrivately(path: string): void {
  const dir = dirname(path);
  // the mode of a new directory goes through the umask; make it exact
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Kysely prepares every query anew; preparing costs more than running these small indexed queries, so
 * statements are kept by SQL text. Kysely runs one statement at a time per connection (its mutex), so
 * reusing a statement object is safe.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, max = 512) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        stmt = sqlite.prepare(sqlText);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
}

/**
 * SQLite transactions take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
 * reads and then writes fails with SQLITE_BUSY, without waiting, when another process wrote in
 * between. With several processes on one file, the busy timeout then queues writers instead.
 */
async function sqliteImmediateTransaction<T>(db: Kysely<Database>, fn: (trx: Executor) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/** True when err is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
