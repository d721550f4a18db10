import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, TEST_ENGINE, testSchemaName } from '../helpers/store.js';
import { RestartBackoff } from '../../src/cli/serve.js';

const BIN = resolve('bin/tenantry.js');
let dataDir: string;
let storeArgs: string[];
let schema: string | undefined;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tenantry-cli-'));
  if (TEST_ENGINE === 'postgres') {
    schema = testSchemaName('cli');
    storeArgs = ['--database', `${PG_URL}?schema=${schema}`];
  } else {
    storeArgs = ['--data', dataDir];
  }
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tenantry tenant create', () => {
  it('prints exactly one JSON object with --json', () => {
    const r = run(['tenant', 'create', '--domain', 'Contoso.Example', '--name', 'Contoso', '--license', 'P2', '--admin-password', 'Adm1n!Passw0rd', '--json', ...storeArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['admin', 'displayName', 'domain', 'license', 'tenantId', 'type']);
    expect(out).toMatchObject({ displayName: 'Contoso', domain: 'contoso.example', license: 'P2', type: 'standard' });
    expect(out.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.admin).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), userPrincipalName: 'admin@contoso.example', password: 'Adm1n!Passw0rd' });
  });

  it('generates an admin password when none is given', () => {
    const r = run(['tenant', 'create', '--domain', 'fabrikam.example', '--type', 'b2c', '--license', 'none', '--json', ...storeArgs]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.type).toBe('b2c');
    expect(out.admin.password.length).toBeGreaterThanOrEqual(12);
  });

  it.each([
    [['--domain', 'x.example', '--license', 'P3'], /unknown licence 'P3'/],
    [['--domain', 'not a domain'], /not a valid domain/],
    [['--domain', 'contoso.example'], /already in use/],
    [['--domain', 'weak.example', '--admin-password', 'short'], /password/],
    [['--domain', 'x.example', '--type', 'consumer'], /unknown tenant type/],
    [[], /required option '--domain <domain>'/],
  ])('rejects %j with exit code 2 and one line', (args, message) => {
    const r = run(['tenant', 'create', ...(args as string[]), ...storeArgs]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('writes nothing when the arguments are bad', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'tenantry-cli-empty-'));
    const r = run(['tenant', 'create', '--domain', 'x.example', '--license', 'gold', '--data', fresh]);
    expect(r.code).toBe(2);
    expect(existsSync(join(fresh, 'tenantry.db'))).toBe(false);
    rmSync(fresh, { recursive: true, force: true });
  });
});

describe('tenantry serve', () => {
  it('starts over HTTPS with a demo tenant, serves discovery, accepts tenants created alongside, and stops cleanly on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = mkdtempSync(join(tmpdir(), 'tenantry-serve-'));
    const args = TEST_ENGINE === 'postgres'
      ? ['--data', dir, '--database', `${PG_URL}?schema=${schema}_srv`]
      : ['--data', dir];
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Tenantry ready at') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`Tenantry ready at https://localhost:${port}`);
      expect(out).toContain('NODE_EXTRA_CA_CERTS=');
      expect(out).toMatch(/tenant id: [0-9a-f-]{36}/);
      expect(out).toContain('admin@demo.tenantry.test');
      expect(existsSync(join(dir, 'tls', 'ca.pem'))).toBe(true);
      // the CLI may add a tenant while the server runs on the same store
      const created = run(['tenant', 'create', '--domain', 'side.example', '--json', ...args]);
      expect(created.code, created.stderr).toBe(0);
      const { tenantId } = JSON.parse(created.stdout);
      const https = await import('node:https');
      const { readFileSync } = await import('node:fs');
      const ca = readFileSync(join(dir, 'tls', 'ca.pem'));
      const doc = await new Promise<Record<string, unknown>>((resolveDoc, reject) => {
        https.get(`https://localhost:${port}/side.example/v2.0/.well-known/openid-configuration`, { ca }, (res) => {
          let body = '';
          res.on('data', (c) => { body += String(c); });
          res.on('end', () => resolveDoc(JSON.parse(body)));
        }).on('error', reject);
      });
      expect(doc.issuer).toBe(`https://localhost:${port}/${tenantId}/v2.0`);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(0);
    }
  });
});

describe('restarting crashed workers', () => {
  it('RestartBackoff: 1 s, 2 s, 4 s … up to 30 s per slot for workers that die young; at once after one that ran 10 s', () => {
    const b = new RestartBackoff();
    const quick = (slot: number) => b.delay(slot, 100_000, 100_000 + 9_999);
    expect([quick(0), quick(0), quick(0), quick(0), quick(0), quick(0), quick(0)]).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(quick(1)).toBe(1_000); // slots back off independently
    expect(b.delay(0, 100_000, 110_000)).toBe(0); // ran 10 s: restarted at once, and the back-off starts over
    expect(quick(0)).toBe(1_000);
  });

  it('a worker that cannot start exits, and is re-forked with back-off, not in a tight loop; SIGTERM stops at once', async () => {
    const net = await import('node:net');
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'tenantry-crash-'));
    // the workers' listen fails with EADDRINUSE: every worker dies right after its start
    const child = spawn(process.execPath, [BIN, 'serve', '--workers', '2', '--host', '127.0.0.1', '--port', String(port), '--http', '--no-demo', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    const exits = () => out.split('\n').filter((l) => l.includes('"msg":"worker exited')).length;
    try {
      const deadline = Date.now() + 20_000;
      while (exits() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(exits(), out.slice(-2000)).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 4_000));
      // in 4 s each of the two slots can die at most three times (after waiting 1 s, then 2 s)
      expect(exits(), out.slice(-2000)).toBeLessThanOrEqual(6);
      expect(out).toContain('worker exited within 10 s of its start; starting another in 1 s');
      expect(out).toContain('"retryInMs":1000');
      expect(out).toMatch(/worker failed to start: .*EADDRINUSE/);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const stopAt = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      holder.close();
      rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(5_000);
    }
  });
});
