import { hashPassword, newId } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import { isUniqueViolation } from '../store/db.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import type { UserRow } from '../store/repositories/users.js';
import type { Actor } from './actor.js';
import { auditValue, recordAudit } from './audit.js';
import { authorize, CONSENT_ADMIN_ROLES, USER_ADMIN_ROLES } from './authz.js';
import { ROLE_TEMPLATES, roleTemplate } from './catalog.js';
import type { DirectoryContext } from './context.js';
import { badRequest, DirectoryError, notFound } from './errors.js';
import { checkPasswordComplexity } from './tenants.js';
import { asObject, optionalBoolean, optionalString, rejectUnknown, requiredString, type Json } from './validate.js';

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  accountEnabled: boolean;
  createdDateTime: number;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id, userPrincipalName: row.user_principal_name, displayName: row.display_name, givenName: row.given_name,
    surname: row.surname, mail: row.mail, accountEnabled: row.account_enabled === 1, createdDateTime: row.created_at,
  };
}

const READ_USERS = { scopes: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'], appRoles: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] };

export async function listUsers(ctx: DirectoryContext, actor: Actor, limit = 999): Promise<User[]> {
  authorize(actor, READ_USERS);
  return (await usersRepo.listUsers(ctx.store.db, actor.tenantId, limit)).map(toUser);
}

export async function getUser(ctx: DirectoryContext, actor: Actor, idOrUpn: string): Promise<User> {
  const row = isGuid(idOrUpn)
    ? await usersRepo.getUser(ctx.store.db, actor.tenantId, idOrUpn.toLowerCase())
    : await usersRepo.findUserByUpn(ctx.store.db, actor.tenantId, idOrUpn);
  const self = actor.kind === 'user' && row?.id === actor.userId;
  if (!self) authorize(actor, READ_USERS);
  if (!row) throw notFound(idOrUpn);
  return toUser(row);
}

export async function me(ctx: DirectoryContext, actor: Actor): Promise<User> {
  if (actor.kind !== 'user') {
    throw new DirectoryError('badRequest', 'BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  authorize(actor, { scopes: ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'], appRoles: [] });
  const row = await usersRepo.getUser(ctx.store.db, actor.tenantId, actor.userId);
  if (!row) throw notFound(actor.userId);
  return toUser(row);
}

const USER_PROPS = ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile', 'givenName', 'surname', 'mail', 'usageLocation', 'jobTitle', 'department'];

export async function createUser(ctx: DirectoryContext, actor: Actor, rawBody: unknown): Promise<User> {
  authorize(actor, { scopes: ['User.ReadWrite.All', 'Directory.ReadWrite.All'], appRoles: ['User.ReadWrite.All', 'Directory.ReadWrite.All'], userRoles: USER_ADMIN_ROLES });
  const body = asObject(rawBody, 'user');
  rejectUnknown(body, USER_PROPS, 'user');
  const displayName = requiredString(body, 'displayName');
  const upn = requiredString(body, 'userPrincipalName', 113).toLowerCase();
  requiredString(body, 'mailNickname', 64);
  const accountEnabled = optionalBoolean(body, 'accountEnabled');
  if (accountEnabled === undefined) throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
  const profile = asObject(body.passwordProfile ?? null, 'passwordProfile') as Json;
  const password = requiredString(profile, 'password', 256);
  const problem = checkPasswordComplexity(password);
  if (problem) throw badRequest(`The specified password does not comply with password complexity requirements. ${problem}`);

  const at = upn.lastIndexOf('@');
  const domainName = at > 0 ? upn.slice(at + 1) : '';
  const domain = await tenantsRepo.findDomain(ctx.store.db, domainName);
  if (!domain || domain.tenant_id !== actor.tenantId || !/^[a-z0-9._'+-]{1,64}$/.test(upn.slice(0, at))) {
    throw badRequest("The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.", 'Request_BadRequest');
  }
  const passwordHash = await hashPassword(password);
  const id = newId();
  const givenName = optionalString(body, 'givenName', 64) ?? null;
  const surname = optionalString(body, 'surname', 64) ?? null;
  const mail = optionalString(body, 'mail', 256) ?? null;
  try {
    return await ctx.store.transaction(async (trx) => {
      const now = ctx.clock();
      const row: UserRow = {
        tenant_id: actor.tenantId, id, user_principal_name: upn, display_name: displayName, given_name: givenName, surname,
        mail, password_hash: passwordHash, account_enabled: accountEnabled ? 1 : 0, created_at: now,
      };
      await usersRepo.insertUser(trx, row);
      await recordAudit(trx, actor, {
        activityDisplayName: 'Add user', category: 'UserManagement', operationType: 'Add',
        targets: [{ id, displayName: null, type: 'User', userPrincipalName: upn, modifiedProperties: [
          { displayName: 'AccountEnabled', oldValue: '[]', newValue: auditValue(accountEnabled) },
          { displayName: 'DisplayName', oldValue: '[]', newValue: auditValue(displayName) },
          { displayName: 'UserPrincipalName', oldValue: '[]', newValue: auditValue(upn) },
        ] }],
      }, now);
      return toUser(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new DirectoryError('badRequest', 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.');
    }
    throw err;
  }
}

export interface DirectoryRole {
  id: string;
  roleTemplateId: string;
  displayName: string;
  description: string;
  memberIds: string[];
}

/** Activated roles: those with at least one member, as Entra lists directoryRoles. */
export async function listDirectoryRoles(ctx: DirectoryContext, actor: Actor): Promise<DirectoryRole[]> {
  authorize(actor, {
    scopes: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    appRoles: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  });
  const assignments = await usersRepo.listRoleAssignments(ctx.store.db, actor.tenantId);
  return ROLE_TEMPLATES.map((t) => ({
    // Tenantry derives the activated role's object id from the template id (stable per installation).
    id: t.id,
    roleTemplateId: t.id,
    displayName: t.displayName,
    description: t.description,
    memberIds: assignments.filter((a) => a.role_definition_id === t.id).map((a) => a.principal_id),
  })).filter((r) => r.memberIds.length > 0);
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

export async function assignRole(ctx: DirectoryContext, actor: Actor, rawBody: unknown): Promise<RoleAssignment> {
  authorize(actor, { scopes: ['RoleManagement.ReadWrite.Directory'], appRoles: ['RoleManagement.ReadWrite.Directory'], userRoles: CONSENT_ADMIN_ROLES });
  const body = asObject(rawBody, 'unifiedRoleAssignment');
  rejectUnknown(body, ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId'], 'unifiedRoleAssignment');
  const principalId = String(body.principalId ?? '').toLowerCase();
  const roleDefinitionId = String(body.roleDefinitionId ?? '').toLowerCase();
  const directoryScopeId = body.directoryScopeId === undefined ? '/' : String(body.directoryScopeId);
  if (!isGuid(principalId)) throw badRequest("Invalid value specified for property 'principalId'.");
  const template = roleTemplate(roleDefinitionId);
  if (!template) throw badRequest(`The role definition '${roleDefinitionId}' does not exist or is not supported.`);
  if (directoryScopeId !== '/') throw badRequest("Only the directory scope '/' is supported.");

  return ctx.store.transaction(async (trx) => {
    const user = await usersRepo.getUser(trx, actor.tenantId, principalId);
    const sp = user ? undefined : await spRepo.getServicePrincipal(trx, actor.tenantId, principalId);
    if (!user && !sp) throw notFound(principalId);
    const now = ctx.clock();
    const assignment = { tenant_id: actor.tenantId, id: newId(), principal_id: principalId, role_definition_id: template.id, directory_scope_id: '/', created_at: now };
    try {
      await usersRepo.insertRoleAssignment(trx, assignment);
    } catch (err) {
      if (isUniqueViolation(err)) throw badRequest('A conflicting object with one or more of the specified property values is present in the directory.', 'Request_BadRequest');
      throw err;
    }
    await recordAudit(trx, actor, {
      activityDisplayName: sp ? 'Add service principal to role' : 'Add member to role', category: 'RoleManagement', operationType: 'Add',
      targets: [
        user
          ? { id: user.id, displayName: null, type: 'User', userPrincipalName: user.user_principal_name, modifiedProperties: [
              { displayName: 'Role.DisplayName', oldValue: null, newValue: auditValue(template.displayName) },
              { displayName: 'Role.TemplateId', oldValue: null, newValue: auditValue(template.id) },
            ] }
          : { id: sp!.id, displayName: sp!.display_name, type: 'ServicePrincipal', modifiedProperties: [
              { displayName: 'Role.DisplayName', oldValue: null, newValue: auditValue(template.displayName) },
              { displayName: 'Role.TemplateId', oldValue: null, newValue: auditValue(template.id) },
            ] },
        { id: template.id, displayName: template.displayName, type: 'Role' },
      ],
    }, now);
    return { id: assignment.id, principalId, roleDefinitionId: template.id, directoryScopeId: '/' };
  });
}
