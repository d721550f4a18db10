import { resolve } from 'node:path';
import { openStore, type Store } from '../store/db.js';

export interface StoreFlags {
  data?: string;
  database?: string;
}

export const DEFAULT_DATA_DIR = '.tenantry';

export function dataDir(flags: StoreFlags): string {
  return resolve(flags.data ?? process.env.TENANTRY_DATA ?? DEFAULT_DATA_DIR);
}

/** PostgreSQL when --database (or DATABASE_URL) names one, else SQLite in the data directory. */
export function openConfiguredStore(flags: StoreFlags): Promise<Store> {
  const url = flags.database ?? process.env.DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--database must be a postgres:// URL, got '${url}'`);
    return openStore({ databaseUrl: url });
  }
  return openStore({ sqlitePath: resolve(dataDir(flags), 'tenantry.db') });
}

/** A mistake in the command line: one line on stderr, exit code 2, nothing written. */
export class UsageError extends Error {}

/** A command that finished and reports its outcome as an exit code (e.g. doctor: 1 when a check failed). */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}
