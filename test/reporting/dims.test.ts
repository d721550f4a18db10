import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSignInRow, type SignInEvent } from '../../src/reporting/records.js';
import { UNTRUSTED_NEW_PER_MINUTE } from '../../src/store/repositories/signInDims.js';
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
});
