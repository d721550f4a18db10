import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SKUS, SKU_SEATS } from '../../directory/catalog.js';
import { resolveTenant } from '../../directory/tenants.js';
import * as users from '../../directory/users.js';
import { authorize } from '../../directory/authz.js';
import { isoTime } from '../../lib/time.js';
import type { GraphSurface, Version } from '../context.js';
import { GraphError } from '../errors.js';
import { servicePrincipalJson, userJson } from '../serialize.js';
import { equalityFilter, queryOptions } from './queryOptions.js';

const ORG_READ = {
  scopes: ['User.Read', 'Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  appRoles: ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};
const DOMAIN_READ = {
  scopes: ['Domain.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.Read'],
  appRoles: ['Domain.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};
const SKU_READ = {
  scopes: ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.ReadWrite.All'],
  appRoles: ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.ReadWrite.All'],
};

type IdParams = { Params: { id: string } };

/** Properties of a user Tenantry can return: the default set plus those only `$select` brings. */
const USER_PROPERTIES = [
  'id', 'accountEnabled', 'businessPhones', 'createdDateTime', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'userType',
];

function userFullJson(u: users.User): Record<string, unknown> {
  return { ...userJson(u), accountEnabled: u.accountEnabled, createdDateTime: isoTime(u.createdDateTime), userType: 'Member' };
}

/** `$select`: the named properties (case-insensitive) and `id`; an unknown name is a 400. */
function parseSelect(select: unknown, properties: readonly string[], type: string): string[] | undefined {
  if (select === undefined) return undefined;
  if (typeof select !== 'string') throw new GraphError(400, 'BadRequest', "Query option 'Select' was specified more than once, but it must be specified at most once.");
  const parts = select.split(',');
  if (select.length > 2048 || parts.length > properties.length * 2) throw new GraphError(400, 'BadRequest', 'Invalid $select: too long.');
  const out = new Set<string>(['id']);
  for (const raw of parts) {
    const name = raw.trim();
    if (name === '*') {
      properties.forEach((p) => out.add(p));
      continue;
    }
    const found = properties.find((p) => p.toLowerCase() === name.toLowerCase());
    if (!found) throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${name.slice(0, 64)}' on type 'microsoft.graph.${type}'.`);
    out.add(found);
  }
  return [...out];
}

const parseUserSelect = (select: unknown): string[] | undefined => parseSelect(select, USER_PROPERTIES, 'user');

function project(item: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const k of select) out[k] = item[k];
  return out;
}

function userOut(u: users.User, select: string[] | undefined): Record<string, unknown> {
  return select ? project(userFullJson(u), select) : userJson(u);
}

/** Absolute nextLink on the public URL: the original options re-encoded, plus the new $skiptoken. */
function nextLink(publicUrl: string, req: FastifyRequest, q: Record<string, string>, token: string): string {
  const path = req.url.split('?')[0]!;
  const parts = Object.entries(q)
    .filter(([k]) => k !== '$skiptoken')
    .map(([k, val]) => `${k}=${encodeURIComponent(val)}`);
  parts.push(`$skiptoken=${encodeURIComponent(token)}`);
  return `${publicUrl}${path}?${parts.join('&')}`;
}

function eventualConsistency(req: FastifyRequest): boolean {
  const h = req.headers.consistencylevel;
  return (Array.isArray(h) ? h : h ? [h] : []).some((v) => v.trim().toLowerCase() === 'eventual');
}

function roleAssignmentJson(a: users.RoleAssignment): Record<string, unknown> {
  return { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId, appScopeId: null };
}

const ROLE_ASSIGNMENT_PROPERTIES = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId'];
const ROLE_DEFINITION_PROPERTIES = ['id', 'description', 'displayName', 'isBuiltIn', 'isEnabled', 'resourceScopes', 'templateId', 'version', 'rolePermissions'];

function roleDefinitionJson(d: users.RoleDefinition): Record<string, unknown> {
  return {
    id: d.id, description: d.description, displayName: d.displayName, isBuiltIn: true, isEnabled: true, resourceScopes: ['/'],
    templateId: d.templateId, version: '1', rolePermissions: [],
  };
}

function directoryRoleJson(r: users.DirectoryRole): Record<string, unknown> {
  return { id: r.id, deletedDateTime: null, description: r.description, displayName: r.displayName, roleTemplateId: r.roleTemplateId };
}

function directoryObjectJson(o: users.DirectoryObject): Record<string, unknown> {
  return o.kind === 'user'
    ? { '@odata.type': '#microsoft.graph.user', ...userJson(o.user) }
    : { '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalJson(o.servicePrincipal) };
}

const ROLE_ASSIGNMENT_FILTER = {
  fields: { principalId: { type: 'guid', ops: ['eq'] }, roleDefinitionId: { type: 'guid', ops: ['eq'] }, directoryScopeId: { type: 'string', ops: ['eq'] } },
  collections: {},
} as const;
const ROLE_DEFINITION_FILTER = {
  fields: { id: { type: 'guid', ops: ['eq'] }, templateId: { type: 'guid', ops: ['eq'] }, displayName: { type: 'string', ops: ['eq'] } },
  collections: {},
} as const;

export function directoryRoutes(app: FastifyInstance, g: GraphSurface, v: Version): void {
  const { ctx } = g.deps;

  const tenantOf = async (tenantId: string) => {
    const t = await resolveTenant(ctx, tenantId);
    if (!t) throw new Error('tenant of a valid token vanished');
    return t;
  };

  app.get(`/${v}/organization`, async (req, reply) => {
    const actor = await g.actor(req);
    authorize(actor, ORG_READ);
    const t = await tenantOf(actor.tenantId);
    const plans = t.license === 'none' ? [] : SKUS[t.license].servicePlans.map((p) => ({
      assignedDateTime: isoTime(t.createdAt), capabilityStatus: 'Enabled', service: 'AADPremiumService', servicePlanId: p.servicePlanId,
    }));
    return g.collection(reply, v, 'organization', [{
      id: t.id, deletedDateTime: null, businessPhones: [], city: null, country: null, countryLetterCode: null, createdDateTime: isoTime(t.createdAt),
      displayName: t.displayName, tenantType: t.type === 'b2c' ? 'AAD B2C' : 'AAD', assignedPlans: plans, provisionedPlans: [],
      verifiedDomains: t.domains.map((d) => ({ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: d.isDefault, isInitial: d.isInitial, name: d.name, type: 'Managed' })),
    }]);
  });

  app.get(`/${v}/domains`, async (req, reply) => {
    const actor = await g.actor(req);
    authorize(actor, DOMAIN_READ);
    const t = await tenantOf(actor.tenantId);
    return g.collection(reply, v, 'domains', t.domains.map((d) => ({
      authenticationType: 'Managed', availabilityStatus: null, id: d.name, isAdminManaged: true, isDefault: d.isDefault, isInitial: d.isInitial,
      isRoot: true, isVerified: d.isVerified, passwordNotificationWindowInDays: null, passwordValidityPeriodInDays: null, supportedServices: [], state: null,
    })));
  });

  app.get(`/${v}/subscribedSkus`, async (req, reply) => {
    const actor = await g.actor(req);
    authorize(actor, SKU_READ);
    const t = await tenantOf(actor.tenantId);
    const skus = t.license === 'none' ? [] : [SKUS[t.license]];
    return g.collection(reply, v, 'subscribedSkus', skus.map((s) => ({
      accountId: t.id, accountName: t.displayName, appliesTo: 'User', capabilityStatus: 'Enabled', consumedUnits: 0,
      id: `${t.id}_${s.skuId}`, prepaidUnits: { enabled: SKU_SEATS, lockedOut: 0, suspended: 0, warning: 0 }, servicePlans: s.servicePlans,
      skuId: s.skuId, skuPartNumber: s.skuPartNumber, subscriptionIds: [],
    })));
  });

  app.get(`/${v}/me`, async (req, reply) => {
    const actor = await g.actor(req);
    const select = parseUserSelect((req.query as Record<string, unknown>).$select);
    return g.entity(reply, v, 'users', userOut(await users.me(ctx, actor), select));
  });

  app.get(`/${v}/users`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$top', '$select', '$filter', '$search', '$count', '$skiptoken']);
    const select = parseUserSelect(q.$select);
    const page = await users.listUsersPage(ctx, actor, {
      filter: q.$filter, search: q.$search, top: q.$top, skiptoken: q.$skiptoken, count: q.$count, eventual: eventualConsistency(req),
    });
    const body: Record<string, unknown> = { '@odata.context': g.context(v, 'users') };
    if (page.count !== undefined) body['@odata.count'] = page.count;
    if (page.next) body['@odata.nextLink'] = nextLink(g.deps.publicUrl, req, q, page.next);
    body.value = page.users.map((u) => userOut(u, select));
    return reply.send(body);
  });

  app.get<IdParams>(`/${v}/users/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    const select = parseUserSelect((req.query as Record<string, unknown>).$select);
    return g.entity(reply, v, 'users', userOut(await users.getUser(ctx, actor, req.params.id), select));
  });

  app.patch<IdParams>(`/${v}/users/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    await users.updateUser(ctx, actor, req.params.id, req.body);
    return reply.code(204).send();
  });

  app.delete<IdParams>(`/${v}/users/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    await users.deleteUser(ctx, actor, req.params.id);
    return reply.code(204).send();
  });

  app.get<IdParams>(`/${v}/users/:id/memberOf`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.collection(reply, v, 'directoryObjects', (await users.listMemberOf(ctx, actor, req.params.id)).map((r) => ({ '@odata.type': '#microsoft.graph.directoryRole', ...directoryRoleJson(r) })));
  });

  app.get(`/${v}/me/memberOf`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.collection(reply, v, 'directoryObjects', (await users.listMemberOf(ctx, actor, { me: true })).map((r) => ({ '@odata.type': '#microsoft.graph.directoryRole', ...directoryRoleJson(r) })));
  });

  app.post(`/${v}/users`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'users', userJson(await users.createUser(ctx, actor, req.body)), 201);
  });

  app.get(`/${v}/directoryRoles`, async (req, reply) => {
    const actor = await g.actor(req);
    const roles = await users.listDirectoryRoles(ctx, actor);
    return g.collection(reply, v, 'directoryRoles', roles.map(directoryRoleJson));
  });

  app.get<IdParams>(`/${v}/directoryRoles/:id/members`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.collection(reply, v, 'directoryObjects', (await users.listDirectoryRoleMembers(ctx, actor, { id: req.params.id })).map(directoryObjectJson));
  });

  app.get<{ Params: { templateId: string } }>(`/${v}/directoryRoles/roleTemplateId=:templateId/members`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.collection(reply, v, 'directoryObjects', (await users.listDirectoryRoleMembers(ctx, actor, { roleTemplateId: req.params.templateId })).map(directoryObjectJson));
  });

  app.get(`/${v}/roleManagement/directory/roleDefinitions`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$filter', '$select']);
    const f = equalityFilter(q.$filter, ROLE_DEFINITION_FILTER);
    const select = parseSelect(q.$select, ROLE_DEFINITION_PROPERTIES, 'unifiedRoleDefinition');
    return g.collection(reply, v, 'roleManagement/directory/roleDefinitions', users.listRoleDefinitions(actor, f).map((d) => project(roleDefinitionJson(d), select)));
  });

  app.get<IdParams>(`/${v}/roleManagement/directory/roleDefinitions/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'roleManagement/directory/roleDefinitions', roleDefinitionJson(users.getRoleDefinition(actor, req.params.id)));
  });

  app.get(`/${v}/roleManagement/directory/roleAssignments`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$filter', '$select']);
    const f = equalityFilter(q.$filter, ROLE_ASSIGNMENT_FILTER);
    const select = parseSelect(q.$select, ROLE_ASSIGNMENT_PROPERTIES, 'unifiedRoleAssignment');
    const list = await users.listRoleAssignments(ctx, actor, { principalId: f.principalId, roleDefinitionId: f.roleDefinitionId, directoryScopeId: f.directoryScopeId });
    return g.collection(reply, v, 'roleManagement/directory/roleAssignments', list.map((a) => project(roleAssignmentJson(a), select)));
  });

  app.post(`/${v}/roleManagement/directory/roleAssignments`, async (req, reply) => {
    const actor = await g.actor(req);
    const a = await users.assignRole(ctx, actor, req.body);
    return g.entity(reply, v, 'roleManagement/directory/roleAssignments', roleAssignmentJson(a), 201);
  });

  app.get<IdParams>(`/${v}/roleManagement/directory/roleAssignments/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'roleManagement/directory/roleAssignments', roleAssignmentJson(await users.getRoleAssignment(ctx, actor, req.params.id)));
  });

  app.delete<IdParams>(`/${v}/roleManagement/directory/roleAssignments/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    await users.removeRoleAssignment(ctx, actor, req.params.id);
    return reply.code(204).send();
  });
}
