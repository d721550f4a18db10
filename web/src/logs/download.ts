/**
 * Downloads of an activity log: every page of the current filter (following `@odata.nextLink`),
 * saved as CSV or JSON through a Blob, an object URL and `<a download>`.
 */
import { graphRequest, toGraphError } from '../graph';
import { toCsv } from './csv';

export type DownloadFormat = 'csv' | 'json';

/** At most this many records per download (the Entra portal caps its downloads too). */
export const MAX_DOWNLOAD_RECORDS = 100_000;
/** Records per request while downloading (Graph's maximum for the activity logs). */
export const DOWNLOAD_PAGE_SIZE = 1000;
/** Retries of a throttled (429) page before giving up. */
const MAX_RETRIES = 4;

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** What the downloads wait with and save through (replaced in tests). */
export const downloadDeps = {
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  now: (): Date => new Date(),
};

export interface FetchAllResult<T> {
  items: T[];
  /** stopped at MAX_DOWNLOAD_RECORDS with more to come */
  truncated: boolean;
  /** stopped because `signal.cancelled` was set */
  cancelled: boolean;
}

/**
 * Every record from `url` on, following each `@odata.nextLink` (absolute, fetched as it is). A 429
 * is retried after 2, 4, 8, 16 seconds (the reporting API allows 5 requests per 10 seconds).
 */
export async function fetchAllPages<T>(
  url: string,
  opts: { signal?: { cancelled: boolean }; onProgress?: (count: number) => void; max?: number } = {},
): Promise<FetchAllResult<T>> {
  const max = opts.max ?? MAX_DOWNLOAD_RECORDS;
  const items: T[] = [];
  let next: string | undefined = url;
  while (next) {
    if (opts.signal?.cancelled) return { items, truncated: false, cancelled: true };
    if (items.length >= max) return { items: items.slice(0, max), truncated: true, cancelled: false };
    let page: Page<T> | undefined;
    for (let attempt = 0; !page; attempt++) {
      try {
        page = await graphRequest<Page<T>>('GET', next);
      } catch (err) {
        const e = toGraphError(err);
        if (e.status !== 429 || attempt >= MAX_RETRIES || opts.signal?.cancelled) throw e;
        await downloadDeps.sleep(2000 * 2 ** attempt);
      }
    }
    items.push(...(Array.isArray(page.value) ? page.value : []));
    opts.onProgress?.(Math.min(items.length, max));
    next = page['@odata.nextLink'];
  }
  if (items.length > max) return { items: items.slice(0, max), truncated: true, cancelled: false };
  return { items, truncated: false, cancelled: false };
}

/** `<prefix>_<YYYY-MM-DD>.<ext>` (the UTC date of the download). */
export function downloadFileName(prefix: string, format: DownloadFormat, now: Date = downloadDeps.now()): string {
  return `${prefix}_${now.toISOString().slice(0, 10)}.${format}`;
}

/** The file's content and type: CSV (with a byte-order mark, so that spreadsheets read UTF-8) or pretty JSON. */
export function downloadContent(records: readonly unknown[], format: DownloadFormat): { text: string; type: string } {
  return format === 'csv'
    ? { text: `\uFEFF${toCsv(records)}`, type: 'text/csv;charset=utf-8' }
    : { text: `${JSON.stringify(records, null, 2)}\n`, type: 'application/json;charset=utf-8' };
}

/** Saves `text` as a file named `name`: a Blob, an object URL, a click on a hidden `<a download>`. */
export function saveFile(name: string, text: string, type: string): void {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // the download has started by now; the URL is released a little later for slow browsers
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}
