import type { Organization, SubscribedSku } from './graph';

const SKU_NAMES: Record<string, string> = {
  AAD_PREMIUM: 'Microsoft Entra ID P1',
  AAD_PREMIUM_P2: 'Microsoft Entra ID P2',
};
const PLAN_LICENSES: [string, string][] = [
  ['eec0eb4f-6444-4f95-aba0-50c24d67f998', 'Microsoft Entra ID P2'],
  ['41781fb2-bc02-4b7c-bd55-b576c07bb09d', 'Microsoft Entra ID P1'],
];
export const FREE_LICENSE = 'Microsoft Entra ID Free';

export function skuName(partNumber: string): string {
  return SKU_NAMES[partNumber] ?? partNumber;
}

/** The tenant's licence: the best Entra ID SKU it has, else Free. */
export function licenseOf(skus: SubscribedSku[] | undefined, org: Organization | undefined): string | undefined {
  if (skus) {
    const names = skus.map((s) => skuName(s.skuPartNumber));
    return names.find((n) => n.endsWith('P2')) ?? names.find((n) => n.endsWith('P1')) ?? names[0] ?? FREE_LICENSE;
  }
  // without subscribedSkus (not allowed to read them): the organization's assigned plans
  if (org?.assignedPlans) {
    const ids = new Set(org.assignedPlans.filter((p) => p.capabilityStatus === 'Enabled').map((p) => p.servicePlanId));
    return PLAN_LICENSES.find(([id]) => ids.has(id))?.[1] ?? FREE_LICENSE;
  }
  return undefined;
}

export function tenantTypeName(tenantType: string | undefined): string {
  if (tenantType === 'AAD B2C') return 'Azure AD B2C';
  if (tenantType === 'AAD') return 'Microsoft Entra ID';
  return tenantType || 'Microsoft Entra ID';
}

export function primaryDomain(org: Organization | undefined): string | undefined {
  return org?.verifiedDomains.find((d) => d.isDefault)?.name ?? org?.verifiedDomains.find((d) => d.isInitial)?.name;
}

export const AUDIENCES: Record<string, string> = {
  AzureADMyOrg: 'My organization only',
  AzureADMultipleOrgs: 'Multiple organizations',
  AzureADandPersonalMicrosoftAccount: 'All Microsoft account users',
  PersonalMicrosoftAccount: 'Personal Microsoft accounts only',
};

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

export function isExpired(endDateTime: string, now = Date.now()): boolean {
  const t = Date.parse(endDateTime);
  return Number.isFinite(t) && t <= now;
}
