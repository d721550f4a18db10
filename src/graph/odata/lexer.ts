import type { Literal } from './ast.js';
import { ODataError } from './errors.js';

export const MAX_FILTER_LENGTH = 4000;
export const MAX_STRING_LITERAL_LENGTH = 1024;
export const MAX_IDENTIFIER_LENGTH = 128;

export type Punctuation = '(' | ')' | ',' | '/' | ':';

export type Token =
  | { type: Punctuation | 'eof'; pos: number }
  | { type: 'ident'; text: string; pos: number }
  | { type: 'literal'; value: Literal; pos: number };

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x27;
const MINUS = 0x2d;
const PUNCTUATION = new Set<string>(['(', ')', ',', '/', ':']);
const UNICODE_LETTER = /^\p{L}$/u;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isAsciiIdentChar = (c: number): boolean =>
  isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/**
 * Splits a `$filter` into tokens with a single left-to-right pass (no regex
 * over the whole input, so run time stays linear in the input length).
 */
export function tokenize(text: string): Token[] {
  if (typeof text !== 'string') throw new ODataError('filter is not a string');
  if (text.length > MAX_FILTER_LENGTH) throw new ODataError(`filter longer than ${MAX_FILTER_LENGTH} characters`);
  checkCharacters(text);

  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
    } else if (PUNCTUATION.has(text[i]!)) {
      tokens.push({ type: text[i] as Punctuation, pos: i });
      i++;
    } else if (c === QUOTE) {
      i = scanString(text, i, tokens);
    } else if (isGuidAt(text, i)) {
      tokens.push({ type: 'literal', value: { kind: 'guid', value: text.slice(i, i + 36).toLowerCase() }, pos: i });
      i = expectLiteralEnd(text, i + 36);
    } else if (isDigit(c) || c === MINUS) {
      i = scanNumberOrDateTime(text, i, tokens);
    } else {
      i = scanIdentifier(text, i, tokens);
    }
  }
  tokens.push({ type: 'eof', pos: text.length });
  return tokens;
}

/** Rejects C0 controls (tab excepted, as whitespace), DEL and unpaired UTF-16 surrogates anywhere. */
function checkCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== TAB) || c === 0x7f) throw new ODataError(`control character at ${i}`);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new ODataError(`lone surrogate at ${i}`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new ODataError(`lone surrogate at ${i}`);
    }
  }
}

/** Literals must be followed by whitespace, `)`, `,` or the end: `5abc`, `'a'eq` and `1e5` are rejected. */
function expectLiteralEnd(text: string, i: number): number {
  if (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== 0x29 && c !== 0x2c) throw new ODataError(`unexpected character after literal at ${i}`);
  }
  return i;
}

function scanString(text: string, start: number, tokens: Token[]): number {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new ODataError(`unterminated string at ${start}`);
    const c = text.charCodeAt(i);
    if (c === TAB) throw new ODataError(`control character in string at ${i}`);
    if (c === QUOTE) {
      if (text.charCodeAt(i + 1) !== QUOTE) break;
      value += "'";
      i += 2;
    } else {
      value += text[i];
      i++;
    }
    if (value.length > MAX_STRING_LITERAL_LENGTH) throw new ODataError(`string literal longer than ${MAX_STRING_LITERAL_LENGTH} at ${start}`);
  }
  tokens.push({ type: 'literal', value: { kind: 'string', value }, pos: start });
  return expectLiteralEnd(text, i + 1);
}

function isGuidAt(text: string, i: number): boolean {
  if (i + 36 > text.length) return false;
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23 ? c !== MINUS : !isHex(c)) return false;
  }
  return true;
}

function scanNumberOrDateTime(text: string, start: number, tokens: Token[]): number {
  // Four digits and a dash can only start a DateTimeOffset (GUIDs were tried first).
  if (start + 4 < text.length && text.charCodeAt(start + 4) === MINUS && [0, 1, 2, 3].every((k) => isDigit(text.charCodeAt(start + k)))) {
    const end = scanDateTime(text, start, tokens);
    return expectLiteralEnd(text, end);
  }
  let i = start;
  if (text.charCodeAt(i) === MINUS) i++;
  const intStart = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === intStart) throw new ODataError(`malformed number at ${start}`);
  let isDecimal = false;
  if (text.charCodeAt(i) === 0x2e) {
    const fracStart = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === fracStart) throw new ODataError(`malformed number at ${start}`);
    isDecimal = true;
  }
  const raw = text.slice(start, i);
  const value = Number(raw);
  if (isDecimal ? !Number.isFinite(value) : !Number.isSafeInteger(value)) throw new ODataError(`number out of range at ${start}`);
  tokens.push({ type: 'literal', value: { kind: 'number', value: value === 0 ? 0 : value }, pos: start });
  return expectLiteralEnd(text, i);
}

/** YYYY-MM-DDThh:mm[:ss[.fffffff]](Z|±hh:mm), checked against the real calendar. */
function scanDateTime(text: string, start: number, tokens: Token[]): number {
  let i = start;
  const fail = (): never => {
    throw new ODataError(`malformed DateTimeOffset at ${start}`);
  };
  const digits = (n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) fail();
      v = v * 10 + (c - 0x30);
      i++;
    }
    return v;
  };
  const expect = (...chars: string[]): string => {
    const ch = text[i];
    if (ch === undefined || !chars.includes(ch)) fail();
    i++;
    return ch!;
  };

  const year = digits(4);
  expect('-');
  const month = digits(2);
  expect('-');
  const day = digits(2);
  expect('T', 't');
  const hour = digits(2);
  expect(':');
  const minute = digits(2);
  let second = 0;
  let millis = 0;
  if (text[i] === ':') {
    i++;
    second = digits(2);
    if (text[i] === '.') {
      i++;
      const fracStart = i;
      while (isDigit(text.charCodeAt(i))) i++;
      const frac = text.slice(fracStart, i);
      if (frac.length < 1 || frac.length > 7) fail();
      millis = Number((frac + '00').slice(0, 3));
    }
  }
  let offsetMinutes = 0;
  const zone = expect('Z', 'z', '+', '-');
  if (zone === '+' || zone === '-') {
    const oh = digits(2);
    expect(':');
    const om = digits(2);
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) fail();
    offsetMinutes = (zone === '+' ? 1 : -1) * (oh * 60 + om);
  }

  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) fail();
  if (hour > 23 || minute > 59 || second > 59) fail();

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 1-99 literal
  date.setUTCHours(hour, minute, second, millis);
  const value = text.slice(start, i);
  tokens.push({ type: 'literal', value: { kind: 'datetime', value, epochMs: date.getTime() - offsetMinutes * 60_000 }, pos: start });
  return i;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Identifiers: ASCII letters, digits, `_` and Unicode letters, not starting with a digit. */
function scanIdentifier(text: string, start: number, tokens: Token[]): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isAsciiIdentChar(c)) {
      i++;
      continue;
    }
    if (c < 0x80) break;
    const cp = text.codePointAt(i)!;
    if (!UNICODE_LETTER.test(String.fromCodePoint(cp))) break;
    i += cp > 0xffff ? 2 : 1;
  }
  if (i === start) throw new ODataError(`unexpected character at ${start}`);
  if (i - start > MAX_IDENTIFIER_LENGTH) throw new ODataError(`identifier too long at ${start}`);
  // Identifiers end at whitespace or punctuation; anything else (`'`, `.`, `$`, `@`, `-`, ...) is rejected.
  if (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && !PUNCTUATION.has(text[i]!)) throw new ODataError(`unexpected character at ${i}`);
  }
  tokens.push({ type: 'ident', text: text.slice(start, i), pos: start });
  return i;
}
