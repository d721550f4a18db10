export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/** Graph's DateTimeOffset: ISO-8601 UTC with 'Z'. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
