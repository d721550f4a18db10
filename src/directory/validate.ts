import { inGraphRange } from '../lib/time.js';
import { badRequest } from './errors.js';

export type Json = Record<string, unknown>;

export function asObject(body: unknown, what: string): Json {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`The request body for ${what} must be a JSON object.`);
  }
  return body as Json;
}

export function rejectUnknown(body: Json, allowed: readonly string[], type: string): void {
  for (const key of Object.keys(body)) {
    if (key.startsWith('@odata.')) continue;
    if (!allowed.includes(key)) throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.${type}'.`);
  }
}

/** PostgreSQL text cannot hold NUL: such a value is invalid input on every engine, never a 500. */
const hasNul = (s: string): boolean => s.includes('\u0000');

export function requiredString(body: Json, key: string, max = 256): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '' || hasNul(v)) throw badRequest(`Invalid value specified for property '${key}' of resource.`, 'Request_BadRequest');
  if (v.length > max) throw badRequest(`The value of property '${key}' exceeds the maximum length of ${max}.`);
  return v;
}

export function optionalString(body: Json, key: string, max = 1024): string | null | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length > max || hasNul(v)) throw badRequest(`Invalid value specified for property '${key}' of resource.`);
  return v;
}

export function optionalBoolean(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`Invalid value specified for property '${key}' of resource.`);
  return v;
}

export function stringArray(v: unknown, key: string, validate?: (s: string) => boolean): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 256 || v.some((s) => typeof s !== 'string' || s.length > 1024 || hasNul(s) || (validate && !validate(s)))) {
    throw badRequest(`Invalid value specified for property '${key}' of resource.`);
  }
  return v as string[];
}

/** A DateTimeOffset in Graph's range (years 0001 to 9999); anything else is a 400, as Graph answers. */
export function parseDate(v: unknown, key: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!inGraphRange(ms)) throw badRequest(`Invalid value specified for property '${key}' of resource.`);
  return ms;
}

/** Redirect URIs: absolute, no fragment; https, or http only for loopback hosts. */
export function isValidRedirectUri(s: string): boolean {
  // printable ASCII only, none of the characters a URI never holds raw (they would reach a Location header as they are)
  if (s.length > 256 || !/^[\x21-\x7e]+$/.test(s) || /["<>\\^`{|}]/.test(s)) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  if (u.hash || s.includes('#')) return false;
  if (u.protocol === 'https:') return true;
  if (u.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  // custom schemes for native apps (msal<appId>://auth) are allowed
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) && !['javascript:', 'data:', 'file:', 'vbscript:'].includes(u.protocol);
}
