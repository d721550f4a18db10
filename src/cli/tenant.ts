import type { Command } from 'commander';
import { newId } from '../lib/crypto.js';
import { systemClock } from '../lib/time.js';
import type { License } from '../directory/catalog.js';
import { DirectoryError } from '../directory/errors.js';
import { createTenant, LICENSES, resolveTenant, setLicense, TENANT_TYPES, validateCreateTenant, type TenantType } from '../directory/tenants.js';
import { ensureServerSecret } from '../store/repositories/keys.js';
import type { Store } from '../store/db.js';
import { randomBytes } from 'node:crypto';
import { openConfiguredStore, UsageError, type StoreFlags } from './options.js';

interface CreateFlags extends StoreFlags {
  domain: string;
  name?: string;
  license: string;
  type: string;
  adminPassword?: string;
  json?: boolean;
}

async function directory(store: Store) {
  const secretPepper = await ensureServerSecret(store.db, 'secret-pepper', randomBytes(32).toString('base64url'), systemClock());
  return { store, clock: systemClock, secretPepper };
}

export function tenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('manage tenants');

  tenant
    .command('create')
    .description('create a tenant with its initial domain and a Global Administrator')
    .requiredOption('--domain <domain>', 'initial domain, e.g. contoso.example')
    .option('--name <name>', 'display name (default: first label of the domain)')
    .option('--license <licence>', 'none, P1 or P2', 'P1')
    .option('--type <type>', 'standard or b2c', 'standard')
    .option('--admin-password <password>', 'password of admin@<domain> (default: generated)')
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (flags: CreateFlags) => {
      const license = flags.license === 'free' ? 'none' : flags.license;
      if (!LICENSES.includes(license as License)) throw new UsageError(`unknown licence '${flags.license}' (expected none, P1 or P2)`);
      if (!TENANT_TYPES.includes(flags.type as TenantType)) throw new UsageError(`unknown tenant type '${flags.type}' (expected standard or b2c)`);
      const input = { domain: flags.domain, displayName: flags.name, license: license as License, type: flags.type as TenantType, adminPassword: flags.adminPassword };
      try {
        validateCreateTenant(input);
      } catch (err) {
        if (err instanceof DirectoryError) throw new UsageError(err.message);
        throw err;
      }
      const store = await openConfiguredStore(flags);
      try {
        const created = await createTenant(await directory(store), input);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(created)}\n`);
        } else {
          process.stdout.write(
            `Created tenant ${created.displayName}\n  tenant id: ${created.tenantId}\n  domain:    ${created.domain}\n  licence:   ${created.license}\n  type:      ${created.type}\n` +
            `  admin:     ${created.admin.userPrincipalName}\n  password:  ${created.admin.password}   (shown once)\n`,
          );
        }
      } catch (err) {
        if (err instanceof DirectoryError) throw new UsageError(err.message);
        throw err;
      } finally {
        await store.close();
      }
    });

  tenant
    .command('license')
    .description("change a tenant's licence (takes effect at once)")
    .argument('<tenant>', 'tenant id or domain')
    .argument('<licence>', 'none, P1 or P2')
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .action(async (tenantKey: string, licence: string, flags: StoreFlags) => {
      if (!LICENSES.includes(licence as License)) throw new UsageError(`unknown licence '${licence}' (expected none, P1 or P2)`);
      const store = await openConfiguredStore(flags);
      try {
        const ctx = await directory(store);
        const t = await resolveTenant(ctx, tenantKey);
        if (!t) throw new UsageError(`tenant '${tenantKey}' not found`);
        await setLicense(ctx, { kind: 'system', name: 'tenantry CLI', tenantId: t.id, ipAddress: null, correlationId: newId() }, licence as License);
        process.stdout.write(`Tenant ${t.id} now has licence ${licence}\n`);
      } finally {
        await store.close();
      }
    });
}
