import { describe, expect, it } from 'vitest';
import { isGuid } from '../../src/lib/guid.js';
import { inGraphRange, isoTime, MAX_TIME_MS, MIN_TIME_MS } from '../../src/lib/time.js';

describe('isoTime', () => {
  it('formats times in range as ISO-8601 UTC', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(MIN_TIME_MS)).toBe('0001-01-01T00:00:00.000Z');
    expect(isoTime(MAX_TIME_MS)).toBe('9999-12-31T23:59:59.999Z');
  });

  it('never throws: values outside Graph’s range (or Date’s) are clamped, NaN falls back to the minimum', () => {
    expect(isoTime(8_640_000_000_000_000 + 63_115_200_000)).toBe('9999-12-31T23:59:59.999Z');
    expect(isoTime(8_640_000_000_000_000)).toBe('9999-12-31T23:59:59.999Z');
    expect(isoTime(Number.POSITIVE_INFINITY)).toBe('9999-12-31T23:59:59.999Z');
    expect(isoTime(-8_640_000_000_000_001)).toBe('0001-01-01T00:00:00.000Z');
    expect(isoTime(Number.NEGATIVE_INFINITY)).toBe('0001-01-01T00:00:00.000Z');
    expect(isoTime(Number.NaN)).toBe('0001-01-01T00:00:00.000Z');
  });

  it('inGraphRange: years 0001 to 9999', () => {
    expect(inGraphRange(Date.parse('0001-01-01T00:00:00Z'))).toBe(true);
    expect(inGraphRange(Date.parse('9999-12-31T23:59:59.999Z'))).toBe(true);
    expect(inGraphRange(Date.parse('0000-12-31T23:59:59.999Z'))).toBe(false);
    expect(inGraphRange(Date.parse('+010000-01-01T00:00:00Z'))).toBe(false);
    expect(inGraphRange(Number.NaN)).toBe(false);
  });
});

describe('isGuid', () => {
  it('accepts the 8-4-4-4-12 hex form in either case, nothing else', () => {
    expect(isGuid('00000003-0000-0000-c000-000000000000')).toBe(true);
    expect(isGuid('B0AFDED3-3588-46D8-8B3D-9842EFF778DA')).toBe(true);
    for (const v of [
      '------------------------------------', // 36 of the looser [0-9a-f-] class
      '0000000300000000c000000000000000----',
      '00000003-0000-0000-c000-00000000000', // short
      '00000003-0000-0000-c000-0000000000000', // long
      '{00000003-0000-0000-c000-000000000000}',
      '00000003-0000-0000-c000-00000000000g',
      ' 00000003-0000-0000-c000-000000000000',
      '00000003-0000-0000-c000-000000000000\n',
      '', undefined, null, 42,
    ]) expect(isGuid(v), JSON.stringify(v)).toBe(false);
  });
});
