// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Application, PasswordCredential } from '../../web/src/graph';
import { TENANT_ID, UPN, captureNavigation, graphError, json, resetBrowser, signInWith, type Call } from './helpers';
import { dialogClosed, findDialog, renderPortal } from './ui';

/**
 * The portal's pages against a fake Graph: what they show, the requests they send, and how they
 * look to assistive technology (found by role and accessible name, as a person would).
 */

const DOMAIN = 'demo.tenantry.test';

interface FakeOptions {
  deny?: RegExp;
  license?: 'none' | 'P1' | 'P2';
  type?: 'AAD' | 'AAD B2C';
}

function fakeGraph(opts: FakeOptions = {}) {
  const apps: Application[] = [];
  const sps: { id: string; appId: string; displayName: string }[] = [];
  let seq = 0;
  const guid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  const requests: Call[] = [];
  const sku = opts.license === 'P2'
    ? { skuPartNumber: 'AAD_PREMIUM_P2', skuId: '84a661c4-e949-4bd2-a560-ed7766fcaf2b' }
    : { skuPartNumber: 'AAD_PREMIUM', skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4' };
  const handler = (call: Call): Response | undefined => {
    const p = decodeURIComponent(call.url.pathname);
    if (!p.startsWith('/v1.0/')) return undefined;
    requests.push(call);
    if (opts.deny?.test(`${call.method} ${p}`)) return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const body = call.body ? (JSON.parse(call.body) as Record<string, unknown>) : {};
    if (call.method === 'GET' && p === '/v1.0/organization') {
      return json({ value: [{
        id: TENANT_ID, displayName: 'Demo Tenant', tenantType: opts.type ?? 'AAD', createdDateTime: '2025-01-01T00:00:00Z', assignedPlans: [],
        verifiedDomains: [{ name: DOMAIN, isDefault: true, isInitial: true, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' }],
      }] });
    }
    if (call.method === 'GET' && p === '/v1.0/domains') {
      return json({ value: [
        { id: DOMAIN, authenticationType: 'Managed', isDefault: true, isInitial: true, isVerified: true, isRoot: true },
        { id: 'contoso.example', authenticationType: 'Managed', isDefault: false, isInitial: false, isVerified: true, isRoot: true },
      ] });
    }
    if (call.method === 'GET' && p === '/v1.0/subscribedSkus') {
      return json({ value: opts.license === 'none' ? [] : [{
        id: `${TENANT_ID}_${sku.skuId}`, ...sku, capabilityStatus: 'Enabled', consumedUnits: 0, appliesTo: 'User',
        prepaidUnits: { enabled: 25, lockedOut: 0, suspended: 0, warning: 0 }, servicePlans: [{ servicePlanId: 'p', servicePlanName: sku.skuPartNumber }],
      }] });
    }
    if (call.method === 'GET' && p === '/v1.0/applications') return json({ value: apps });
    if (call.method === 'POST' && p === '/v1.0/applications') {
      const a: Application = {
        id: guid(), appId: guid(), displayName: String(body.displayName), signInAudience: String(body.signInAudience), createdDateTime: new Date().toISOString(),
        passwordCredentials: [], requiredResourceAccess: [],
        web: { redirectUris: [] }, spa: { redirectUris: [] }, publicClient: { redirectUris: [] },
      };
      for (const k of ['web', 'spa', 'publicClient'] as const) if (body[k]) a[k] = body[k] as { redirectUris: string[] };
      apps.push(a);
      return json(a, 201);
    }
    const appMatch = /^\/v1\.0\/applications\/([^/]+)(\/addPassword|\/removePassword)?$/.exec(p);
    if (appMatch) {
      const a = apps.find((x) => x.id === appMatch[1]);
      if (!a) return graphError(404, 'Request_ResourceNotFound', `Resource '${appMatch[1]}' does not exist or one of its queried reference-property objects are not present.`);
      if (call.method === 'GET' && !appMatch[2]) return json(a);
      if (call.method === 'POST' && appMatch[2] === '/addPassword') {
        const pc = body.passwordCredential as { displayName: string | null; endDateTime: string };
        const c: PasswordCredential = {
          customKeyIdentifier: null, displayName: pc.displayName, endDateTime: pc.endDateTime, hint: 'Abc', keyId: guid(),
          secretText: 'Abc8Q~the-secret-value-0123456789abcdefgh', startDateTime: new Date().toISOString(),
        };
        a.passwordCredentials.push({ ...c, secretText: null });
        return json(c);
      }
      if (call.method === 'POST' && appMatch[2] === '/removePassword') {
        a.passwordCredentials = a.passwordCredentials.filter((c) => c.keyId !== body.keyId);
        return new Response(null, { status: 204 });
      }
    }
    if (call.method === 'POST' && p === '/v1.0/servicePrincipals') {
      const a = apps.find((x) => x.appId === body.appId)!;
      const sp = { id: guid(), appId: a.appId, displayName: a.displayName };
      sps.push(sp);
      return json(sp, 201);
    }
    return undefined;
  };
  return { handler, apps, sps, requests };
}




const sent = (requests: Call[], method: string, path: string) => requests.filter((c) => c.method === method && decodeURIComponent(c.url.pathname) === path);

// happy-dom rejects an animation's `finished` promise on cancel where browsers mark it handled:
// without `animate`, Fluent's motion skips animations (as it does where the API is missing)
Object.defineProperty(Element.prototype, 'animate', { value: undefined, configurable: true, writable: true });

let errors: unknown[][];
beforeEach(() => {
  resetBrowser('/');
  captureNavigation();
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { errors.push(args); });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  resetBrowser('/');
});

describe('signed out', () => {
  it('shows the landing page with a Sign in button', async () => {
    sessionStorage.setItem('tenantry.portal.silentTried', '1');
    const { start } = await import('../../web/src/auth');
    await start();
    renderPortal();
    expect(screen.getByRole('heading', { name: 'Tenantry' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });
});

describe('signed in', () => {
  it('the overview shows the tenant with copy buttons, and the header the user and a sign-out button', async () => {
    const g = fakeGraph({ license: 'P2' });
    await signInWith(g.handler);
    const user = userEvent.setup();
    renderPortal();
    expect(await screen.findByText(TENANT_ID, { selector: 'dd span' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Overview' })).toBeTruthy();
    expect(screen.getByText(UPN)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Microsoft Entra ID P2')).toBeTruthy());
    expect(screen.getAllByText('Demo Tenant').length).toBeGreaterThan(0);
    expect(screen.getByText(DOMAIN)).toBeTruthy();
    expect(screen.getByText('Microsoft Entra ID')).toBeTruthy();
    for (const label of ['Name', 'Tenant ID', 'Primary domain', 'Licence', 'Tenant type']) {
      expect(screen.getByRole('button', { name: `Copy ${label}` })).toBeTruthy();
    }
    await user.click(screen.getByRole('button', { name: 'Copy Tenant ID' }));
    expect(await navigator.clipboard.readText()).toBe(TENANT_ID);
    expect(errors).toEqual([]);
  });

  it('a B2C tenant without licences says so', async () => {
    const g = fakeGraph({ license: 'none', type: 'AAD B2C' });
    await signInWith(g.handler);
    renderPortal();
    expect(await screen.findByText('Azure AD B2C')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Microsoft Entra ID Free')).toBeTruthy());
  });

  it('custom domain names and licences are listed', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/domains' });
    renderPortal();
    expect(await screen.findByRole('heading', { name: 'Custom domain names' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Copy domain name contoso.example' })).toBeTruthy();
    const table = screen.getByRole('table', { name: 'Domain names' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    act(() => { window.location.hash = '#/licenses'; });
    expect(await screen.findByRole('heading', { name: 'Licences' })).toBeTruthy();
    expect(await screen.findByText('Microsoft Entra ID P1')).toBeTruthy();
    expect(screen.getAllByText('25')).toHaveLength(2);
  });

  it('New registration creates the application and its service principal, then shows its overview', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/apps' });
    const user = userEvent.setup();
    renderPortal();
    expect(await screen.findByText('0 applications found')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'New registration' }));
    expect(await screen.findByRole('heading', { name: 'Register an application' })).toBeTruthy();

    // nothing is sent without a name
    await user.click(screen.getByRole('button', { name: 'Register' }));
    expect(screen.getByText('Enter a name for the application.')).toBeTruthy();
    expect(sent(g.requests, 'POST', '/v1.0/applications')).toHaveLength(0);

    await user.type(screen.getByLabelText('Name'), 'Reporting API application');
    expect(screen.getByRole('radio', { name: 'Accounts in this organizational directory only (Demo Tenant only - Single tenant)' })).toHaveProperty('checked', true);
    await user.click(screen.getByRole('radio', { name: /Multitenant/ }));
    await user.selectOptions(screen.getByLabelText('Platform'), 'Single-page application');
    await user.type(screen.getByLabelText('Redirect URI'), 'http://example.com/cb');
    await user.click(screen.getByRole('button', { name: 'Register' }));
    expect(screen.getByText(/must use https/)).toBeTruthy();
    await user.clear(screen.getByLabelText('Redirect URI'));
    await user.type(screen.getByLabelText('Redirect URI'), 'https://localhost/cb');
    await user.click(screen.getByRole('button', { name: 'Register' }));

    expect(await screen.findByText('Successfully registered Reporting API application.')).toBeTruthy();
    const [create] = sent(g.requests, 'POST', '/v1.0/applications');
    expect(JSON.parse(create!.body!)).toEqual({ displayName: 'Reporting API application', signInAudience: 'AzureADMultipleOrgs', spa: { redirectUris: ['https://localhost/cb'] } });
    const app = g.apps[0]!;
    expect(sent(g.requests, 'POST', '/v1.0/servicePrincipals').map((c) => JSON.parse(c.body!))).toEqual([{ appId: app.appId }]);
    expect(window.location.hash).toBe(`#/apps/${app.id}`);
    expect(await screen.findByRole('heading', { name: 'Reporting API application' })).toBeTruthy();
    for (const [label, value] of [['Application (client) ID', app.appId], ['Object ID', app.id], ['Directory (tenant) ID', TENANT_ID], ['Display name', app.displayName]] as const) {
      expect(screen.getByRole('button', { name: `Copy ${label}` })).toBeTruthy();
      expect(screen.getAllByText(value).length).toBeGreaterThan(0);
    }
    expect(screen.getByText('Multiple organizations')).toBeTruthy();
    expect(errors).toEqual([]);
  });

  it('Certificates & secrets: a new secret is shown once with a copy button, listed, and can be deleted', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/apps' });
    const user = userEvent.setup();
    renderPortal();
    await screen.findByText('0 applications found');
    // register through the page, as a person would
    await user.click(screen.getByRole('button', { name: 'New registration' }));
    await user.type(await screen.findByLabelText('Name'), 'Daemon');
    await user.click(screen.getByRole('button', { name: 'Register' }));
    await screen.findByRole('heading', { name: 'Daemon' });
    const app = g.apps[0]!;

    await user.click(screen.getByRole('tab', { name: 'Certificates & secrets' }));
    expect(window.location.hash).toBe(`#/apps/${app.id}/credentials`);
    expect(await screen.findByText('No client secrets have been created for this application.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'New client secret' }));
    const dialog = await findDialog('Add a client secret');
    await user.type(within(dialog).getByLabelText('Description'), 'ci secret');
    await user.selectOptions(within(dialog).getByLabelText('Expires'), '365 days (12 months)');
    const before = Date.now();
    await user.click(within(dialog).getByRole('button', { name: 'Add' }));

    expect(await screen.findByText("Copy the new client secret value. You won't be able to retrieve it after you leave this page.")).toBeTruthy();
    const [add] = sent(g.requests, 'POST', `/v1.0/applications/${app.id}/addPassword`);
    const pc = (JSON.parse(add!.body!) as { passwordCredential: { displayName: string; endDateTime: string } }).passwordCredential;
    expect(Object.keys(pc).sort()).toEqual(['displayName', 'endDateTime']);
    expect(pc.displayName).toBe('ci secret');
    const days = (Date.parse(pc.endDateTime) - before) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThan(365.1);

    await dialogClosed('Add a client secret');
    expect(screen.getByRole('textbox', { name: 'New client secret value' })).toHaveProperty('value', 'Abc8Q~the-secret-value-0123456789abcdefgh');
    await user.click(screen.getByRole('button', { name: 'Copy client secret value' }));
    expect(await navigator.clipboard.readText()).toBe('Abc8Q~the-secret-value-0123456789abcdefgh');
    const table = await screen.findByRole('table', { name: 'Client secrets' });
    const keyId = app.passwordCredentials[0]!.keyId;
    expect(within(table).getByText('ci secret')).toBeTruthy();
    expect(within(table).getByText(keyId)).toBeTruthy();

    await user.click(within(table).getByRole('button', { name: 'Delete client secret ci secret' }));
    const confirm = await findDialog('Delete client secret');
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await dialogClosed('Delete client secret');
    await waitFor(() => expect(screen.getByText('No client secrets have been created for this application.')).toBeTruthy());
    expect(sent(g.requests, 'POST', `/v1.0/applications/${app.id}/removePassword`).map((c) => JSON.parse(c.body!))).toEqual([{ keyId }]);
    expect(errors).toEqual([]);
  });

  it('expired secrets are flagged', async () => {
    const g = fakeGraph();
    g.apps.push({
      id: 'a1', appId: 'b1', displayName: 'Old app', signInAudience: 'AzureADMyOrg', createdDateTime: '2023-01-01T00:00:00Z', requiredResourceAccess: [],
      passwordCredentials: [{ customKeyIdentifier: null, displayName: 'old', endDateTime: '2024-01-01T00:00:00Z', hint: 'xyz', keyId: 'k-old', secretText: null, startDateTime: '2023-01-01T00:00:00Z' }],
    });
    await signInWith(g.handler, { route: '#/apps/a1/credentials' });
    renderPortal();
    const table = await screen.findByRole('table', { name: 'Client secrets' });
    expect(within(table).getByText('Expired')).toBeTruthy();
    expect(within(table).getByText('xyz****************')).toBeTruthy();
  });

  it("a 403 says the user lacks permission and shows Graph's code and message", async () => {
    const g = fakeGraph({ deny: /^GET \/v1\.0\/applications$/ });
    await signInWith(g.handler, { route: '#/apps' });
    renderPortal();
    expect(await screen.findByText("You don't have permission to do this.")).toBeTruthy();
    expect(screen.getByText('Authorization_RequestDenied')).toBeTruthy();
    expect(screen.getByText(/Insufficient privileges to complete the operation\./)).toBeTruthy();
  });

  // the narrow layout (the navigation behind a menu button at 390 px) is tested in Chromium
  // (test/browser/portal.test.ts): happy-dom's viewport does not drive Fluent's overlay drawer reliably

  it('an unknown route says so', async () => {
    const g = fakeGraph();
    await signInWith(g.handler, { route: '#/nowhere' });
    renderPortal();
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });
});
