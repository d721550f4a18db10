/**
 * Users, directory roles and role assignments through Microsoft Graph (`/v1.0/users`,
 * `/v1.0/roleManagement/directory/…`), typed for the portal's Users and Roles pages, with the
 * helpers those pages share: OData string literals, the users search filter, generated passwords
 * and the checks the directory makes before it accepts a user.
 */
import { GraphError, graphList, graphRequest } from './graph';

export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** only with `$select` (not in Graph's default set of user properties) */
  accountEnabled?: boolean;
  createdDateTime?: string | null;
}

export interface RoleDefinition {
  id: string;
  displayName: string;
  description: string;
  templateId?: string;
  isBuiltIn?: boolean;
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}

/** Who holds a role assignment: a user, a service principal, or an object the portal could not read. */
export interface Principal {
  id: string;
  kind: 'user' | 'servicePrincipal' | 'unknown';
  displayName: string | null;
  userPrincipalName?: string;
  appId?: string;
}

export interface NewUser {
  accountEnabled: boolean;
  displayName: string;
  mailNickname: string;
  userPrincipalName: string;
  passwordProfile: { password: string; forceChangePasswordNextSignIn: boolean };
}

export interface UserPatch {
  accountEnabled?: boolean;
  displayName?: string;
  passwordProfile?: { password: string; forceChangePasswordNextSignIn: boolean };
}

export interface UsersPage {
  users: DirectoryUser[];
  /** absolute `@odata.nextLink` of the next page, if there is one */
  nextLink?: string;
}

/** The user properties the pages show (accountEnabled and createdDateTime need `$select`). */
export const USER_SELECT = 'id,displayName,userPrincipalName,accountEnabled,createdDateTime';

const enc = encodeURIComponent;

/** An OData string literal: quoted, a `'` doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `$filter` for the users search box: display name or UPN starting with the term; none for a blank term. */
export function userSearchFilter(term: string): string | undefined {
  const t = term.trim();
  if (t === '') return undefined;
  const lit = odataString(t);
  return `startswith(displayName,${lit}) or startswith(userPrincipalName,${lit})`;
}

/** The first page of users matching `term` (Graph answers 100 a page unless `top` says otherwise). */
export function usersPath(term: string, top?: number): string {
  const filter = userSearchFilter(term);
  const parts = [`$select=${enc(USER_SELECT)}`];
  if (filter) parts.push(`$filter=${enc(filter)}`);
  if (top !== undefined) parts.push(`$top=${top}`);
  return `/v1.0/users?${parts.join('&')}`;
}

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** Ids the `id eq …` clauses of one request may carry (Graph allows at most 15 `or` terms). */
const IDS_PER_FILTER = 15;

export function isNotFound(err: unknown): boolean {
  return err instanceof GraphError && (err.status === 404 || err.code === 'Request_ResourceNotFound');
}

export const directory = {
  /** One page of users: a Graph path (see usersPath) or an `@odata.nextLink`. */
  usersPage: async (pathOrNextLink: string): Promise<UsersPage> => {
    const c = await graphRequest<Collection<DirectoryUser>>('GET', pathOrNextLink);
    return { users: Array.isArray(c.value) ? c.value : [], nextLink: c['@odata.nextLink'] };
  },
  user: (id: string) => graphRequest<DirectoryUser>('GET', `/v1.0/users/${enc(id)}?$select=${enc(USER_SELECT)}`),
  createUser: (u: NewUser) => graphRequest<DirectoryUser>('POST', '/v1.0/users', u),
  updateUser: (id: string, patch: UserPatch) => graphRequest<void>('PATCH', `/v1.0/users/${enc(id)}`, patch),
  deleteUser: (id: string) => graphRequest<void>('DELETE', `/v1.0/users/${enc(id)}`),

  /** The verified domain names, the default first (the domain part of a new user's UPN). */
  verifiedDomains: async (): Promise<string[]> => {
    const domains = await graphList<{ id: string; isVerified: boolean; isDefault: boolean }>('/v1.0/domains');
    return domains
      .filter((d) => d.isVerified)
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.id.localeCompare(b.id))
      .map((d) => d.id);
  },

  roleDefinitions: async (): Promise<RoleDefinition[]> =>
    (await graphList<RoleDefinition>('/v1.0/roleManagement/directory/roleDefinitions')).sort((a, b) => a.displayName.localeCompare(b.displayName)),
  roleDefinition: (id: string) => graphRequest<RoleDefinition>('GET', `/v1.0/roleManagement/directory/roleDefinitions/${enc(id)}`),
  /** Role assignments: all of them, or those of one principal or one role definition. */
  roleAssignments: (filter: { principalId?: string; roleDefinitionId?: string } = {}) => {
    const clauses: string[] = [];
    if (filter.principalId !== undefined) clauses.push(`principalId eq ${odataString(filter.principalId)}`);
    if (filter.roleDefinitionId !== undefined) clauses.push(`roleDefinitionId eq ${odataString(filter.roleDefinitionId)}`);
    const q = clauses.length > 0 ? `?$filter=${enc(clauses.join(' and '))}` : '';
    return graphList<RoleAssignment>(`/v1.0/roleManagement/directory/roleAssignments${q}`);
  },
  assignRole: (principalId: string, roleDefinitionId: string) =>
    graphRequest<RoleAssignment>('POST', '/v1.0/roleManagement/directory/roleAssignments', { principalId, roleDefinitionId, directoryScopeId: '/' }),
  removeRoleAssignment: (id: string) => graphRequest<void>('DELETE', `/v1.0/roleManagement/directory/roleAssignments/${enc(id)}`),

  /**
   * The users and service principals behind these object ids: users in batches of `id eq …`
   * filters, then each id that is not a user as a service principal. An id neither answers for (or
   * that the signed-in user may not read) is 'unknown'.
   */
  principals: async (ids: readonly string[]): Promise<Map<string, Principal>> => {
    const out = new Map<string, Principal>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IDS_PER_FILTER) {
      const chunk = unique.slice(i, i + IDS_PER_FILTER);
      const filter = chunk.map((id) => `id eq ${odataString(id)}`).join(' or ');
      try {
        const users = await graphList<DirectoryUser>(`/v1.0/users?$select=${enc('id,displayName,userPrincipalName')}&$filter=${enc(filter)}`);
        for (const u of users) out.set(u.id.toLowerCase(), { id: u.id, kind: 'user', displayName: u.displayName, userPrincipalName: u.userPrincipalName });
      } catch {
        // not allowed to read users: they are shown by id
      }
    }
    await Promise.all(unique.filter((id) => !out.has(id.toLowerCase())).map(async (id) => {
      try {
        const sp = await graphRequest<{ id: string; displayName: string; appId: string }>('GET', `/v1.0/servicePrincipals/${enc(id)}`);
        out.set(id.toLowerCase(), { id, kind: 'servicePrincipal', displayName: sp.displayName, appId: sp.appId });
      } catch {
        out.set(id.toLowerCase(), { id, kind: 'unknown', displayName: null });
      }
    }));
    return out;
  },
};

// ---------------------------------------------------------------- passwords and user names

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '!@#$%^&*-_=+?';
const ALL = UPPER + LOWER + DIGITS + SYMBOLS;

/** A uniformly random integer in [0, n), from crypto.getRandomValues (rejection sampling, no modulo bias). */
function randomBelow(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < limit) return buf[0]! % n;
  }
}

const pick = (chars: string): string => chars[randomBelow(chars.length)]!;

/**
 * A temporary password generated in the browser: `length` characters (at least 4) with at least one
 * upper-case letter, lower-case letter, digit and symbol, in random order. Look-alike characters
 * (I, l, O, 0, 1) are left out, as it may be read out to the user.
 */
export function generatePassword(length = 16): string {
  const n = Math.max(4, length);
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < n) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** The directory's password rule (8 to 256 characters, three of four character classes), checked before sending. */
export function passwordProblem(password: string): string | null {
  if (password.length < 8 || password.length > 256) return 'The password must be between 8 and 256 characters.';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'The password must contain three of: lower-case letters, upper-case letters, digits and symbols.';
  return null;
}

/** The directory's rule for the part of a user principal name before the `@`. */
export function upnNameProblem(name: string): string | null {
  if (name === '') return 'Enter a user name.';
  if (name.length > 64) return 'The user name can have at most 64 characters.';
  if (!/^[A-Za-z0-9._'+-]+$/.test(name)) return "The user name can contain only letters, digits and . _ ' + -";
  if (name.startsWith('.') || name.endsWith('.') || name.includes('..')) return 'The user name cannot start or end with a dot, or have two dots in a row.';
  return null;
}
