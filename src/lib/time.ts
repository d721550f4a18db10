export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/** Graph's DateTimeOffset range: 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z, as epoch ms. */
export const MIN_TIME_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** True when ms is a time Graph can represent (years 0001 to 9999). */
export const inGraphRange = (ms: number): boolean => Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;

/**
 * Graph's DateTimeOffset: ISO-8601 UTC with 'Z'. Never throws: a stored value outside Graph's range
 * (or not a number at all) is clamped to the range, so one bad row cannot break a whole listing.
 */
export function isoTime(ms: number): string {
  const clamped = Number.isNaN(ms) ? MIN_TIME_MS : Math.min(Math.max(ms, MIN_TIME_MS), MAX_TIME_MS);
  return new Date(clamped).toISOString();
}
