import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { inGraphRange } from '../lib/time.js';
import { findGenerateTenant, GenerateError, generateSignIns, MAX_COUNT, MAX_DAYS, type GenerateResult } from '../reporting/generate.js';
import { generateAudits } from '../reporting/generateAudits.js';
import { dataDir, openConfiguredStore, UsageError, type StoreFlags } from './options.js';

interface GenerateFlags extends StoreFlags {
  tenant: string;
  count: string;
  days: string;
  seed?: string;
  until?: string;
  json?: boolean;
}

const KINDS = { signins: { noun: 'sign-ins', run: generateSignIns }, audits: { noun: 'directory audits', run: generateAudits } } as const;

export function generateCommand(program: Command): void {
  program
    .command('generate')
    .description("fill a tenant's activity logs with realistic synthetic records")
    .argument('<kind>', 'signins or audits')
    .requiredOption('--tenant <tenant>', 'tenant id or domain')
    .requiredOption('--count <n>', `number of records (1 to ${MAX_COUNT})`)
    .option('--days <d>', `spread over the last D days (1 to ${MAX_DAYS})`, '7')
    .option('--seed <seed>', 'seed: the same seed, tenant, count, days and end time give the same records (default: random)')
    .option('--until <time>', 'end of the time window, ISO 8601 (default: now)')
    .option('--data <dir>', 'data directory (SQLite store)')
    .option('--database <url>', 'PostgreSQL URL instead of SQLite (also DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (kind: string, flags: GenerateFlags) => {
      await generate(kind, flags);
    });
}

function parseFlags(kind: string, flags: GenerateFlags) {
  const k = KINDS[kind as keyof typeof KINDS];
  if (!Object.hasOwn(KINDS, kind) || !k) throw new UsageError(`unknown record kind '${kind}' (expected signins or audits)`);
  const count = /^\d{1,9}$/.test(flags.count) ? Number(flags.count) : NaN;
  if (!(count >= 1 && count <= MAX_COUNT)) throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}, got '${flags.count}'`);
  const days = /^\d{1,3}$/.test(flags.days) ? Number(flags.days) : NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) throw new UsageError(`--days must be a whole number from 1 to ${MAX_DAYS}, got '${flags.days}'`);
  if (flags.seed !== undefined && (flags.seed === '' || flags.seed.length > 256)) throw new UsageError('--seed must be 1 to 256 characters');
  let now = Date.now();
  if (flags.until !== undefined) {
    now = /^\d{4}-\d{2}-\d{2}/.test(flags.until) ? Date.parse(flags.until) : NaN;
    if (!inGraphRange(now) || !inGraphRange(now - days * 86_400_000)) throw new UsageError(`--until must be an ISO 8601 time, got '${flags.until}'`);
  }
  if (flags.tenant.trim() === '') throw new UsageError('--tenant must be a tenant id or domain');
  return { k, count, days, now, seed: flags.seed ?? String(randomInt(1, 2 ** 31)) };
}

async function generate(kind: string, flags: GenerateFlags): Promise<void> {
  const { k, count, days, now, seed } = parseFlags(kind, flags);
  // generating into a store that does not exist would only create an empty one
  if (!(flags.database ?? process.env.DATABASE_URL)) {
    const file = resolve(dataDir(flags), 'tenantry.db');
    if (!existsSync(file)) throw new UsageError(`no Tenantry store at ${file} (use --data DIR or --database URL)`);
  }
  const store = await openConfiguredStore(flags);
  try {
    const tenant = await findGenerateTenant(store, flags.tenant);
    if (!tenant) throw new UsageError(`tenant '${flags.tenant}' not found`);
    const bar = new Progress(k.noun, count, process.stderr);
    bar.update(0);
    let result: GenerateResult;
    try {
      result = await k.run(store, { tenantId: tenant.id, count, days, seed, now, onProgress: (done) => bar.update(done) });
    } catch (err) {
      bar.abort();
      if (err instanceof GenerateError) throw new UsageError(err.message);
      throw err;
    }
    bar.finish(result.count);
    // the planner's statistics, after a bulk load (counted outside the rows/s figure)
    await store.analyze();
    const seconds = result.elapsedMs / 1000;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
    } else {
      process.stdout.write(`Generated ${result.count} ${k.noun} for tenant ${result.tenantId} in ${seconds.toFixed(1)} s (${result.rowsPerSecond} rows/s), seed ${result.seed}\n`);
    }
  } finally {
    await store.close();
  }
}

/** Rows done / total, rate and ETA on a terminal (redrawn at most 10 times a second); one plain line otherwise. */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly noun: string, private readonly total: number, private readonly out: NodeJS.WriteStream) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  update(done: number): void {
    if (!this.tty) return;
    const t = performance.now();
    if (t - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = t;
    this.draw(done, false);
  }

  finish(done: number): void {
    if (this.tty) this.draw(done, true);
    else this.out.write(`${this.noun}: ${done}/${this.total} written (${this.rate(done)} rows/s)\n`);
  }

  /** leaves the terminal on a fresh line for the error message */
  abort(): void {
    if (this.tty && this.drawn) this.out.write('\n');
  }

  private rate(done: number): number {
    return Math.round(done / Math.max((performance.now() - this.started) / 1000, 1e-3));
  }

  private draw(done: number, final: boolean): void {
    const width = 30;
    const share = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(share * width);
    const rate = this.rate(done);
    const eta = final ? 'done' : rate > 0 ? `ETA ${formatSeconds((this.total - done) / rate)}` : 'ETA --';
    const line = `${this.noun} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done}/${this.total}  ${rate} rows/s  ${eta}`;
    this.out.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    this.drawn = true;
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
