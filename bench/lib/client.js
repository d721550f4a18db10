// Helpers the benchmarks share: a small HTTP(S) client pinned to 127.0.0.1 that trusts Tenantry's local
// CA, a free port, and the seed's app registration through Graph.
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { URLSearchParams } from 'node:url';

export const HOST = '127.0.0.1';

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}


/** One request to 127.0.0.1 (absolute URLs from the server, e.g. nextLink, are re-targeted there). */
export function call(base, method, pathOrUrl, { headers = {}, json, form, ca, timeoutMs = 30000, raw = false } = {}) {
  const u = new URL(pathOrUrl, base);
  const b = new URL(base);
  u.protocol = b.protocol;
  u.host = b.host; // always 127.0.0.1:port
  let body;
  const h = { accept: 'application/json', ...headers };
  if (json !== undefined) {
    body = JSON.stringify(json);
    h['content-type'] = 'application/json';
  } else if (form !== undefined) {
    body = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
  }
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((res, rej) => {
    const req = mod.request(u, { method, headers: h, ...(u.protocol === 'https:' ? { ca, agent: false } : { agent: false }), timeout: timeoutMs }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        if (raw) parsed = { raw: text }; // the caller times the round trip only, not its own parsing
        else try { parsed = text ? JSON.parse(text) : {}; } catch { parsed = { raw: text }; }
        res({ status: r.statusCode, headers: r.headers, body: parsed, tls: r.socket.authorized });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${u.pathname}: timed out after ${timeoutMs} ms`)));
    req.on('error', rej);
    if (body !== undefined) req.write(body);
    req.end();
  });
}


export async function graph(base, ca, method, path, token, json) {
  return call(base, method, path, { ca, json, headers: { authorization: `Bearer ${token}` } });
}

/** test/helpers/api.ts registerApp, over real HTTP: app, service principal, secret, admin consent. */
export async function registerApp(base, ca, adminToken, roles, displayName = 'Token benchmark application') {
  const { GRAPH_PERMISSIONS, MICROSOFT_GRAPH_APP_ID } = await import('../../dist/directory/catalog.js');
  const roleId = (v) => {
    const p = GRAPH_PERMISSIONS.find((x) => x.value === v);
    if (!p?.roleId) throw new Error(`no Graph app role ${v}`);
    return p.roleId;
  };
  const app = await graph(base, ca, 'POST', '/v1.0/applications', adminToken, {
    displayName, signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
    requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: roles.map((r) => ({ id: roleId(r), type: 'Role' })) }],
  });
  if (app.status !== 201) throw new Error(`create app: ${app.status} ${JSON.stringify(app.body)}`);
  const sp = await graph(base, ca, 'POST', '/v1.0/servicePrincipals', adminToken, { appId: app.body.appId });
  if (sp.status !== 201) throw new Error(`create sp: ${sp.status} ${JSON.stringify(sp.body)}`);
  const pw = await graph(base, ca, 'POST', `/v1.0/applications/${app.body.id}/addPassword`, adminToken, { passwordCredential: { displayName: 'bench' } });
  if (pw.status !== 200) throw new Error(`addPassword: ${pw.status} ${JSON.stringify(pw.body)}`);
  const graphSp = await graph(base, ca, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${MICROSOFT_GRAPH_APP_ID}'`)}`, adminToken);
  const resourceId = graphSp.body.value?.[0]?.id;
  if (!resourceId) throw new Error(`Microsoft Graph service principal not found: ${JSON.stringify(graphSp.body)}`);
  for (const r of roles) {
    const a = await graph(base, ca, 'POST', `/v1.0/servicePrincipals/${resourceId}/appRoleAssignedTo`, adminToken, { principalId: sp.body.id, resourceId, appRoleId: roleId(r) });
    if (a.status !== 201) throw new Error(`consent ${r}: ${a.status} ${JSON.stringify(a.body)}`);
  }
  return { id: app.body.id, appId: app.body.appId, spId: sp.body.id, secret: pw.body.secretText };
}
