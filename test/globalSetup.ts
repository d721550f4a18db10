import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalTls } from '../src/server/tls.js';

/**
 * One local CA for the whole run. Node reads NODE_EXTRA_CA_CERTS only at start-up, so it is set
 * here, before vitest forks the workers that run the real Microsoft clients.
 */
export default async function setup(): Promise<void> {
  const dir = join(tmpdir(), `tenantry-test-tls-${process.getuid?.() ?? 0}`);
  const tls = await ensureLocalTls(dir);
  process.env.NODE_EXTRA_CA_CERTS = tls.caPath;
  process.env.TENANTRY_TEST_TLS_DIR = dir;
}
