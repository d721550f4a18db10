import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureLocalTls } from '../src/server/tls.js';

/**
 * One local CA for the whole run. Node reads NODE_EXTRA_CA_CERTS only at start-up, so it is set
 * here, before vitest forks the workers that run the real Microsoft clients.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = join(tmpdir(), `tenantry-test-tls-${process.getuid?.() ?? 0}`);
  const tls = await ensureLocalTls(dir);
  process.env.NODE_EXTRA_CA_CERTS = tls.caPath;
  process.env.TENANTRY_TEST_TLS_DIR = dir;
  // PostgreSQL schemas of this run share a prefix and are dropped once at the end: dropping them
  // while other test files run their migrations makes those migrations fail.
  const run = `t_${randomBytes(4).toString('hex')}`;
  process.env.TENANTRY_TEST_RUN = run;
  return async () => {
    if (process.env.TENANTRY_TEST_DATABASE !== 'postgres') return;
    const c = new pg.Client({ connectionString: process.env.TENANTRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    await c.connect();
    try {
      const { rows } = await c.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [`${run}\\_%`]);
      for (const r of rows) await c.query(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
    } finally {
      await c.end();
    }
  };
}
