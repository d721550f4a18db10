import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import type { NewSignInRow } from '../../src/store/repositories/logs.js';
import { insertTenant } from '../../src/store/repositories/tenants.js';

/**
 * What only the SQLite engine has: a file on disk that holds the signing key and the pepper, and the
 * worker thread that commits sign-in batches. Runs whatever engine the rest of the suite is on.
 */

const mode = (path: string): number => statSync(path).mode & 0o777;

/** A bare sign-in row (an app sign-in with no dimensions but its outcome). */
function signIn(tenantRef: number, n: number, statusRef = 1): NewSignInRow {
  return {
    tenant_ref: tenantRef, id: randomUUID(), created_at: 1_000 + n, event_type: 2, status_ref: statusRef, ip_address: null,
    correlation_id: randomUUID(), request_id: null, token_id: null, processing_ms: 0,
  };
}

/** A tenant for the sign-ins to belong to (sign_ins.tenant_id is a foreign key). */
async function newTenant(store: Store): Promise<{ tenantId: string; ref: number; status: number }> {
  const id = randomUUID();
  await insertTenant(store.db, { id, display_name: 'appender', tenant_type: 'standard', license: 'P1', created_at: 1 });
  const ref = await store.signInDims.tenantRef(id);
  const status = await store.signInDims.intern('signin_statuses', ref, { error_code: 0, failure_reason: null, additional_details: null });
  return { tenantId: id, ref, status };
}

async function countSignIns(path: string, tenantId: string): Promise<number> {
  const store = await openStore({ sqlitePath: path });
  try {
    const r = await sql<{ n: number }>`select count(*) as n from sign_ins s join log_tenants t on t.ref = s.tenant_ref where t.tenant_id = ${tenantId}`.execute(store.db);
    return Number(r.rows[0]!.n);
  } finally {
    await store.close();
  }
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tenantry-sqlite-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('SQLite file permissions', () => {
  it('a data directory it creates is 0700 and the database file, -wal and -shm are 0600, whatever the umask', async () => {
    const previous = process.umask(0o022);
    let store: Store | undefined;
    try {
      const dir = join(root, 'data', 'nested');
      const path = join(dir, 'tenantry.db');
      store = await openStore({ sqlitePath: path });
      await sql`insert into server_secrets (name, value, created_at) values (${'probe'}, ${'x'}, ${1})`.execute(store.db);
      expect(mode(join(root, 'data'))).toBe(0o700);
      expect(mode(dir)).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
    } finally {
      process.umask(previous);
      await store?.close();
    }
  });

  it('leaves the mode of an existing directory and file alone', async () => {
    const dir = join(root, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const path = join(dir, 'tenantry.db');
    const first = await openStore({ sqlitePath: path });
    await first.close();
    chmodSync(path, 0o640);
    const second = await openStore({ sqlitePath: path });
    await second.close();
    expect(mode(dir)).toBe(0o755);
    expect(mode(path)).toBe(0o640);
  });
});

describe('SQLite sign-in appender (writer thread)', () => {
  it('many concurrent appends, then close at once: every append resolves and every row is committed', async () => {
    const path = join(root, 'appender.db');
    const store = await openStore({ sqlitePath: path });
    const { tenantId, ref, status } = await newTenant(store);
    const batches = Array.from({ length: 200 }, (_, i) => Array.from({ length: 5 }, (_, j) => signIn(ref, i * 5 + j, status)));
    const appends = batches.map((rows) => store.appendSignIns(rows));
    const closed = store.close(); // while nearly every batch is still in flight
    const results = await Promise.allSettled(appends);
    await closed;
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await countSignIns(path, tenantId)).toBe(1000);
  });

  it('append after close rejects and writes nothing; closing twice is fine', async () => {
    const path = join(root, 'closed.db');
    const store = await openStore({ sqlitePath: path });
    const { tenantId, ref, status } = await newTenant(store);
    await store.appendSignIns([signIn(ref, 1, status)]);
    await store.close();
    await expect(store.appendSignIns([signIn(ref, 2, status)])).rejects.toThrow(/closed/);
    await expect(store.close()).resolves.toBeUndefined();
    expect(await countSignIns(path, tenantId)).toBe(1);
  });

  it('a store that never appended closes at once, and twice', async () => {
    const store = await openStore({ sqlitePath: join(root, 'idle.db') });
    await store.close();
    await store.close();
  });

  it('the process stays alive until close() has resolved (the idle thread is unref’d, not while closing)', () => {
    // the built module, as the CLI runs it: nothing but the closing thread keeps this process alive
    const db = pathToFileURL(resolve('dist/store/db.js')).href;
    const path = join(root, 'exit.db');
    const script = `
      import { randomUUID } from 'node:crypto';
      import { openStore } from ${JSON.stringify(db)};
      const store = await openStore({ sqlitePath: ${JSON.stringify(path)} });
      await store.db.insertInto('tenants').values({ id: 'exit-tenant', display_name: 'exit', tenant_type: 'standard', license: 'P1', created_at: 1 }).execute();
      const row = ${JSON.stringify(signIn(1, 1))};
      await store.appendSignIns([{ ...row, id: randomUUID() }]);
      await store.close();
      process.stdout.write('closed');
    `;
    // a file, not `--input-type=module -e`: worker threads inherit that flag and would read the thread's source as ESM
    const file = join(root, 'exit.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 0, stdout: 'closed' });
  });
});
