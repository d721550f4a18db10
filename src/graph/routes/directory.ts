import type { FastifyInstance } from 'fastify';
import { SKUS, SKU_SEATS } from '../../directory/catalog.js';
import { resolveTenant } from '../../directory/tenants.js';
import * as users from '../../directory/users.js';
import { authorize } from '../../directory/authz.js';
import { isoTime } from '../../lib/time.js';
import type { GraphSurface, Version } from '../context.js';
import { userJson } from '../serialize.js';
import { queryOptions } from './queryOptions.js';

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
    return g.entity(reply, v, 'users', userJson(await users.me(ctx, actor)));
  });

  app.get(`/${v}/users`, async (req, reply) => {
    const actor = await g.actor(req);
    queryOptions(req.query, ['$top', '$select']);
    return g.collection(reply, v, 'users', (await users.listUsers(ctx, actor)).map(userJson));
  });

  app.get<{ Params: { id: string } }>(`/${v}/users/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'users', userJson(await users.getUser(ctx, actor, req.params.id)));
  });

  app.post(`/${v}/users`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'users', userJson(await users.createUser(ctx, actor, req.body)), 201);
  });

  app.get(`/${v}/directoryRoles`, async (req, reply) => {
    const actor = await g.actor(req);
    const roles = await users.listDirectoryRoles(ctx, actor);
    return g.collection(reply, v, 'directoryRoles', roles.map((r) => ({ id: r.id, deletedDateTime: null, description: r.description, displayName: r.displayName, roleTemplateId: r.roleTemplateId })));
  });

  app.post(`/${v}/roleManagement/directory/roleAssignments`, async (req, reply) => {
    const actor = await g.actor(req);
    const a = await users.assignRole(ctx, actor, req.body);
    return g.entity(reply, v, 'roleManagement/directory/roleAssignments', { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId, appScopeId: null }, 201);
  });
}
