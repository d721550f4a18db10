import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../lib/time.js';
import { isGuid } from '../lib/guid.js';
import { formatDoctorReport, runDoctor } from '../reporting/doctor.js';
import { dataDir, ExitStatus, openConfiguredStore, UsageError, type StoreFlags } from './options.js';

interface DoctorFlags extends StoreFlags {
  tenant: string;
  clientId: string;
  user?: string;
  strictDirectoryRead?: boolean;
  json?: boolean;
}

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check the reporting API's prerequisites for a tenant, an application and optionally a user")
    .requiredOption('--tenant <tenant>', 'tenant id or domain')
    .requiredOption('--client-id <appId>', "the application's appId (client id)")
    .option('--user <upn>', 'also check this user (delegated path: user token through the application)')
    .option('--strict-directory-read', 'also require Directory.Read.All, as `serve --strict-directory-read` does for sign-ins')
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (flags: DoctorFlags) => {
      // exit code 0 when every check passes, 1 otherwise (2 for usage errors, from main)
      if (!(await doctor(flags))) throw new ExitStatus(1);
    });
}

async function doctor(flags: DoctorFlags): Promise<boolean> {
  if (!isGuid(flags.clientId.trim())) throw new UsageError(`--client-id must be an application's appId (a GUID), got '${flags.clientId}'`);
  if (flags.tenant.trim() === '') throw new UsageError('--tenant must be a tenant id or domain');
  if (flags.user !== undefined && !/^[^\s@]+@[^\s@]+$/.test(flags.user)) throw new UsageError(`--user must be a user principal name (name@domain), got '${flags.user}'`);
  // a read-only check must not create an empty store where none was
  if (!(flags.database ?? process.env.DATABASE_URL)) {
    const file = resolve(dataDir(flags), 'tenantry.db');
    if (!existsSync(file)) throw new UsageError(`no Tenantry store at ${file} (use --data DIR or --database URL)`);
  }
  const store = await openConfiguredStore(flags);
  try {
    const report = await runDoctor({ store, clock: systemClock }, {
      tenant: flags.tenant.trim(), clientId: flags.clientId.trim(), ...(flags.user !== undefined ? { user: flags.user } : {}),
    }, { strictDirectoryRead: flags.strictDirectoryRead ?? false });
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatDoctorReport(report));
    return report.ok;
  } finally {
    await store.close();
  }
}
