import type { Executor, Store } from '../store/db.js';
import { insertSignIn, type NewSignInRow } from '../store/repositories/logs.js';
import { toSignInRow, type SignInEvent } from '../reporting/records.js';

export type { SignInEvent, SignInEventType } from '../reporting/records.js';

/** The stored form of a sign-in; its dimension rows are created (and committed) on the way. */
export function prepareSignIn(store: Store, e: SignInEvent): Promise<NewSignInRow> {
  return toSignInRow(store.signInDims, e);
}

/** Persists a prepared sign-in within ex, the transaction whose commit must precede the response. */
export async function recordSignIn(ex: Executor, row: NewSignInRow): Promise<void> {
  await insertSignIn(ex, row);
}

const MAX_BATCH = 500;

interface Pending {
  row: NewSignInRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: sign-ins that arrive while a commit is in flight are written together in the next
 * transaction, so many token responses share one fsync. write() resolves only after the record's
 * transaction has committed. When a batch fails its rows are retried one by one, so only a record
 * that cannot be written fails its request (which then gets no token).
 */
export class SignInWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  async write(e: SignInEvent): Promise<void> {
    const row = await prepareSignIn(this.store, e);
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // let the requests that are being handled right now join the first batch
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.store.appendSignIns(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (err) {
        if (batch.length === 1) {
          batch[0]!.reject(err);
          continue;
        }
        // one bad row must not fail its neighbours: write them one by one
        for (const p of batch) await this.store.appendSignIns([p.row]).then(p.resolve, p.reject);
      }
    }
    this.running = null;
  }
}
