import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { resolveTenant } from '../directory/tenants.js';
import { DirectoryError } from '../directory/errors.js';
import { ODataError } from '../graph/odata/errors.js';
import { newId } from '../lib/crypto.js';
import { systemClock } from '../lib/time.js';
import { csvHeader, csvRow, exportPages, type ExportKind } from '../reporting/export.js';
import { ActivityLogs } from '../reporting/logs.js';
import { SkipTokens } from '../reporting/skiptoken.js';
import { ensureServerSecret } from '../store/repositories/keys.js';
import { openConfiguredStore, UsageError, type StoreFlags } from './options.js';

interface ExportFlags extends StoreFlags {
  tenant: string;
  filter?: string;
  format: string;
  out?: string;
  retention: string;
}

/** `tenantry export signins|audits`: every matching record as JSON Lines or CSV, in constant memory. */
export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write sign-ins or audit records as JSON Lines or CSV (newest first), in constant memory')
    .argument('<kind>', 'signins or audits')
    .requiredOption('--tenant <tenant>', 'tenant id or domain')
    .option('--filter <odata>', "an OData $filter as the reporting API takes it, e.g. \"status/errorCode ne 0\"")
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--retention <days>', 'FREE/PREMIUM days served, as serve --retention', '7/30')
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .action(async (kind: string, flags: ExportFlags) => {
      if (kind !== 'signins' && kind !== 'audits') throw new UsageError(`unknown kind '${kind}' (expected signins or audits)`);
      if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new UsageError(`unknown --format '${flags.format}' (expected jsonl or csv)`);
      const r = /^(\d{1,5})\/(\d{1,5})$/.exec(flags.retention);
      if (!r || Number(r[1]) < 1 || Number(r[2]) < 1) throw new UsageError(`invalid --retention '${flags.retention}' (FREE/PREMIUM days, e.g. 7/30)`);
      const store = await openConfiguredStore(flags);
      let out: WriteStream | undefined;
      try {
        const ctx = { store, clock: systemClock, secretPepper: '' };
        const tenant = await resolveTenant(ctx, flags.tenant);
        if (!tenant) throw new UsageError(`tenant '${flags.tenant}' not found`);
        const skipKey = await ensureServerSecret(store.db, 'skiptoken-key', randomBytes(32).toString('base64url'), systemClock());
        const logs = new ActivityLogs(ctx, new SkipTokens(skipKey), { strictDirectoryRead: false }, { freeDays: Number(r[1]), premiumDays: Number(r[2]) });
        const actor = { kind: 'system' as const, name: 'tenantry export', tenantId: tenant.id, ipAddress: null, correlationId: newId() };
        // opened here, synchronously: an existing file is refused before anything is written
        out = flags.out ? createWriteStream('', { fd: openSync(flags.out, 'wx', 0o600) }) : undefined;
        const sink = out ?? process.stdout;
        const write = async (text: string) => {
          if (!sink.write(text)) await once(sink, 'drain');
        };
        if (flags.format === 'csv') await write(csvHeader(kind as ExportKind));
        let n = 0;
        const started = Date.now();
        for await (const page of exportPages(logs, actor, kind as ExportKind, flags.filter)) {
          await write(page.map((rec) => (flags.format === 'csv' ? csvRow(kind as ExportKind, rec) : `${JSON.stringify(rec)}\n`)).join(''));
          n += page.length;
          if (process.stderr.isTTY) process.stderr.write(`\r${n.toLocaleString('en-US')} records…`);
        }
        if (out) {
          out.end();
          await once(out, 'finish');
        }
        process.stderr.write(`${process.stderr.isTTY ? '\r' : ''}Exported ${n} ${kind} of tenant ${tenant.id} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      } catch (err) {
        out?.destroy();
        if (err instanceof ODataError) throw new UsageError(`--filter: ${err.message} (${err.detail})`);
        if (err instanceof DirectoryError) throw new UsageError(`${err.code}: ${err.message}`);
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out: ${flags.out} already exists`);
        throw err;
      } finally {
        await store.close();
      }
    });
}
