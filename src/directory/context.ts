import type { Store } from '../store/db.js';
import type { Clock } from '../lib/time.js';

/** What directory operations need: the store, the time, and the pepper for secret hashes. */
export interface DirectoryContext {
  store: Store;
  clock: Clock;
  secretPepper: string;
}
