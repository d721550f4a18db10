import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, TEST_ENGINE } from '../helpers/store.js';

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
    schema = `cli_${randomBytes(5).toString('hex')}`;
    storeArgs = ['--database', `${PG_URL}?schema=${schema}`];
  } else {
    storeArgs = ['--data', dataDir];
  }
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (schema) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
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
    if (TEST_ENGINE === 'postgres') {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}_srv" CASCADE`);
      await c.end();
    }
  });
});
