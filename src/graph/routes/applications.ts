import type { FastifyInstance } from 'fastify';
import * as apps from '../../directory/applications.js';
import * as sps from '../../directory/servicePrincipals.js';
import type { GraphSurface, Version } from '../context.js';
import { applicationJson, appRoleAssignmentJson, permissionGrantJson, servicePrincipalJson } from '../serialize.js';
import { equalityFilter, queryOptions } from './queryOptions.js';
import { isoTime } from '../../lib/time.js';

type IdParams = { Params: { id: string } };
type AppIdParams = { Params: { appId: string } };

/** Both `/applications/{id}` and `/applications(appId='…')` (rewritten to `/applications/appId=…`). */
function appKey(params: { id?: string; appId?: string }): apps.AppKey {
  return params.appId !== undefined ? { appId: params.appId } : { id: params.id ?? '' };
}

export function applicationRoutes(app: FastifyInstance, g: GraphSurface, v: Version): void {
  const { ctx } = g.deps;

  app.get(`/${v}/applications`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$filter', '$top', '$select']);
    const f = equalityFilter(q.$filter, { fields: { displayName: { type: 'string', ops: ['eq'] }, appId: { type: 'guid', ops: ['eq'] } }, collections: {} });
    const list = await apps.listApplications(ctx, actor, { displayName: f.displayName, appId: f.appId });
    return g.collection(reply, v, 'applications', list.map(applicationJson));
  });

  app.post(`/${v}/applications`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'applications', applicationJson(await apps.createApplication(ctx, actor, req.body)), 201);
  });

  for (const path of [`/${v}/applications/:id`, `/${v}/applications/appId=:appId`]) {
    app.get<IdParams | AppIdParams>(path, async (req, reply) => {
      const actor = await g.actor(req);
      return g.entity(reply, v, 'applications', applicationJson(await apps.getApplication(ctx, actor, appKey(req.params as never))));
    });
    app.patch<IdParams | AppIdParams>(path, async (req, reply) => {
      const actor = await g.actor(req);
      await apps.updateApplication(ctx, actor, appKey(req.params as never), req.body);
      return reply.code(204).send();
    });
    app.delete<IdParams | AppIdParams>(path, async (req, reply) => {
      const actor = await g.actor(req);
      await apps.deleteApplication(ctx, actor, appKey(req.params as never));
      return reply.code(204).send();
    });
    app.post<IdParams | AppIdParams>(`${path}/addPassword`, async (req, reply) => {
      const actor = await g.actor(req);
      const c = await apps.addPassword(ctx, actor, appKey(req.params as never), req.body);
      return reply.send({
        '@odata.context': g.context(v, 'microsoft.graph.passwordCredential'),
        customKeyIdentifier: c.customKeyIdentifier, displayName: c.displayName, endDateTime: isoTime(c.endDateTime), hint: c.hint,
        keyId: c.keyId, secretText: c.secretText, startDateTime: isoTime(c.startDateTime),
      });
    });
    app.post<IdParams | AppIdParams>(`${path}/removePassword`, async (req, reply) => {
      const actor = await g.actor(req);
      await apps.removePassword(ctx, actor, appKey(req.params as never), req.body);
      return reply.code(204).send();
    });
  }

  app.get(`/${v}/servicePrincipals`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$filter', '$top', '$select']);
    const f = equalityFilter(q.$filter, { fields: { appId: { type: 'guid', ops: ['eq'] } }, collections: {} });
    return g.collection(reply, v, 'servicePrincipals', (await sps.listServicePrincipals(ctx, actor, { appId: f.appId })).map(servicePrincipalJson));
  });

  app.post(`/${v}/servicePrincipals`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'servicePrincipals', servicePrincipalJson(await sps.createServicePrincipal(ctx, actor, req.body)), 201);
  });

  app.get<IdParams>(`/${v}/servicePrincipals/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'servicePrincipals', servicePrincipalJson(await sps.getServicePrincipal(ctx, actor, { id: req.params.id })));
  });

  app.get<AppIdParams>(`/${v}/servicePrincipals/appId=:appId`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'servicePrincipals', servicePrincipalJson(await sps.getServicePrincipal(ctx, actor, { appId: req.params.appId })));
  });

  app.get<IdParams>(`/${v}/servicePrincipals/:id/appRoleAssignedTo`, async (req, reply) => {
    const actor = await g.actor(req);
    const list = await sps.listAppRoleAssignedTo(ctx, actor, req.params.id);
    return g.collection(reply, v, `servicePrincipals('${req.params.id}')/appRoleAssignedTo`, list.map(appRoleAssignmentJson));
  });

  app.post<IdParams>(`/${v}/servicePrincipals/:id/appRoleAssignedTo`, async (req, reply) => {
    const actor = await g.actor(req);
    const a = await sps.assignAppRole(ctx, actor, req.params.id, req.body);
    return g.entity(reply, v, `servicePrincipals('${req.params.id}')/appRoleAssignedTo`, appRoleAssignmentJson(a), 201);
  });

  app.delete<{ Params: { id: string; assignmentId: string } }>(`/${v}/servicePrincipals/:id/appRoleAssignedTo/:assignmentId`, async (req, reply) => {
    const actor = await g.actor(req);
    await sps.removeAppRoleAssignment(ctx, actor, req.params.id, req.params.assignmentId);
    return reply.code(204).send();
  });

  app.get(`/${v}/oauth2PermissionGrants`, async (req, reply) => {
    const actor = await g.actor(req);
    const q = queryOptions(req.query, ['$filter', '$top']);
    const f = equalityFilter(q.$filter, { fields: { clientId: { type: 'guid', ops: ['eq'] }, resourceId: { type: 'guid', ops: ['eq'] } }, collections: {} });
    return g.collection(reply, v, 'oauth2PermissionGrants', (await sps.listPermissionGrants(ctx, actor, { clientId: f.clientId, resourceId: f.resourceId })).map(permissionGrantJson));
  });

  app.patch<IdParams>(`/${v}/oauth2PermissionGrants/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    await sps.updatePermissionGrant(ctx, actor, req.params.id, req.body);
    return reply.code(204).send();
  });

  app.delete<IdParams>(`/${v}/oauth2PermissionGrants/:id`, async (req, reply) => {
    const actor = await g.actor(req);
    await sps.deletePermissionGrant(ctx, actor, req.params.id);
    return reply.code(204).send();
  });

  app.post(`/${v}/oauth2PermissionGrants`, async (req, reply) => {
    const actor = await g.actor(req);
    return g.entity(reply, v, 'oauth2PermissionGrants', permissionGrantJson(await sps.createPermissionGrant(ctx, actor, req.body)), 201);
  });
}
