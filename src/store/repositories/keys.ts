import type { Executor } from '../db.js';
import type { SigningKeysTable } from '../schema.js';

export type SigningKeyRow = SigningKeysTable;

export async function listSigningKeys(ex: Executor): Promise<SigningKeyRow[]> {
  return ex.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
}

/** Inserts the key; does nothing when a row with the same kid exists. */
export async function insertSigningKey(ex: Executor, row: SigningKeyRow): Promise<void> {
  await ex.insertInto('signing_keys').values(row).onConflict((oc) => oc.column('kid').doNothing()).execute();
}

export async function getServerSecret(ex: Executor, name: string): Promise<string | undefined> {
  const row = await ex.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

/** Stores value under name unless one exists; returns the value that is stored (first writer wins). */
export async function ensureServerSecret(ex: Executor, name: string, value: string, now: number): Promise<string> {
  await ex
    .insertInto('server_secrets')
    .values({ name, value, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await getServerSecret(ex, name);
  if (stored === undefined) throw new Error(`server secret ${name} could not be stored`);
  return stored;
}
