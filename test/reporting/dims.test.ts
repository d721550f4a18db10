import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dimValues, toSignInRow, type SignInEvent } from '../../src/reporting/records.js';
import { purgeDimensions, SignInDimensions, UNTRUSTED_NEW_PER_MINUTE } from '../../src/store/repositories/signInDims.js';
import { insertTenant } from '../../src/store/repositories/tenants.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

/** A failed sign-in's caller chooses its user name and User-Agent: they cannot grow the dimension tables at will. */
describe('dimension rows from unauthenticated callers are rationed', () => {
  let ts: TestStore;
  beforeAll(async () => { ts = await createTestStore(); });
  afterAll(async () => { await ts?.cleanup(); });

  const event = (tenantId: string, i: number, errorCode: number): SignInEvent => ({
    id: randomUUID(), tenantId, createdAt: Date.now(), eventType: 'interactiveUser', correlationId: randomUUID(), requestId: null, ipAddress: '203.0.113.9',
    userAgent: `spray-agent/${i}`, clientAppUsed: 'Mobile Apps and Desktop clients', authenticationProtocol: 'ropc', clientCredentialType: 'none',
    user: { id: null, userPrincipalName: `guess${i}@victim.example`, displayName: null },
    status: errorCode ? { errorCode, failureReason: 'Error validating credentials due to invalid username or password.' } : { errorCode: 0, failureReason: null },
  });
  const count = async (table: 'signin_users' | 'signin_clients', tenantRef: number) =>
    Number((await ts.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('tenant_ref', '=', tenantRef).executeTakeFirstOrThrow()).n);

  it('failed sign-ins add at most the per-minute budget of new users and clients, then a fixed placeholder; successful ones are not rationed', async () => {
    const tenantId = randomUUID();
    await insertTenant(ts.store.db, { id: tenantId, display_name: 'ration', tenant_type: 'standard', license: 'P1', created_at: 1 });
    const n = UNTRUSTED_NEW_PER_MINUTE + 50;
    const rows = [];
    for (let i = 0; i < n; i++) rows.push(await toSignInRow(ts.store.signInDims, event(tenantId, i, 50126)));
    const ref = await ts.store.signInDims.tenantRef(tenantId);
    expect(await count('signin_users', ref)).toBe(UNTRUSTED_NEW_PER_MINUTE + 1);
    expect(await count('signin_clients', ref)).toBe(UNTRUSTED_NEW_PER_MINUTE + 1);
    // the last ones share the placeholder rows
    expect(new Set(rows.slice(-50).map((r) => r.user_ref)).size).toBe(1);
    expect(new Set(rows.slice(-50).map((r) => r.client_ref)).size).toBe(1);
    const placeholder = await ts.store.db.selectFrom('signin_users').select('user_principal_name').where('ref', '=', rows[n - 1]!.user_ref!).executeTakeFirstOrThrow();
    expect(placeholder.user_principal_name).toBe('(not recorded: too many distinct values)');
    // a successful sign-in is authenticated: its values are recorded whatever the budget
    const ok = await toSignInRow(ts.store.signInDims, event(tenantId, n + 1, 0));
    expect(ok.user_ref).not.toBe(rows[n - 1]!.user_ref);
    // and another tenant has its own budget
    const other = randomUUID();
    await insertTenant(ts.store.db, { id: other, display_name: 'other', tenant_type: 'standard', license: 'P1', created_at: 1 });
    const r = await toSignInRow(ts.store.signInDims, event(other, 1, 50126));
    const row = await ts.store.db.selectFrom('signin_users').select('user_principal_name').where('ref', '=', r.user_ref!).executeTakeFirstOrThrow();
    expect(row.user_principal_name).toBe('guess1@victim.example');
  });

  it('rows nobody has used since before retention are purged; a process that still had one cached makes it anew', async () => {
    let day = 20_000;
    const dims = new SignInDimensions(ts.store.db, ts.store.transaction, () => day);
    const tenantId = randomUUID();
    await insertTenant(ts.store.db, { id: tenantId, display_name: 'aging', tenant_type: 'standard', license: 'P1', created_at: 1 });
    const tref = await dims.tenantRef(tenantId);
    const typo = dimValues.user({ id: null, userPrincipalName: 'pa55word@typo.example', displayName: null });
    const kept = dimValues.user({ id: null, userPrincipalName: 'daily@ok.example', displayName: null });
    const old = await dims.intern('signin_users', tref, typo);
    const daily = await dims.intern('signin_users', tref, kept);
    // forty days on, the daily user is used again (and stamped); the typo is not
    day += 40;
    expect(await dims.intern('signin_users', tref, kept)).toBe(daily);
    // retention 30 days + 2 of margin: rows last used before day + 40 - 32 go
    expect(await purgeDimensions(ts.store.db, 'signin_users', tref, day - 32, 100)).toBe(1);
    const left = (await ts.store.db.selectFrom('signin_users').select('user_principal_name').where('tenant_ref', '=', tref).execute()).map((r) => r.user_principal_name);
    expect(left).toEqual(['daily@ok.example']);
    // the process still had the typo cached: it finds the row gone and makes a new one, never a dangling number
    const again = await dims.intern('signin_users', tref, typo);
    expect(again).not.toBe(old);
    expect(await ts.store.db.selectFrom('signin_users').select('ref').where('ref', '=', again).executeTakeFirst()).toBeDefined();
  });
});
