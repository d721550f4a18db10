import { createContext, useContext } from 'react';
import type { Account } from './auth';
import type { GraphError, Organization } from './graph';

export interface TenantInfo {
  account: Account;
  /** GET /v1.0/organization; undefined while loading or when it failed */
  organization: Organization | undefined;
  organizationError: GraphError | undefined;
  /** the tenant's display name, else its id */
  tenantName: string;
  tenantId: string;
  reloadOrganization: () => void;
}

export const TenantContext = createContext<TenantInfo | null>(null);

export function useTenant(): TenantInfo {
  const t = useContext(TenantContext);
  if (!t) throw new Error('useTenant outside the signed-in shell');
  return t;
}

/** One message handed from a page to the next (e.g. "registered, but …"), shown once. */
export interface Flash {
  intent: 'success' | 'warning' | 'error' | 'info';
  title: string;
  text?: string;
}

let flash: { key: string; value: Flash } | null = null;

/** Leaves a message for the page at route `key`. */
export function setFlash(key: string, value: Flash): void {
  flash = { key, value };
}

/** The message left for route `key`, if any (read during render, cleared after). */
export function peekFlash(key: string): Flash | null {
  return flash && flash.key === key ? flash.value : null;
}

export function clearFlash(key: string): void {
  if (flash && flash.key === key) flash = null;
}
