import { constantTimeEqual, generateClientSecret, hashToken, newId } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import { inGraphRange } from '../lib/time.js';
import * as appsRepo from '../store/repositories/applications.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import type { ApplicationRow, PasswordCredentialRow } from '../store/repositories/applications.js';
import type { Executor } from '../store/db.js';
import type { Actor } from './actor.js';
import { auditValue, recordAudit, type ModifiedProperty } from './audit.js';
import { APP_ADMIN_ROLES, authorize, READ_APPLICATIONS } from './authz.js';
import type { DirectoryContext } from './context.js';
import { badRequest, DirectoryError, notFound } from './errors.js';
import { asObject, isValidRedirectUri, optionalBoolean, optionalString, parseDate, rejectUnknown, requiredString, stringArray, type Json } from './validate.js';

export const SIGN_IN_AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'] as const;
const TWO_YEARS_MS = 2 * 365.25 * 24 * 3600 * 1000;

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Role' | 'Scope' }[];
}

/** What an application stores beyond its indexed columns. */
export interface ApplicationBody {
  description: string | null;
  notes: string | null;
  identifierUris: string[];
  tags: string[];
  web: { redirectUris: string[]; homePageUrl: string | null; logoutUrl: string | null };
  spa: { redirectUris: string[] };
  publicClient: { redirectUris: string[] };
  requiredResourceAccess: RequiredResourceAccess[];
  ownerIds: string[];
}

export interface PasswordCredential {
  customKeyIdentifier: null;
  displayName: string | null;
  endDateTime: number;
  hint: string;
  keyId: string;
  secretText: string | null;
  startDateTime: number;
}

export interface Application extends ApplicationBody {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  isFallbackPublicClient: boolean;
  createdDateTime: number;
  publisherDomain: string;
  passwordCredentials: PasswordCredential[];
}

const APP_PROPS = [
  'displayName', 'signInAudience', 'description', 'notes', 'identifierUris', 'tags', 'web', 'spa', 'publicClient',
  'requiredResourceAccess', 'isFallbackPublicClient',
];

function parseBody(body: Json, base?: ApplicationBody): ApplicationBody {
  const out: ApplicationBody = base
    ? structuredClone(base)
    : { description: null, notes: null, identifierUris: [], tags: [], web: { redirectUris: [], homePageUrl: null, logoutUrl: null }, spa: { redirectUris: [] }, publicClient: { redirectUris: [] }, requiredResourceAccess: [], ownerIds: [] };
  const description = optionalString(body, 'description', 1024);
  if (description !== undefined) out.description = description;
  const notes = optionalString(body, 'notes', 1024);
  if (notes !== undefined) out.notes = notes;
  if (body.identifierUris !== undefined) out.identifierUris = stringArray(body.identifierUris, 'identifierUris', (s) => /^(api|https):\/\/\S+$/.test(s));
  if (body.tags !== undefined) out.tags = stringArray(body.tags, 'tags');
  for (const platform of ['web', 'spa', 'publicClient'] as const) {
    if (body[platform] === undefined) continue;
    const p = asObject(body[platform], platform);
    rejectUnknown(p, platform === 'web' ? ['redirectUris', 'homePageUrl', 'logoutUrl', 'implicitGrantSettings', 'redirectUriSettings'] : ['redirectUris'], platform === 'web' ? 'webApplication' : `${platform}Application`);
    if (p.redirectUris !== undefined) {
      out[platform].redirectUris = stringArray(p.redirectUris, `${platform}.redirectUris`, isValidRedirectUri);
    }
    if (platform === 'web') {
      const home = optionalString(p, 'homePageUrl');
      if (home !== undefined) out.web.homePageUrl = home;
      const logout = optionalString(p, 'logoutUrl');
      if (logout !== undefined) out.web.logoutUrl = logout;
    }
  }
  if (body.requiredResourceAccess !== undefined) {
    const rra = body.requiredResourceAccess;
    if (!Array.isArray(rra) || rra.length > 50) throw badRequest("Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.");
    out.requiredResourceAccess = rra.map((entry) => {
      const e = asObject(entry, 'requiredResourceAccess');
      if (!isGuid(e.resourceAppId) || !Array.isArray(e.resourceAccess)) throw badRequest("Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.");
      return {
        resourceAppId: e.resourceAppId.toLowerCase(),
        resourceAccess: e.resourceAccess.map((a) => {
          const ra = asObject(a, 'resourceAccess');
          if (!isGuid(ra.id) || (ra.type !== 'Role' && ra.type !== 'Scope')) throw badRequest("Invalid value specified for property 'resourceAccess' of resource 'RequiredResourceAccess'.");
          return { id: ra.id.toLowerCase(), type: ra.type };
        }),
      };
    });
  }
  return out;
}

function toCredential(row: PasswordCredentialRow, secretText: string | null = null): PasswordCredential {
  return { customKeyIdentifier: null, displayName: row.display_name, endDateTime: row.end_at, hint: row.hint, keyId: row.key_id, secretText, startDateTime: row.start_at };
}

async function publisherDomain(ctx: DirectoryContext, tenantId: string): Promise<string> {
  const domains = await tenantsRepo.listDomains(ctx.store.db, tenantId);
  return (domains.find((d) => d.is_default === 1) ?? domains[0])?.name ?? '';
}

function toApplication(row: ApplicationRow, creds: readonly PasswordCredentialRow[], domain: string): Application {
  const body = JSON.parse(row.body) as ApplicationBody;
  return {
    ...body, id: row.id, appId: row.app_id, displayName: row.display_name, signInAudience: row.sign_in_audience,
    isFallbackPublicClient: row.is_fallback_public_client === 1, createdDateTime: row.created_at,
    publisherDomain: domain, passwordCredentials: creds.map((c) => toCredential(c)),
  };
}

/** One application with its credentials and the tenant's publisher domain. */
async function loadApplication(ctx: DirectoryContext, row: ApplicationRow): Promise<Application> {
  const creds = await appsRepo.listPasswordCredentials(ctx.store.db, row.tenant_id, row.id);
  return toApplication(row, creds, await publisherDomain(ctx, row.tenant_id));
}

function writeRequirement(actor: Actor, body: ApplicationBody) {
  return {
    scopes: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'], appRoles: ['Application.ReadWrite.All'], userRoles: APP_ADMIN_ROLES,
    userAllowed: () => actor.kind === 'user' && body.ownerIds.includes(actor.userId),
  };
}

async function loadRow(ex: Executor, actor: Actor, idOrAppId: { id?: string; appId?: string }): Promise<ApplicationRow> {
  const row = idOrAppId.id !== undefined
    ? isGuid(idOrAppId.id) ? await appsRepo.getApplication(ex, actor.tenantId, idOrAppId.id.toLowerCase()) : undefined
    : isGuid(idOrAppId.appId) ? await appsRepo.findApplicationByAppId(ex, actor.tenantId, idOrAppId.appId.toLowerCase()) : undefined;
  if (!row) throw notFound(idOrAppId.id ?? idOrAppId.appId ?? '');
  return row;
}

export type AppKey = { id: string } | { appId: string };

export async function getApplication(ctx: DirectoryContext, actor: Actor, key: AppKey): Promise<Application> {
  authorize(actor, READ_APPLICATIONS);
  return loadApplication(ctx, await loadRow(ctx.store.db, actor, key));
}

export async function listApplications(ctx: DirectoryContext, actor: Actor, filter: { displayName?: string; appId?: string } = {}): Promise<Application[]> {
  authorize(actor, READ_APPLICATIONS);
  // stored appIds are lower-case GUIDs and no display name holds NUL (which PostgreSQL refuses as a parameter)
  if (filter.appId !== undefined && !isGuid(filter.appId)) return [];
  if (filter.displayName?.includes('\u0000')) return [];
  const rows = await appsRepo.listApplications(ctx.store.db, actor.tenantId, {
    displayName: filter.displayName, appId: filter.appId?.toLowerCase(), limit: 999,
  });
  if (rows.length === 0) return [];
  const byApp = new Map<string, PasswordCredentialRow[]>();
  for (const c of await appsRepo.listPasswordCredentialsOf(ctx.store.db, actor.tenantId, rows.map((r) => r.id))) {
    const list = byApp.get(c.application_id);
    if (list) list.push(c);
    else byApp.set(c.application_id, [c]);
  }
  const domain = await publisherDomain(ctx, actor.tenantId);
  return rows.map((r) => toApplication(r, byApp.get(r.id) ?? [], domain));
}

/** Entra's default lets every member user register applications ("Users can register applications"). */
export async function createApplication(ctx: DirectoryContext, actor: Actor, rawBody: unknown): Promise<Application> {
  authorize(actor, { scopes: ['Application.ReadWrite.All', 'Directory.ReadWrite.All', 'AppRegistration.Create'], appRoles: ['Application.ReadWrite.All', 'AppRegistration.Create'] });
  const json = asObject(rawBody, 'application');
  rejectUnknown(json, APP_PROPS, 'application');
  const displayName = requiredString(json, 'displayName', 256);
  const audience = json.signInAudience === undefined ? 'AzureADMyOrg' : json.signInAudience;
  if (!SIGN_IN_AUDIENCES.includes(audience as (typeof SIGN_IN_AUDIENCES)[number])) {
    throw badRequest("Invalid value specified for property 'signInAudience' of resource 'Application'.");
  }
  const body = parseBody(json);
  if (actor.kind === 'user') body.ownerIds = [actor.userId];
  const isFallbackPublicClient = optionalBoolean(json, 'isFallbackPublicClient') ?? false;
  const row: ApplicationRow = {
    tenant_id: actor.tenantId, id: newId(), app_id: newId(), display_name: displayName, sign_in_audience: String(audience),
    is_fallback_public_client: isFallbackPublicClient ? 1 : 0, body: JSON.stringify(body), created_at: 0,
  };
  await ctx.store.transaction(async (trx) => {
    const now = ctx.clock();
    row.created_at = now;
    await appsRepo.insertApplication(trx, row);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Add application', category: 'ApplicationManagement', operationType: 'Add',
      targets: [{ id: row.id, displayName, type: 'Application', modifiedProperties: [
        { displayName: 'AppId', oldValue: null, newValue: auditValue(row.app_id) },
        { displayName: 'DisplayName', oldValue: null, newValue: auditValue(displayName) },
        { displayName: 'AvailableToOtherTenants', oldValue: null, newValue: auditValue(audience !== 'AzureADMyOrg') },
        { displayName: 'AppAddress', oldValue: null, newValue: JSON.stringify(body.web.redirectUris.map((u) => ({ AddressType: 0, Address: u, ReplyAddressClientType: 1 }))) },
        { displayName: 'RequiredResourceAccess', oldValue: null, newValue: JSON.stringify(body.requiredResourceAccess) },
      ] }],
    }, now);
  });
  return loadApplication(ctx, row);
}

export async function updateApplication(ctx: DirectoryContext, actor: Actor, key: AppKey, rawBody: unknown): Promise<void> {
  const json = asObject(rawBody, 'application');
  rejectUnknown(json, APP_PROPS, 'application');
  await ctx.store.transaction(async (trx) => {
    const row = await loadRow(trx, actor, key);
    const before = JSON.parse(row.body) as ApplicationBody;
    authorize(actor, writeRequirement(actor, before));
    const after = parseBody(json, before);
    const patch: Parameters<typeof appsRepo.updateApplication>[3] = { body: JSON.stringify(after) };
    const modified: ModifiedProperty[] = [];
    if (json.displayName !== undefined) {
      patch.display_name = requiredString(json, 'displayName', 256);
      modified.push({ displayName: 'DisplayName', oldValue: auditValue(row.display_name), newValue: auditValue(patch.display_name) });
    }
    if (json.signInAudience !== undefined) {
      if (!SIGN_IN_AUDIENCES.includes(json.signInAudience as (typeof SIGN_IN_AUDIENCES)[number])) throw badRequest("Invalid value specified for property 'signInAudience' of resource 'Application'.");
      patch.sign_in_audience = String(json.signInAudience);
      modified.push({ displayName: 'AvailableToOtherTenants', oldValue: auditValue(row.sign_in_audience !== 'AzureADMyOrg'), newValue: auditValue(patch.sign_in_audience !== 'AzureADMyOrg') });
    }
    const fallback = optionalBoolean(json, 'isFallbackPublicClient');
    if (fallback !== undefined) patch.is_fallback_public_client = fallback ? 1 : 0;
    for (const k of ['web', 'spa', 'publicClient', 'requiredResourceAccess', 'identifierUris', 'tags', 'description', 'notes'] as const) {
      if (json[k] !== undefined && JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
        modified.push({ displayName: k === 'web' ? 'AppAddress' : k.charAt(0).toUpperCase() + k.slice(1), oldValue: JSON.stringify(before[k]), newValue: JSON.stringify(after[k]) });
      }
    }
    await appsRepo.updateApplication(trx, actor.tenantId, row.id, patch);
    const now = ctx.clock();
    await recordAudit(trx, actor, {
      activityDisplayName: 'Update application', category: 'ApplicationManagement', operationType: 'Update',
      targets: [{ id: row.id, displayName: patch.display_name ?? row.display_name, type: 'Application', modifiedProperties: modified }],
    }, now);
  });
}

export async function deleteApplication(ctx: DirectoryContext, actor: Actor, key: AppKey): Promise<void> {
  await ctx.store.transaction(async (trx) => {
    const row = await loadRow(trx, actor, key);
    authorize(actor, writeRequirement(actor, JSON.parse(row.body) as ApplicationBody));
    await spRepo.deleteServicePrincipalsOfApp(trx, actor.tenantId, row.app_id);
    await appsRepo.deleteApplication(trx, actor.tenantId, row.id);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Delete application', category: 'ApplicationManagement', operationType: 'Delete',
      targets: [{ id: row.id, displayName: row.display_name, type: 'Application', modifiedProperties: [] }],
    }, ctx.clock());
  });
}

/** Entra's audit text for a credential, without the secret. */
function keyDescription(c: PasswordCredentialRow): string {
  return `[KeyIdentifier=${c.key_id},KeyType=Password,KeyUsage=Verify,DisplayName=${c.display_name ?? ''}]`;
}

export async function addPassword(ctx: DirectoryContext, actor: Actor, key: AppKey, rawBody: unknown): Promise<PasswordCredential> {
  const json = rawBody === undefined || rawBody === null ? {} : asObject(rawBody, 'addPassword');
  rejectUnknown(json, ['passwordCredential'], 'application.addPassword');
  const pc = json.passwordCredential === undefined || json.passwordCredential === null ? {} : asObject(json.passwordCredential, 'passwordCredential');
  rejectUnknown(pc, ['displayName', 'startDateTime', 'endDateTime', 'customKeyIdentifier', 'keyId', 'hint', 'secretText'], 'passwordCredential');
  const displayName = optionalString(pc, 'displayName', 256) ?? null;
  const secret = generateClientSecret();
  return ctx.store.transaction(async (trx) => {
    const row = await loadRow(trx, actor, key);
    authorize(actor, writeRequirement(actor, JSON.parse(row.body) as ApplicationBody));
    const now = ctx.clock();
    const start = parseDate(pc.startDateTime, 'startDateTime') ?? now;
    const end = parseDate(pc.endDateTime, 'endDateTime') ?? start + TWO_YEARS_MS;
    // the default end (start + 2 years) must stay within Graph's range too
    if (end <= start || !inGraphRange(end)) throw badRequest('Key credential end date is invalid.', 'KeyCredentialsInvalidEndDate');
    const existing = await appsRepo.listPasswordCredentials(trx, actor.tenantId, row.id);
    if (existing.length >= 20) throw badRequest('The application already has the maximum number of password credentials.', 'TooManyKeyCredentials');
    const cred: PasswordCredentialRow = {
      tenant_id: actor.tenantId, key_id: newId(), application_id: row.id, display_name: displayName, hint: secret.slice(0, 3),
      secret_hash: hashToken(ctx.secretPepper, secret), start_at: start, end_at: end,
    };
    await appsRepo.insertPasswordCredential(trx, cred);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Update application – Certificates and secrets management', category: 'ApplicationManagement', operationType: 'Update',
      targets: [{ id: row.id, displayName: row.display_name, type: 'Application', modifiedProperties: [
        { displayName: 'KeyDescription', oldValue: JSON.stringify(existing.map(keyDescription)), newValue: JSON.stringify([...existing, cred].map(keyDescription)) },
      ] }],
    }, now);
    return toCredential(cred, secret);
  });
}

export async function removePassword(ctx: DirectoryContext, actor: Actor, key: AppKey, rawBody: unknown): Promise<void> {
  const json = asObject(rawBody, 'removePassword');
  rejectUnknown(json, ['keyId'], 'application.removePassword');
  if (!isGuid(json.keyId)) throw badRequest("Invalid value specified for property 'keyId'.");
  const keyId = json.keyId.toLowerCase();
  await ctx.store.transaction(async (trx) => {
    const row = await loadRow(trx, actor, key);
    authorize(actor, writeRequirement(actor, JSON.parse(row.body) as ApplicationBody));
    const existing = await appsRepo.listPasswordCredentials(trx, actor.tenantId, row.id);
    const removed = await appsRepo.deletePasswordCredential(trx, actor.tenantId, row.id, keyId);
    if (removed === 0) throw new DirectoryError('notFound', 'Request_ResourceNotFound', `No password credential found with keyId ${keyId}.`);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Update application – Certificates and secrets management', category: 'ApplicationManagement', operationType: 'Update',
      targets: [{ id: row.id, displayName: row.display_name, type: 'Application', modifiedProperties: [
        { displayName: 'KeyDescription', oldValue: JSON.stringify(existing.map(keyDescription)), newValue: JSON.stringify(existing.filter((c) => c.key_id !== keyId).map(keyDescription)) },
      ] }],
    }, ctx.clock());
  });
}

export type SecretCheck = 'valid' | 'invalid' | 'expired';

/**
 * Checks a client secret against the app's credentials, comparing hashes in constant time. The hash
 * is computed and compared even when there is no credential, so timing says little.
 */
export function checkClientSecret(ctx: DirectoryContext, creds: readonly PasswordCredentialRow[], secret: string): SecretCheck {
  return matchClientSecret(ctx, creds, secret).check;
}

/** checkClientSecret, and the keyId of the credential the secret belongs to (valid or expired). */
export function matchClientSecret(ctx: DirectoryContext, creds: readonly PasswordCredentialRow[], secret: string): { check: SecretCheck; keyId: string | null } {
  const presented = hashToken(ctx.secretPepper, secret);
  const now = ctx.clock();
  let check: SecretCheck = 'invalid';
  let keyId: string | null = null;
  for (const c of creds) {
    if (constantTimeEqual(presented, c.secret_hash)) {
      check = now >= c.start_at && now < c.end_at ? 'valid' : 'expired';
      keyId = c.key_id;
    }
  }
  if (creds.length === 0) constantTimeEqual(presented, presented);
  return { check, keyId };
}
