const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID in its 8-4-4-4-12 hex form (either case), as Graph and Entra write object ids. */
export const isGuid = (v: unknown): v is string => typeof v === 'string' && GUID.test(v);
