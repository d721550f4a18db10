import type { Executor } from '../db.js';
import type { AuthorizationCodesTable, BrowserSessionsTable } from '../schema.js';

export type AuthorizationCodeRow = AuthorizationCodesTable;
export type BrowserSessionRow = BrowserSessionsTable;

export async function insertAuthorizationCode(ex: Executor, row: AuthorizationCodeRow): Promise<void> {
  await ex.insertInto('authorization_codes').values(row).execute();
}

export async function findAuthorizationCode(ex: Executor, codeHash: string): Promise<AuthorizationCodeRow | undefined> {
  return ex.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Compare-and-swap on consumed_at IS NULL: of any number of concurrent redemptions exactly one wins. */
export async function consumeAuthorizationCode(ex: Executor, codeHash: string, now: number): Promise<boolean> {
  const r = await ex.updateTable('authorization_codes').set({ consumed_at: now })
    .where('code_hash', '=', codeHash).where('consumed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertBrowserSession(ex: Executor, row: BrowserSessionRow): Promise<void> {
  await ex.insertInto('browser_sessions').values(row).execute();
}

export async function findBrowserSession(ex: Executor, sessionHash: string): Promise<BrowserSessionRow | undefined> {
  return ex.selectFrom('browser_sessions').selectAll().where('session_hash', '=', sessionHash).executeTakeFirst();
}

export async function revokeBrowserSession(ex: Executor, sessionHash: string, now: number): Promise<void> {
  await ex.updateTable('browser_sessions').set({ revoked_at: now }).where('session_hash', '=', sessionHash).where('revoked_at', 'is', null).execute();
}

/** Ends every browser session of a user (password reset, deletion): single sign-on stops at once. */
export async function revokeBrowserSessionsOfUser(ex: Executor, tenantId: string, userId: string, now: number): Promise<void> {
  await ex.updateTable('browser_sessions').set({ revoked_at: now }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

/** Codes and sessions a day past their expiry; returns how many rows went. */
export async function purgeAuthorizationArtifacts(ex: Executor, now: number): Promise<number> {
  const cutoff = now - 24 * 3600 * 1000;
  const a = await ex.deleteFrom('authorization_codes').where('expires_at', '<', cutoff).executeTakeFirst();
  const b = await ex.deleteFrom('browser_sessions').where('expires_at', '<', cutoff).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(b.numDeletedRows);
}
