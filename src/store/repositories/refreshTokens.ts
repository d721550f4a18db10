import type { Executor } from '../db.js';
import type { RefreshTokensTable } from '../schema.js';

export type RefreshTokenRow = RefreshTokensTable;

export async function insertRefreshToken(ex: Executor, row: RefreshTokenRow): Promise<void> {
  await ex.insertInto('refresh_tokens').values(row).execute();
}

export async function findRefreshToken(ex: Executor, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return ex.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Atomically marks the token consumed: compare-and-swap on consumed_at IS NULL, so of any number of
 * concurrent redemptions exactly one wins. Returns true for the winner.
 */
export async function consumeRefreshToken(ex: Executor, tokenHash: string, now: number): Promise<boolean> {
  const r = await ex
    .updateTable('refresh_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every token of a family (reuse detected). */
export async function revokeRefreshFamily(ex: Executor, familyId: string, now: number): Promise<void> {
  await ex.updateTable('refresh_tokens').set({ revoked_at: now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
}

/**
 * Revokes every refresh token of a user not yet revoked (password reset, deleted user): redeeming one
 * then fails with AADSTS50173. Returns how many were revoked.
 */
export async function revokeRefreshTokensOfUser(ex: Executor, tenantId: string, userId: string, now: number): Promise<number> {
  const r = await ex
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
