import { generatePassword, hashPassword, newId } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import { isUniqueViolation, type Executor } from '../store/db.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import type { Actor, SystemActor } from './actor.js';
import { auditValue, recordAudit } from './audit.js';
import { FIRST_PARTY_CLIENTS, MICROSOFT_SERVICES_TENANT_ID, RESOURCE_APPS, ROLE, type License } from './catalog.js';
import type { DirectoryContext } from './context.js';
import { badRequest, DirectoryError } from './errors.js';
import { resourceServicePrincipalBody } from './principals.js';

export type TenantType = 'standard' | 'b2c';

export interface CreateTenantInput {
  domain: string;
  displayName?: string;
  license: License;
  type: TenantType;
  adminPassword?: string;
}

export interface CreatedTenant {
  tenantId: string;
  displayName: string;
  domain: string;
  license: License;
  type: TenantType;
  admin: { id: string; userPrincipalName: string; password: string };
}

const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function isValidDomain(name: string): boolean {
  return DOMAIN.test(name);
}

/** Entra's password rule: 8–256 characters with three of: lower, upper, digit, symbol. */
export function checkPasswordComplexity(password: string): string | null {
  if (password.length < 8 || password.length > 256) return 'The password must be between 8 and 256 characters.';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'The password must contain three of: lower-case letters, upper-case letters, digits and symbols.';
  return null;
}

export const LICENSES: readonly License[] = ['none', 'P1', 'P2'];
export const TENANT_TYPES: readonly TenantType[] = ['standard', 'b2c'];

export function validateCreateTenant(input: CreateTenantInput): void {
  const domain = input.domain.toLowerCase();
  if (!isValidDomain(domain)) throw badRequest(`'${input.domain}' is not a valid domain name.`);
  if (!LICENSES.includes(input.license)) throw badRequest(`unknown licence '${String(input.license)}' (expected none, P1 or P2)`);
  if (!TENANT_TYPES.includes(input.type)) throw badRequest(`unknown tenant type '${String(input.type)}' (expected standard or b2c)`);
  if (input.displayName !== undefined && (input.displayName.trim() === '' || input.displayName.length > 256)) {
    throw badRequest('the display name must be 1 to 256 characters');
  }
  if (input.adminPassword !== undefined) {
    const problem = checkPasswordComplexity(input.adminPassword);
    if (problem) throw badRequest(problem);
  }
}

/**
 * A new tenant as Entra provisions one: its initial domain, Microsoft's resource and first-party
 * client service principals, a first administrator holding Global Administrator, and the audit
 * records of it all, in a single transaction.
 */
export async function createTenant(ctx: DirectoryContext, input: CreateTenantInput, operator = 'tenantry CLI'): Promise<CreatedTenant> {
  validateCreateTenant(input);
  const domain = input.domain.toLowerCase();
  const tenantId = newId();
  const displayName = input.displayName ?? domain.split('.')[0]!;
  const password = input.adminPassword ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const adminId = newId();
  const upn = `admin@${domain}`;
  const actor: SystemActor = { kind: 'system', name: operator, tenantId, ipAddress: null, correlationId: newId() };

  try {
    await ctx.store.transaction(async (trx) => {
      const now = ctx.clock();
      await tenantsRepo.insertTenant(trx, { id: tenantId, display_name: displayName, tenant_type: input.type, license: input.license, created_at: now });
      await tenantsRepo.insertDomain(trx, { name: domain, tenant_id: tenantId, is_default: 1, is_initial: 1, is_verified: 1, created_at: now });
      await provisionBuiltInPrincipals(trx, tenantId, now);
      await usersRepo.insertUser(trx, {
        tenant_id: tenantId, id: adminId, user_principal_name: upn, display_name: 'Administrator', given_name: null, surname: null,
        mail: null, password_hash: passwordHash, account_enabled: 1, created_at: now,
      });
      await recordAudit(trx, actor, {
        activityDisplayName: 'Add user', category: 'UserManagement', operationType: 'Add',
        targets: [{ id: adminId, displayName: null, type: 'User', userPrincipalName: upn, modifiedProperties: [
          { displayName: 'AccountEnabled', oldValue: '[]', newValue: auditValue(true) },
          { displayName: 'DisplayName', oldValue: '[]', newValue: auditValue('Administrator') },
          { displayName: 'UserPrincipalName', oldValue: '[]', newValue: auditValue(upn) },
        ] }],
      }, now);
      await usersRepo.insertRoleAssignment(trx, {
        tenant_id: tenantId, id: newId(), principal_id: adminId, role_definition_id: ROLE.globalAdministrator, directory_scope_id: '/', created_at: now,
      });
      await recordAudit(trx, actor, {
        activityDisplayName: 'Add member to role', category: 'RoleManagement', operationType: 'Add',
        targets: [
          { id: adminId, displayName: null, type: 'User', userPrincipalName: upn, modifiedProperties: [
            { displayName: 'Role.DisplayName', oldValue: null, newValue: auditValue('Global Administrator') },
            { displayName: 'Role.TemplateId', oldValue: null, newValue: auditValue(ROLE.globalAdministrator) },
          ] },
          { id: ROLE.globalAdministrator, displayName: 'Global Administrator', type: 'Role' },
        ],
      }, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DirectoryError('conflict', 'Request_BadRequest', `The domain '${domain}' is already in use.`);
    throw err;
  }
  return { tenantId, displayName, domain, license: input.license, type: input.type, admin: { id: adminId, userPrincipalName: upn, password } };
}

async function provisionBuiltInPrincipals(trx: Executor, tenantId: string, now: number): Promise<void> {
  for (const app of RESOURCE_APPS) {
    await spRepo.insertServicePrincipal(trx, {
      tenant_id: tenantId, id: newId(), app_id: app.appId, display_name: app.displayName, app_owner_organization_id: MICROSOFT_SERVICES_TENANT_ID,
      service_principal_type: 'Application', builtin: 1, public_client: 0, body: JSON.stringify(resourceServicePrincipalBody(app)), created_at: now,
    });
  }
  for (const client of FIRST_PARTY_CLIENTS) {
    await spRepo.insertServicePrincipal(trx, {
      tenant_id: tenantId, id: newId(), app_id: client.appId, display_name: client.displayName, app_owner_organization_id: MICROSOFT_SERVICES_TENANT_ID,
      service_principal_type: 'Application', builtin: 1, public_client: 1,
      body: JSON.stringify({ appRoles: [], oauth2PermissionScopes: [], servicePrincipalNames: [client.appId], tags: [], replyUrls: [] }), created_at: now,
    });
  }
}

export interface TenantInfo {
  id: string;
  displayName: string;
  type: TenantType;
  license: License;
  createdAt: number;
  domains: { name: string; isDefault: boolean; isInitial: boolean; isVerified: boolean }[];
}

export interface TenantRef {
  id: string;
  type: TenantType;
  license: License;
  /** directory version: changes with every directory change */
  version: number;
}

/** A tenant by id or by one of its domain names, in one query (the token endpoint's hot path). */
export async function findTenant(ctx: DirectoryContext, idOrDomain: string): Promise<TenantRef | undefined> {
  const key = idOrDomain.toLowerCase();
  if (key.length > 255 || !/^[a-z0-9.-]+$/.test(key)) return undefined; // neither a GUID nor a domain name
  const row = isGuid(key)
    ? await tenantsRepo.getTenant(ctx.store.db, key)
    : await tenantsRepo.findTenantByDomain(ctx.store.db, key);
  return row && { id: row.id, type: row.tenant_type, license: row.license, version: Number(row.directory_version) };
}

/** A tenant with its domains, by id or by one of its domain names. */
export async function resolveTenant(ctx: DirectoryContext, idOrDomain: string): Promise<TenantInfo | undefined> {
  const ref = await findTenant(ctx, idOrDomain);
  const tenant = ref && (await tenantsRepo.getTenant(ctx.store.db, ref.id));
  if (!tenant) return undefined;
  const domains = await tenantsRepo.listDomains(ctx.store.db, tenant.id);
  return {
    id: tenant.id, displayName: tenant.display_name, type: tenant.tenant_type, license: tenant.license, createdAt: tenant.created_at,
    domains: domains.map((d) => ({ name: d.name, isDefault: d.is_default === 1, isInitial: d.is_initial === 1, isVerified: d.is_verified === 1 })),
  };
}

export async function setLicense(ctx: DirectoryContext, actor: Actor, license: License): Promise<void> {
  if (!LICENSES.includes(license)) throw badRequest(`unknown licence '${String(license)}' (expected none, P1 or P2)`);
  await ctx.store.transaction(async (trx) => {
    const tenant = await tenantsRepo.getTenant(trx, actor.tenantId);
    if (!tenant) throw badRequest(`tenant ${actor.tenantId} not found`);
    await tenantsRepo.setTenantLicense(trx, actor.tenantId, license);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Update company', category: 'DirectoryManagement', operationType: 'Update',
      targets: [{ id: actor.tenantId, displayName: tenant.display_name, type: 'Directory', modifiedProperties: [
        { displayName: 'License', oldValue: auditValue(tenant.license), newValue: auditValue(license) },
      ] }],
    }, ctx.clock());
  });
}
