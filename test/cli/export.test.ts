import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSignIn, recordSignIn } from '../../src/identity/signIns.js';
import { openStore, type Store } from '../../src/store/db.js';
import { PG_URL, TEST_ENGINE, testSchemaName } from '../helpers/store.js';
import { csvField } from '../../src/reporting/export.js';

const BIN = resolve('bin/tenantry.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `tenantry export`: every record a filter selects, as JSON Lines or CSV, paging underneath. */
describe('tenantry export', () => {
  let dir: string;
  let storeArgs: string[];
  let tenantId: string;
  const N = 2_345; // more than two pages of 1,000
  const failures = new Set<string>();

  const open = (): Promise<Store> => (TEST_ENGINE === 'postgres' ? openStore({ databaseUrl: storeArgs[1]! }) : openStore({ sqlitePath: join(dir, 'tenantry.db') }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantry-export-'));
    storeArgs = TEST_ENGINE === 'postgres' ? ['--database', `${PG_URL}?schema=${testSchemaName('export')}`] : ['--data', dir];
    const created = run(['tenant', 'create', '--domain', 'export.example', '--license', 'P1', '--json', ...storeArgs]);
    expect(created.code, created.stderr).toBe(0);
    tenantId = JSON.parse(created.stdout).tenantId;
    const store = await open();
    try {
      const now = Date.now();
      const rows: Awaited<ReturnType<typeof prepareSignIn>>[] = [];
      for (let i = 0; i < N; i++) {
        const fail = i % 10 === 0;
        const id = randomUUID();
        if (fail) failures.add(id);
        rows.push(await prepareSignIn(store, {
          id, tenantId, createdAt: now - i * 1000, eventType: 'interactiveUser', correlationId: randomUUID(), requestId: null, ipAddress: '203.0.113.5',
          userAgent: i === 7 ? '=HYPERLINK("http://evil.example","x")' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36',
          clientAppUsed: 'Browser', authenticationProtocol: 'none', clientCredentialType: 'none',
          user: { id: randomUUID(), userPrincipalName: `user${i % 17}@export.example`, displayName: i === 3 ? 'Quote "and", comma' : `User ${i % 17}` },
          status: fail ? { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' } : { errorCode: 0, failureReason: null },
        }));
      }
      await store.transaction(async (trx) => { for (const r of rows) await recordSignIn(trx, r); });
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('JSON Lines: every record once, newest first, whole beta records', () => {
    const r = run(['export', 'signins', '--tenant', 'export.example', ...storeArgs]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(N);
    expect(new Set(lines.map((l) => l.id)).size).toBe(N);
    const times = lines.map((l) => Date.parse(String(l.createdDateTime)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(lines[0]).toHaveProperty('signInEventTypes', ['interactiveUser']);
    expect(r.stderr).toMatch(new RegExp(`Exported ${N} signins of tenant ${tenantId}`));
  });

  it('--filter selects as the API does; CSV quotes, escapes and defuses formulas; --out is private and never overwritten', () => {
    const out = join(dir, 'failures.csv');
    const r = run(['export', 'signins', '--tenant', tenantId, '--filter', 'status/errorCode ne 0', '--format', 'csv', '--out', out, ...storeArgs]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    const [header, ...rows] = text.trimEnd().split('\r\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['id', 'createdDateTime', 'signInEventTypes', 'userPrincipalName']);
    expect(rows).toHaveLength(failures.size);
    expect(new Set(rows.map((row) => row.split(',')[0]))).toEqual(failures);
    const all = run(['export', 'signins', '--tenant', tenantId, '--format', 'csv', ...storeArgs]).stdout;
    expect(all).toContain('"Quote ""and"", comma"');
    expect(all).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    writeFileSync(join(dir, 'exists.jsonl'), 'keep');
    const again = run(['export', 'signins', '--tenant', tenantId, '--out', join(dir, 'exists.jsonl'), ...storeArgs]);
    expect(again.code).toBe(2);
    expect(readFileSync(join(dir, 'exists.jsonl'), 'utf8')).toBe('keep');
  });

  it('audits export too; bad input is a usage error (exit 2, one line)', () => {
    const a = run(['export', 'audits', '--tenant', tenantId, ...storeArgs]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).activityDisplayName)).toContain('Add user');
    for (const args of [['export', 'logs', '--tenant', tenantId], ['export', 'signins', '--tenant', tenantId, '--format', 'xml'],
      ['export', 'signins', '--tenant', tenantId, '--filter', 'nonsense eq 1'], ['export', 'signins', '--tenant', 'nowhere.example']]) {
      const r = run([...args, ...storeArgs]);
      expect({ args, code: r.code, lines: r.stderr.trimEnd().split('\n').length, stdout: r.stdout }).toEqual({ args, code: 2, lines: 1, stdout: '' });
    }
  });

  it('csvField: RFC 4180 quoting and formula defusing', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField(-2)).toBe('-2');
    expect(csvField(null)).toBe('');
  });
});
