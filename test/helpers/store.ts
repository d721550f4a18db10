import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore, type Store } from '../../src/store/db.js';

export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.TENANTRY_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const PG_URL = process.env.TENANTRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL schema name of this test run; the run's global teardown drops them all. */
export function testSchemaName(label = 's'): string {
  return `${process.env.TENANTRY_TEST_RUN ?? 't_local'}_${label}${randomBytes(5).toString('hex')}`;
}

export interface TestStore {
  store: Store;
  /** SQLite file path (for tests that read the raw file) */
  path?: string;
  /** PostgreSQL URL including ?schema=, for a second process on the same store */
  url?: string;
  cleanup(): Promise<void>;
}

/** A fresh, empty store on the engine under test: a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestStore(): Promise<TestStore> {
  if (TEST_ENGINE === 'postgres') {
    const schema = testSchemaName();
    const url = `${PG_URL}?schema=${schema}`;
    const store = await openStore({ databaseUrl: url });
    return {
      store,
      url,
      async cleanup() {
        await store.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-store-'));
  const path = join(dir, 'tenantry.db');
  const store = await openStore({ sqlitePath: path });
  return {
    store,
    path,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
