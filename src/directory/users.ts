import { randomBytes } from 'node:crypto';
import { hashPassword, newId } from '../lib/crypto.js';
import { isGuid } from '../lib/guid.js';
import { isUniqueViolation } from '../store/db.js';
import * as keysRepo from '../store/repositories/keys.js';
import * as refreshRepo from '../store/repositories/refreshTokens.js';
import * as authRepo from '../store/repositories/authorization.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import type { RoleAssignmentRow, UserPatch, UserPredicate, UserRow } from '../store/repositories/users.js';
import type { Executor, Store } from '../store/db.js';
import type { FilterNode } from '../graph/odata/ast.js';
import { parseFilter, asciiLower } from '../graph/odata/parser.js';
import { validateFilter, type FilterSpec } from '../graph/odata/validate.js';
import { SkipTokens } from '../reporting/skiptoken.js';
import type { Actor } from './actor.js';
import { auditValue, recordAudit, type ModifiedProperty, type TargetResource } from './audit.js';
import { authorize, CONSENT_ADMIN_ROLES, maySensitivelyManage, READ_DIRECTORY_ROLES, READ_ROLE_ASSIGNMENTS, USER_ADMIN_ROLES } from './authz.js';
import { ROLE, ROLE_TEMPLATES, roleTemplate, type RoleTemplate } from './catalog.js';
import type { DirectoryContext } from './context.js';
import { badRequest, DirectoryError, insufficientPrivileges, notFound } from './errors.js';
import { toServicePrincipal, type ServicePrincipal } from './servicePrincipals.js';
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

// ---------------------------------------------------------------------------------------------
// Listing users: $filter, $search, $top, $skiptoken, $count

export interface UserListQuery {
  filter?: string;
  search?: string;
  top?: string;
  skiptoken?: string;
  count?: string;
  /** the request carried `ConsistencyLevel: eventual` (Graph's advanced queries) */
  eventual: boolean;
}

export interface UserPage {
  users: User[];
  /** opaque $skiptoken of the next page, when there is one */
  next?: string;
  /** `@odata.count` (with `$count=true` in an advanced query) */
  count?: number;
}

/** Graph's default page of users, and its maximum `$top`. */
export const USER_PAGE_DEFAULT = 100;
export const USER_PAGE_MAX = 999;

const unsupportedFilter = (): DirectoryError => new DirectoryError('badRequest', 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
const unsupportedQuery = (): DirectoryError => new DirectoryError('badRequest', 'Request_UnsupportedQuery', 'Unsupported Query.');

/** What `$filter` on users supports by default in Graph (no advanced query needed): eq and startswith, and/or. */
const USER_FILTER_SPEC: FilterSpec = {
  allowOr: true,
  fields: {
    id: { type: 'guid', ops: ['eq'] },
    displayName: { type: 'string', ops: ['eq', 'startswith'] },
    userPrincipalName: { type: 'string', ops: ['eq', 'startswith'] },
    givenName: { type: 'string', ops: ['eq', 'startswith'] },
    surname: { type: 'string', ops: ['eq', 'startswith'] },
    mail: { type: 'string', ops: ['eq', 'startswith'] },
    accountEnabled: { type: 'boolean', ops: ['eq'] },
  },
  collections: {},
};

/**
 * How a Graph property is compared: `lower` columns hold text lower-cased by JavaScript (the UPN),
 * so the literal is lower-cased the same way and compared exactly; `fold` columns are compared with
 * ASCII case folded on both sides (identically on SQLite and PostgreSQL; other letters exactly).
 */
const USER_COLUMNS: Record<string, { column: usersRepo.UserColumn; mode: 'exact' | 'lower' | 'fold' }> = {
  id: { column: 'id', mode: 'exact' },
  userPrincipalName: { column: 'user_principal_name', mode: 'lower' },
  displayName: { column: 'display_name', mode: 'fold' },
  givenName: { column: 'given_name', mode: 'fold' },
  surname: { column: 'surname', mode: 'fold' },
  mail: { column: 'mail', mode: 'fold' },
  accountEnabled: { column: 'account_enabled', mode: 'exact' },
};

const NEVER: UserPredicate = { kind: 'or', items: [] };

function literalFor(mode: 'exact' | 'lower' | 'fold', value: string): string {
  return mode === 'lower' ? value.toLowerCase() : mode === 'fold' ? asciiLower(value) : value;
}

function userPredicate(node: FilterNode): UserPredicate {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, items: node.items.map(userPredicate) };
    case 'compare': {
      const m = USER_COLUMNS[node.property];
      if (!m || node.op !== 'eq') throw unsupportedFilter();
      if (node.value.kind === 'null') return { kind: 'eq', column: m.column, value: null };
      if (node.value.kind === 'boolean') return { kind: 'eq', column: m.column, value: node.value.value ? 1 : 0 };
      if (node.value.kind !== 'string') throw unsupportedFilter();
      // no stored value holds NUL (and PostgreSQL refuses it as a parameter)
      if (node.value.value.includes('\u0000')) return NEVER;
      return { kind: 'eq', column: m.column, value: literalFor(m.mode, node.value.value), fold: m.mode === 'fold' };
    }
    case 'function': {
      const m = USER_COLUMNS[node.property];
      if (!m || node.name !== 'startswith' || node.value.kind !== 'string') throw unsupportedFilter();
      if (node.value.value.includes('\u0000')) return NEVER;
      return { kind: 'startswith', column: m.column, value: literalFor(m.mode, node.value.value), fold: m.mode === 'fold' };
    }
    default:
      throw unsupportedFilter();
  }
}

function parseUserFilter(filter: string): UserPredicate {
  let node: FilterNode;
  try {
    node = validateFilter(parseFilter(filter), USER_FILTER_SPEC);
  } catch {
    throw unsupportedFilter();
  }
  return userPredicate(node);
}

/** `$search` on users: displayName by word prefix (Graph tokenises it), the others by prefix. */
const SEARCH_PROPERTIES: Record<string, { column: usersRepo.UserColumn; mode: 'lower' | 'fold'; word: boolean }> = {
  displayName: { column: 'display_name', mode: 'fold', word: true },
  userPrincipalName: { column: 'user_principal_name', mode: 'lower', word: false },
  mail: { column: 'mail', mode: 'fold', word: false },
  givenName: { column: 'given_name', mode: 'fold', word: false },
  surname: { column: 'surname', mode: 'fold', word: false },
};

/**
 * `"property:term"` clauses joined by AND / OR (AND binds tighter), as Graph's `$search` on directory
 * objects. Anything else is a 400.
 */
function parseUserSearch(text: string): UserPredicate {
  if (text.length > 1024) throw unsupportedQuery();
  const groups: UserPredicate[][] = [[]];
  let i = 0;
  const skipSpaces = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpaces();
    if (text[i] !== '"') throw unsupportedQuery();
    let clause = '';
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      clause += text[i];
    }
    if (text[i] !== '"') throw unsupportedQuery();
    i++;
    const colon = clause.indexOf(':');
    const name = colon > 0 ? clause.slice(0, colon).trim().toLowerCase() : '';
    const entry = Object.entries(SEARCH_PROPERTIES).find(([k]) => k.toLowerCase() === name)?.[1];
    const term = clause.slice(colon + 1).trim();
    if (!entry || term === '' || term.includes('\u0000')) throw unsupportedQuery();
    const value = literalFor(entry.mode, term);
    groups[groups.length - 1]!.push(entry.word
      ? { kind: 'word', column: entry.column, value }
      : { kind: 'startswith', column: entry.column, value, fold: entry.mode === 'fold' });
    skipSpaces();
    if (i >= text.length) break;
    const op = /^(and|or)\s/i.exec(text.slice(i, i + 4));
    if (!op) throw unsupportedQuery();
    i += op[1]!.length;
    if (op[1]!.toLowerCase() === 'or') groups.push([]);
  }
  return { kind: 'or', items: groups.map((items) => ({ kind: 'and', items })) };
}

function parseUserTop(top: string | undefined): number {
  if (top === undefined) return USER_PAGE_DEFAULT;
  if (!/^\d{1,9}$/.test(top) || Number(top) < 1 || Number(top) > USER_PAGE_MAX) {
    throw new DirectoryError('badRequest', 'Request_UnsupportedQuery', `Invalid page size specified: '${top.slice(0, 32)}'. Must be between 1 and ${USER_PAGE_MAX} inclusive.`);
  }
  return Number(top);
}

const badSkipToken = (): DirectoryError => new DirectoryError('badRequest', 'BadRequest', 'Invalid $skiptoken: it is malformed, expired, or was issued for another query.');

/** The installation's skiptoken key (the one the activity logs use), read once per store. */
const skipTokensByStore = new WeakMap<Store, Promise<SkipTokens>>();
function skipTokens(ctx: DirectoryContext): Promise<SkipTokens> {
  let p = skipTokensByStore.get(ctx.store);
  if (!p) {
    p = keysRepo.ensureServerSecret(ctx.store.db, 'skiptoken-key', randomBytes(32).toString('base64url'), ctx.clock()).then((key) => new SkipTokens(key));
    p.catch(() => skipTokensByStore.delete(ctx.store));
    skipTokensByStore.set(ctx.store, p);
  }
  return p;
}

/** A page of the tenant's users in userPrincipalName order; the permission is checked before the query. */
export async function listUsersPage(ctx: DirectoryContext, actor: Actor, q: UserListQuery): Promise<UserPage> {
  authorize(actor, READ_USERS);
  if (q.search !== undefined && !q.eventual) {
    throw new DirectoryError('badRequest', 'Request_UnsupportedQuery', "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
  }
  const parts: UserPredicate[] = [];
  if (q.filter !== undefined) parts.push(parseUserFilter(q.filter));
  if (q.search !== undefined) parts.push(parseUserSearch(q.search));
  const where: UserPredicate | undefined = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { kind: 'and', items: parts };
  const top = parseUserTop(q.top);
  const countFlag = q.count?.toLowerCase();
  if (countFlag !== undefined && countFlag !== 'true' && countFlag !== 'false') throw badRequest(`Invalid value '${q.count!.slice(0, 32)}' for the $count query option.`, 'BadRequest');
  const tokens = await skipTokens(ctx);
  const scope = JSON.stringify([actor.tenantId, 'users', q.filter ?? '', q.search ?? '', top, q.eventual && countFlag === 'true']);
  let afterUpn: string | undefined;
  if (q.skiptoken !== undefined) {
    const cursor = tokens.decode(scope, q.skiptoken);
    if (!cursor || typeof cursor.id !== 'string') throw badSkipToken();
    afterUpn = cursor.id;
  }
  const db = ctx.store.db;
  const rows = await usersRepo.listUsersPage(db, ctx.store.engine, actor.tenantId, { where, afterUpn, limit: top + 1 });
  const page = rows.slice(0, top);
  const last = page[page.length - 1];
  return {
    users: page.map(toUser),
    next: rows.length > top && last ? tokens.encode(scope, { at: 0, id: last.user_principal_name }) : undefined,
    // Graph ignores $count=true without ConsistencyLevel: eventual
    count: q.eventual && countFlag === 'true' ? await usersRepo.countUsers(db, ctx.store.engine, actor.tenantId, where) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Updating and deleting users

/** A user by object id or UPN (longer than any UPN: nobody). */
async function findUser(ex: Executor, tenantId: string, idOrUpn: string): Promise<UserRow | undefined> {
  if (idOrUpn.length > 320) return undefined;
  return isGuid(idOrUpn) ? usersRepo.getUser(ex, tenantId, idOrUpn.toLowerCase()) : usersRepo.findUserByUpn(ex, tenantId, idOrUpn);
}

async function loadUser(ex: Executor, tenantId: string, idOrUpn: string): Promise<UserRow> {
  const row = await findUser(ex, tenantId, idOrUpn);
  if (!row) throw notFound(idOrUpn);
  return row;
}

const UPDATABLE_USER_PROPS = ['displayName', 'accountEnabled', 'passwordProfile', 'givenName', 'surname', 'mail'];
/** Properties of microsoft.graph.user that Tenantry does not store or cannot change: refused rather than silently dropped. */
const NOT_UPDATABLE_USER_PROPS = [
  'userPrincipalName', 'mailNickname', 'usageLocation', 'jobTitle', 'department', 'businessPhones', 'mobilePhone', 'officeLocation', 'preferredLanguage',
  'passwordPolicies', 'userType', 'otherMails', 'employeeId', 'companyName', 'city', 'country', 'state', 'streetAddress', 'postalCode', 'onPremisesImmutableId',
];
const READ_ONLY_USER_PROPS = ['id', 'createdDateTime', 'deletedDateTime'];

const WRITE_USERS = {
  scopes: ['User.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.AccessAsUser.All'],
  appRoles: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  userRoles: USER_ADMIN_ROLES,
};
/** Graph: deleting users needs User.ReadWrite.All (Directory.ReadWrite.All no longer deletes). */
const DELETE_USERS = { scopes: ['User.ReadWrite.All', 'Directory.AccessAsUser.All'], appRoles: ['User.ReadWrite.All'], userRoles: USER_ADMIN_ROLES };

/** Entra's modifiedProperties value of a nullable string: `[]` when empty. */
const auditText = (v: string | null): string => (v === null ? '[]' : auditValue(v));

interface ParsedUserPatch {
  displayName?: string;
  accountEnabled?: boolean;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  password?: string;
}

function parseUserPatch(rawBody: unknown): ParsedUserPatch {
  const body = asObject(rawBody, 'user');
  for (const key of Object.keys(body)) {
    if (READ_ONLY_USER_PROPS.includes(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (NOT_UPDATABLE_USER_PROPS.includes(key)) throw badRequest(`Updating property '${key}' of resource 'User' is not supported by Tenantry.`);
  }
  rejectUnknown(body, UPDATABLE_USER_PROPS, 'user');
  const out: ParsedUserPatch = {};
  // displayName is required on users: it can be changed, not cleared
  if (body.displayName !== undefined) out.displayName = requiredString(body, 'displayName', 256);
  if (body.accountEnabled !== undefined) {
    if (typeof body.accountEnabled !== 'boolean') throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
    out.accountEnabled = body.accountEnabled;
  }
  for (const k of ['givenName', 'surname'] as const) {
    const v = optionalString(body, k, 64);
    if (v !== undefined) out[k] = v;
  }
  const mail = optionalString(body, 'mail', 256);
  if (mail !== undefined) out.mail = mail;
  if (body.passwordProfile !== undefined) {
    const profile = asObject(body.passwordProfile, 'passwordProfile');
    rejectUnknown(profile, ['password', 'forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa'], 'passwordProfile');
    optionalBoolean(profile, 'forceChangePasswordNextSignIn');
    optionalBoolean(profile, 'forceChangePasswordNextSignInWithMfa');
    const password = requiredString(profile, 'password', 256);
    const problem = checkPasswordComplexity(password);
    if (problem) throw badRequest(`The specified password does not comply with password complexity requirements. ${problem}`);
    out.password = password;
  }
  return out;
}

/**
 * PATCH /users/{id}: displayName, givenName, surname, mail, accountEnabled and passwordProfile. A new
 * password revokes the user's refresh tokens (AADSTS50173 when one is redeemed), in the same
 * transaction as the change and its audit records ("Update user", "Reset user password").
 */
export async function updateUser(ctx: DirectoryContext, actor: Actor, idOrUpn: string, rawBody: unknown): Promise<void> {
  authorize(actor, WRITE_USERS);
  const patch = parseUserPatch(rawBody);
  // scrypt runs before the transaction: SQLite's write lock is not held while it hashes
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
  await ctx.store.transaction(async (trx) => {
    const row = await loadUser(trx, actor.tenantId, idOrUpn);
    if (patch.accountEnabled !== undefined || passwordHash !== undefined) {
      const targetRoles = await usersRepo.roleIdsOfPrincipal(trx, actor.tenantId, row.id);
      if (!maySensitivelyManage(actor, targetRoles, { password: passwordHash !== undefined })) throw insufficientPrivileges();
    }
    const change: UserPatch = {};
    const modified: ModifiedProperty[] = [];
    if (patch.accountEnabled !== undefined) {
      change.account_enabled = patch.accountEnabled ? 1 : 0;
      modified.push({ displayName: 'AccountEnabled', oldValue: auditValue(row.account_enabled === 1), newValue: auditValue(patch.accountEnabled) });
    }
    if (patch.displayName !== undefined) {
      change.display_name = patch.displayName;
      modified.push({ displayName: 'DisplayName', oldValue: auditValue(row.display_name), newValue: auditValue(patch.displayName) });
    }
    if (patch.givenName !== undefined) {
      change.given_name = patch.givenName;
      modified.push({ displayName: 'GivenName', oldValue: auditText(row.given_name), newValue: auditText(patch.givenName) });
    }
    if (patch.surname !== undefined) {
      change.surname = patch.surname;
      modified.push({ displayName: 'Surname', oldValue: auditText(row.surname), newValue: auditText(patch.surname) });
    }
    if (patch.mail !== undefined) {
      change.mail = patch.mail;
      modified.push({ displayName: 'Mail', oldValue: auditText(row.mail), newValue: auditText(patch.mail) });
    }
    if (passwordHash !== undefined) change.password_hash = passwordHash;
    if (Object.keys(change).length === 0) return; // an empty PATCH changes nothing
    await usersRepo.updateUser(trx, actor.tenantId, row.id, change);
    const now = ctx.clock();
    const target = (mods: ModifiedProperty[]): TargetResource => ({ id: row.id, displayName: null, type: 'User', userPrincipalName: row.user_principal_name, modifiedProperties: mods });
    if (modified.length > 0) {
      modified.push({ displayName: 'Included Updated Properties', oldValue: null, newValue: JSON.stringify(modified.map((m) => m.displayName).join(', ')) });
      await recordAudit(trx, actor, {
        activityDisplayName: 'Update user', category: 'UserManagement', operationType: 'Update',
        targets: [target(modified)], additionalDetails: [{ key: 'UserType', value: 'Member' }],
      }, now);
    }
    if (passwordHash !== undefined) {
      await refreshRepo.revokeRefreshTokensOfUser(trx, actor.tenantId, row.id, now);
      await authRepo.revokeBrowserSessionsOfUser(trx, actor.tenantId, row.id, now);
      await recordAudit(trx, actor, {
        activityDisplayName: 'Reset user password', category: 'UserManagement', operationType: 'Update',
        targets: [target([])], additionalDetails: [{ key: 'UserType', value: 'Member' }],
      }, now);
    }
  });
}

/**
 * DELETE /users/{id}. Tenantry deletes at once (Entra keeps deleted users restorable for 30 days):
 * the user's directory role assignments go with it (each audited as "Remove member from role"), as do
 * its app role assignments and personal delegated grants; its refresh tokens are revoked.
 */
export async function deleteUser(ctx: DirectoryContext, actor: Actor, idOrUpn: string): Promise<void> {
  authorize(actor, DELETE_USERS);
  await ctx.store.transaction(async (trx) => {
    const row = await loadUser(trx, actor.tenantId, idOrUpn);
    const assignments = await usersRepo.findRoleAssignments(trx, actor.tenantId, { principalId: row.id });
    if (!maySensitivelyManage(actor, assignments.map((a) => a.role_definition_id))) throw insufficientPrivileges();
    const now = ctx.clock();
    for (const a of assignments) {
      await usersRepo.deleteRoleAssignment(trx, actor.tenantId, a.id);
      await recordAudit(trx, actor, removalAudit(a, { user: row }), now);
    }
    await usersRepo.deleteUser(trx, actor.tenantId, row.id);
    await refreshRepo.revokeRefreshTokensOfUser(trx, actor.tenantId, row.id, now);
    await authRepo.revokeBrowserSessionsOfUser(trx, actor.tenantId, row.id, now);
    await recordAudit(trx, actor, {
      activityDisplayName: 'Delete user', category: 'UserManagement', operationType: 'Delete',
      targets: [{ id: row.id, displayName: null, type: 'User', userPrincipalName: row.user_principal_name, modifiedProperties: [] }],
      additionalDetails: [{ key: 'UserType', value: 'Member' }],
    }, now);
  });
}

// ---------------------------------------------------------------------------------------------
// Role assignments, role definitions, role members

export function toRoleAssignment(row: RoleAssignmentRow): RoleAssignment {
  return { id: row.id, principalId: row.principal_id, roleDefinitionId: row.role_definition_id, directoryScopeId: row.directory_scope_id };
}

/** Ids that cannot name a stored object (too long, or NUL, which PostgreSQL refuses as a parameter). */
const impossibleId = (id: string): boolean => id.length > 128 || id.includes('\u0000');

export async function listRoleAssignments(
  ctx: DirectoryContext,
  actor: Actor,
  filter: { principalId?: string; roleDefinitionId?: string; directoryScopeId?: string } = {},
): Promise<RoleAssignment[]> {
  authorize(actor, READ_ROLE_ASSIGNMENTS);
  if (filter.directoryScopeId !== undefined && filter.directoryScopeId !== '/') return [];
  const rows = await usersRepo.findRoleAssignments(ctx.store.db, actor.tenantId, {
    principalId: filter.principalId?.toLowerCase(), roleDefinitionId: filter.roleDefinitionId?.toLowerCase(),
  });
  return rows.map(toRoleAssignment);
}

export async function getRoleAssignment(ctx: DirectoryContext, actor: Actor, id: string): Promise<RoleAssignment> {
  authorize(actor, READ_ROLE_ASSIGNMENTS);
  const row = impossibleId(id) ? undefined : await usersRepo.getRoleAssignment(ctx.store.db, actor.tenantId, id);
  if (!row) throw notFound(id);
  return toRoleAssignment(row);
}

function roleTargets(template: RoleTemplate | undefined, roleId: string): TargetResource {
  return { id: roleId, displayName: template?.displayName ?? null, type: 'Role' };
}

/** The audit record of a removed role assignment, in the shape assignRole writes for an added one. */
function removalAudit(a: RoleAssignmentRow, principal: { user?: UserRow; sp?: { id: string; display_name: string } }) {
  const template = roleTemplate(a.role_definition_id);
  const mods: ModifiedProperty[] = [
    { displayName: 'Role.DisplayName', oldValue: auditValue(template?.displayName ?? null), newValue: null },
    { displayName: 'Role.TemplateId', oldValue: auditValue(a.role_definition_id), newValue: null },
  ];
  const principalTarget: TargetResource = principal.sp
    ? { id: principal.sp.id, displayName: principal.sp.display_name, type: 'ServicePrincipal', modifiedProperties: mods }
    : { id: a.principal_id, displayName: null, type: 'User', userPrincipalName: principal.user?.user_principal_name ?? null, modifiedProperties: mods };
  return {
    activityDisplayName: principal.sp ? 'Remove service principal from role' : 'Remove member from role',
    category: 'RoleManagement' as const, operationType: 'Unassign' as const,
    targets: [principalTarget, roleTargets(template, a.role_definition_id)],
  };
}

/**
 * DELETE /roleManagement/directory/roleAssignments/{id}. A signed-in Global Administrator cannot
 * remove their own Global Administrator assignment (Entra's rule against a tenant without one).
 */
export async function removeRoleAssignment(ctx: DirectoryContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, { scopes: ['RoleManagement.ReadWrite.Directory'], appRoles: ['RoleManagement.ReadWrite.Directory'], userRoles: CONSENT_ADMIN_ROLES });
  await ctx.store.transaction(async (trx) => {
    const row = impossibleId(id) ? undefined : await usersRepo.getRoleAssignment(trx, actor.tenantId, id);
    if (!row) throw notFound(id);
    if (actor.kind === 'user' && row.principal_id === actor.userId && row.role_definition_id === ROLE.globalAdministrator) throw insufficientPrivileges();
    const user = await usersRepo.getUser(trx, actor.tenantId, row.principal_id);
    const sp = user ? undefined : await spRepo.getServicePrincipal(trx, actor.tenantId, row.principal_id);
    await usersRepo.deleteRoleAssignment(trx, actor.tenantId, row.id);
    await recordAudit(trx, actor, removalAudit(row, { user, sp }), ctx.clock());
  });
}

export interface RoleDefinition {
  id: string;
  templateId: string;
  displayName: string;
  description: string;
}

/** The built-in role definitions Tenantry knows (id = template id, as for Entra's built-in roles). */
export function listRoleDefinitions(actor: Actor, filter: { id?: string; displayName?: string; templateId?: string } = {}): RoleDefinition[] {
  authorize(actor, READ_DIRECTORY_ROLES);
  return ROLE_TEMPLATES
    .filter((t) => (filter.id === undefined || t.id === filter.id.toLowerCase())
      && (filter.templateId === undefined || t.id === filter.templateId.toLowerCase())
      && (filter.displayName === undefined || t.displayName === filter.displayName))
    .map((t) => ({ id: t.id, templateId: t.id, displayName: t.displayName, description: t.description }));
}

export function getRoleDefinition(actor: Actor, id: string): RoleDefinition {
  authorize(actor, READ_DIRECTORY_ROLES);
  const t = isGuid(id) ? roleTemplate(id.toLowerCase()) : undefined;
  if (!t) throw notFound(id);
  return { id: t.id, templateId: t.id, displayName: t.displayName, description: t.description };
}

export type DirectoryObject = { kind: 'user'; user: User } | { kind: 'servicePrincipal'; servicePrincipal: ServicePrincipal };

/**
 * GET /directoryRoles/{id}/members (also `roleTemplateId=…`): the users and service principals
 * holding the role. Tenantry's directoryRole object id is the template id, and every built-in
 * template answers (an empty list while nobody holds it; Entra: only activated roles).
 */
export async function listDirectoryRoleMembers(ctx: DirectoryContext, actor: Actor, key: { id: string } | { roleTemplateId: string }): Promise<DirectoryObject[]> {
  authorize(actor, READ_DIRECTORY_ROLES);
  const raw = 'id' in key ? key.id : key.roleTemplateId;
  const template = isGuid(raw) ? roleTemplate(raw.toLowerCase()) : undefined;
  if (!template) throw notFound(raw);
  const db = ctx.store.db;
  const assignments = await usersRepo.findRoleAssignments(db, actor.tenantId, { roleDefinitionId: template.id, directoryScopeId: '/' });
  const ids = [...new Set(assignments.map((a) => a.principal_id))];
  const users = new Map((await usersRepo.listUsersByIds(db, actor.tenantId, ids)).map((u) => [u.id, u]));
  const out: DirectoryObject[] = [];
  for (const id of ids) {
    const u = users.get(id);
    if (u) {
      out.push({ kind: 'user', user: toUser(u) });
      continue;
    }
    const sp = await spRepo.getServicePrincipal(db, actor.tenantId, id);
    if (sp) out.push({ kind: 'servicePrincipal', servicePrincipal: toServicePrincipal(sp) });
  }
  return out;
}

const SELF_READ_SCOPES = ['User.Read', 'User.ReadWrite', 'Directory.AccessAsUser.All'];

/** GET /users/{id}/memberOf (and /me/memberOf): the directory roles the user holds (Tenantry has no groups). */
export async function listMemberOf(ctx: DirectoryContext, actor: Actor, idOrUpn: string | { me: true }): Promise<DirectoryRole[]> {
  let row: UserRow | undefined;
  if (typeof idOrUpn !== 'string') {
    if (actor.kind !== 'user') throw new DirectoryError('badRequest', 'BadRequest', '/me request is only valid with delegated authentication flow.');
    row = await usersRepo.getUser(ctx.store.db, actor.tenantId, actor.userId);
  } else {
    row = await findUser(ctx.store.db, actor.tenantId, idOrUpn);
  }
  const self = actor.kind === 'user' && row?.id === actor.userId;
  authorize(actor, self ? { scopes: [...READ_USERS.scopes, ...SELF_READ_SCOPES], appRoles: READ_USERS.appRoles } : READ_USERS);
  if (!row) throw notFound(typeof idOrUpn === 'string' ? idOrUpn : actor.kind === 'user' ? actor.userId : 'me');
  const roleIds = await usersRepo.roleIdsOfPrincipal(ctx.store.db, actor.tenantId, row.id);
  return ROLE_TEMPLATES.filter((t) => roleIds.includes(t.id)).map((t) => ({
    id: t.id, roleTemplateId: t.id, displayName: t.displayName, description: t.description, memberIds: [row.id],
  }));
}
