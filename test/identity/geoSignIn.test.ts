import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { AZURE_CLI } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { signInRows } from '../helpers/signIns.js';

/** A sign-in's location comes from the operator's IP table; private addresses stay empty. */
describe('sign-in location from the IP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-geo-'));
  let s: TestServer;
  let t: CreatedTenant;
  beforeAll(async () => {
    const file = join(dir, 'geo.csv');
    writeFileSync(file, '# operator table\ncidr,city,state,countryOrRegion,latitude,longitude\n81.2.69.0/24,London,England,GB,51.5142,-0.0931\n');
    s = await startServer({ listen: false, geoFile: file });
    t = await s.tenant();
  });
  afterAll(async () => { await s?.close(); rmSync(dir, { recursive: true, force: true }); });

  const ropc = (remoteAddress: string, crid: string) => s.app.inject({
    method: 'POST', url: `/${t.tenantId}/oauth2/v2.0/token`, remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': crid },
    payload: new URLSearchParams({ grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: t.admin.password, scope: 'https://graph.microsoft.com/.default' }).toString(),
  });

  it('fills city, state, country and coordinates for a listed address, and nothing for a private one', async () => {
    const crids = ['4f7d8a8e-0000-4000-8000-000000000001', '4f7d8a8e-0000-4000-8000-000000000002'];
    expect((await ropc('81.2.69.160', crids[0]!)).statusCode).toBe(200);
    expect((await ropc('10.1.2.3', crids[1]!)).statusCode).toBe(200);
    const [london, internal] = await Promise.all(crids.map(async (c) => JSON.parse((await signInRows(s.testStore.store, { correlationIds: [c] }))[0]!.details)));
    expect(london.ipAddress).toBe('81.2.69.160');
    expect(london.location).toEqual({ city: 'London', state: 'England', countryOrRegion: 'GB', geoCoordinates: { altitude: null, latitude: 51.5142, longitude: -0.0931 } });
    expect(internal.location).toEqual({ city: '', state: '', countryOrRegion: '', geoCoordinates: { altitude: null, latitude: null, longitude: null } });
    // filters see the location as the records show it: no location reads "" (as on Graph)
    const actor = { kind: 'system' as const, name: 'test', tenantId: t.tenantId, ipAddress: null, correlationId: crids[0]! };
    const ids = async (filter: string) => (await s.services.logs.listSignIns(actor, { version: 'v1.0', filter })).items.map((x) => x.id);
    expect(await ids("location/city eq ''")).toEqual([internal.id]);
    expect(await ids("location/city eq 'LONDON'")).toEqual([london.id]);
    expect(await ids("startswith(location/countryOrRegion,'g')")).toEqual([london.id]);
  });

  it('a bad operator file stops the server at start with the line at fault', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '81.2.69.0/24,London,England,GBR,51.5,-0.09\n');
    await expect(startServer({ listen: false, geoFile: bad })).rejects.toThrow(/line 1/);
  });
});

/** clientAppUsed and deviceDetail as Entra derives them: a browser's User-Agent, or MSAL's x-client-* headers. */
describe('sign-in client and device', () => {
  let s: TestServer;
  let t: CreatedTenant;
  beforeAll(async () => { s = await startServer({ listen: false }); t = await s.tenant(); });
  afterAll(async () => { await s?.close(); });

  const ropc = (headers: Record<string, string>, crid: string) => s.app.inject({
    method: 'POST', url: `/${t.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': crid, ...headers },
    payload: new URLSearchParams({ grant_type: 'password', client_id: AZURE_CLI, username: t.admin.userPrincipalName, password: t.admin.password, scope: 'https://graph.microsoft.com/.default' }).toString(),
  });

  it('a browser is "Browser" with its name and OS; an MSAL client is a rich client named by its headers', async () => {
    const crids = ['5f7d8a8e-0000-4000-8000-000000000001', '5f7d8a8e-0000-4000-8000-000000000002'];
    expect((await ropc({ 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' }, crids[0]!)).statusCode).toBe(200);
    expect((await ropc({ 'x-client-sku': 'MSAL.Python', 'x-client-ver': '1.28.0', 'x-client-os': 'linux' }, crids[1]!)).statusCode).toBe(200);
    const [browser, rich] = await Promise.all(crids.map(async (c) => JSON.parse((await signInRows(s.testStore.store, { correlationIds: [c] }))[0]!.details)));
    expect({ app: browser.clientAppUsed, browser: browser.deviceDetail.browser, os: browser.deviceDetail.operatingSystem }).toEqual({ app: 'Browser', browser: 'Chrome 120.0.0', os: 'Windows10' });
    expect({ app: rich.clientAppUsed, browser: rich.deviceDetail.browser, os: rich.deviceDetail.operatingSystem }).toEqual({ app: 'Mobile Apps and Desktop clients', browser: 'Rich Client 1.28.0', os: 'Linux' });
  });
});
