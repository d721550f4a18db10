import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type Services } from '../../src/server/app.js';
import { createTenant, type CreatedTenant, type CreateTenantInput } from '../../src/directory/tenants.js';
import { createTestStore, type TestStore } from './store.js';
import type { ThrottleConfig } from '../../src/identity/throttle.js';
import type { ReportingThrottleConfig } from '../../src/reporting/throttle.js';
import type { RetentionPolicy } from '../../src/reporting/logs.js';

/** For tests whose records carry fixed past dates: keep everything (a century). */
export const KEEP_ALL: RetentionPolicy = { freeDays: 36_500, premiumDays: 36_500 };
import type { Clock } from '../../src/lib/time.js';

export interface TestServer {
  app: FastifyInstance;
  services: Services;
  baseUrl: string;
  testStore: TestStore;
  tenant(input?: Partial<CreateTenantInput>): Promise<CreatedTenant>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let tenantCounter = 0;

/**
 * The real server over HTTPS (certificate from the run's local CA) on a free port, with a fresh
 * store. `listen: false` gives an in-process app for `inject` tests.
 */
/** Generous failure limits so test files that try many bad credentials do not trip each other. */
export const LENIENT_THROTTLE: ThrottleConfig = {
  perClient: { max: 100_000, windowMs: 60_000 },
  perIp: { max: 100_000, windowMs: 60_000 },
  perUser: { max: 100_000, windowMs: 60_000 },
};

/** Reporting limits no test file reaches unless it asks for real ones (test/reporting/throttle.test.ts). */
export const LENIENT_REPORTING_THROTTLE: ReportingThrottleConfig = {
  perAppPerTenant: { max: 100_000, windowMs: 10_000 },
  perApp: { max: 100_000, windowMs: 10_000 },
};

export async function startServer(opts: {
  listen?: boolean; strictDirectoryRead?: boolean; throttle?: ThrottleConfig; reportingThrottle?: ReportingThrottleConfig | 'off'; clock?: Clock;
  retention?: RetentionPolicy;
  geoFile?: string;
} = {}): Promise<TestServer> {
  const listen = opts.listen ?? true;
  const testStore = await createTestStore();
  const port = listen ? await freePort() : 8443;
  const baseUrl = `https://localhost:${port}`;
  const tlsDir = process.env.TENANTRY_TEST_TLS_DIR;
  const https = listen && tlsDir
    ? { cert: readFileSync(join(tlsDir, 'server.pem'), 'utf8'), key: readFileSync(join(tlsDir, 'server-key.pem'), 'utf8') }
    : null;
  const { app, services } = await buildApp({
    store: testStore.store, publicUrl: baseUrl, https, strictDirectoryRead: opts.strictDirectoryRead, throttle: opts.throttle ?? LENIENT_THROTTLE,
    reportingThrottle: opts.reportingThrottle ?? LENIENT_REPORTING_THROTTLE, clock: opts.clock, retention: opts.retention, geoFile: opts.geoFile,
  });
  if (listen) await app.listen({ host: '127.0.0.1', port });
  else await app.ready();
  return {
    app,
    services,
    baseUrl,
    testStore,
    tenant: (input = {}) =>
      createTenant(services.ctx, {
        domain: input.domain ?? `t${process.pid}x${++tenantCounter}${Date.now().toString(36)}.example.test`,
        license: input.license ?? 'P1',
        type: input.type ?? 'standard',
        displayName: input.displayName,
        adminPassword: input.adminPassword ?? 'Adm1n!Passw0rd',
      }),
    async close() {
      await app.close();
      await testStore.cleanup();
    },
  };
}
