import { Command, CommanderError } from 'commander';
import { serveCommand } from './serve.js';
import { tenantCommands } from './tenant.js';
import { doctorCommand } from './doctor.js';
import { exportCommand } from './export.js';
import { generateCommand } from './generate.js';
import { ExitStatus, UsageError } from './options.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('tenantry')
    .description('Self-hosted identity directory with an Entra ID / Microsoft Graph compatible reporting API')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  serveCommand(program);
  tenantCommands(program);
  doctorCommand(program);
  exportCommand(program);
  generateCommand(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ExitStatus) return err.code;
    if (err instanceof UsageError) {
      process.stderr.write(`tenantry: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`tenantry: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
