/**
 * The portal in a real browser (Debian's Chromium through playwright-core), walking the seed the way
 * a person would: sign in as the tenant's administrator → register "Reporting API application" →
 * add Microsoft Graph AuditLog.Read.All (Application) → grant admin consent → create a secret and
 * read its value → then, outside the browser, msal-node gets a token with the copied values and
 * reads the audit log → back in the portal the app's sign-in and the registration steps are in the
 * logs. Screenshots of each page go to docs/screenshots/.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedTenant } from '../../src/directory/tenants.js';
import { graph, userToken } from '../helpers/api.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { hasChromium, launchChromium, newContext, shoot, watchErrors } from './harness.js';

let s: TestServer;
let tenant: CreatedTenant;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  s = await startServer({ listen: true });
  tenant = await s.tenant({ displayName: 'Contoso', domain: 'contoso.example.test' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** From the portal's landing page through the server's sign-in page, back into the portal. */
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Portal navigation' }).getByRole('link', { name });

/**
 * Waits for what a step must show; if it never comes, the error carries what the page did show
 * (CI keeps no screenshots), after one press of the page's Refresh button.
 */
async function expectShown(page: Page, what: Locator, timeout = 20_000): Promise<void> {
  try {
    await what.waitFor({ timeout });
    return;
  } catch {
    console.warn(`[browser] not shown after ${timeout} ms, pressing Refresh once: ${String(what)}`);
    const refresh = page.getByRole('button', { name: 'Refresh' });
    if (await refresh.count()) await refresh.first().click();
  }
  try {
    await what.waitFor({ timeout });
  } catch (err) {
    const shown = await page.locator('main').innerText().catch(() => '(no main element)');
    throw new Error(`${(err as Error).message}\n--- the page showed:\n${shown.slice(0, 3000)}`);
  }
}

async function signIn(page: Page, upn: string, password: string, shots = false): Promise<void> {
  await page.goto(`${s.baseUrl}/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Email, phone, or Skype').fill(upn);
  await page.getByLabel('Password').fill(password);
  if (shots) await shoot(page, '01-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// a walk through many pages takes tens of seconds on a loaded two-core machine
describe.skipIf(!hasChromium)('the portal in Chromium', { timeout: 180_000 }, () => {
  it('walks the seed: register, permission, admin consent, secret; msal-node uses them; the logs show it all', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);

    await signIn(page, tenant.admin.userPrincipalName, tenant.admin.password, true);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText(tenant.tenantId).first().waitFor();
    await shoot(page, '02-overview');

    await nav(page, 'Custom domain names').click();
    await page.getByText(tenant.domain).first().waitFor();
    await shoot(page, '03-custom-domain-names');
    await nav(page, 'Licences').click();
    await page.getByRole('heading', { name: 'Licences' }).waitFor();
    await shoot(page, '04-licences');

    // App registrations → New registration
    await nav(page, 'App registrations').click();
    await page.getByRole('button', { name: 'New registration' }).click();
    await page.getByLabel('Name').fill('Reporting API application');
    await page.getByLabel(/Accounts in this organizational directory only/).check();
    await page.getByLabel('Redirect URI').fill('https://localhost');
    await shoot(page, '05-new-registration');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Application (client) ID').waitFor();
    const clientId = (await page.getByText(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/).first().textContent())!.trim();
    await shoot(page, '06-app-overview');

    // API permissions → Add a permission → Microsoft Graph → Application permissions → AuditLog.Read.All
    await page.getByRole('tab', { name: 'API permissions' }).click();
    await page.getByRole('button', { name: 'Add a permission' }).click();
    await page.getByRole('button', { name: /Microsoft Graph/ }).first().click();
    await page.getByRole('button', { name: /Application permissions/ }).click();
    await page.getByLabel('Search permissions').fill('AuditLog');
    await page.getByRole('checkbox', { name: /AuditLog\.Read\.All/ }).check();
    await shoot(page, '06a-request-api-permissions');
    await page.getByRole('button', { name: 'Add permissions' }).click();
    await page.getByRole('row', { name: /AuditLog\.Read\.All/ }).getByText(/Not granted for Contoso/).waitFor();
    // Grant admin consent for Contoso → Yes
    await page.getByRole('button', { name: 'Grant admin consent for Contoso' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await page.getByRole('row', { name: /AuditLog\.Read\.All/ }).getByText(/^Granted for Contoso/).waitFor();
    await shoot(page, '06b-api-permissions');

    // Certificates & secrets → New client secret → the value, once
    await page.getByRole('tab', { name: 'Certificates & secrets' }).click();
    await page.getByRole('button', { name: 'New client secret' }).click();
    await page.getByLabel('Description').fill('Reporting API');
    await page.getByRole('button', { name: 'Add' }).click();
    const secretBox = page.getByRole('textbox', { name: 'New client secret value' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(40);
    await page.getByText(/won't be able to retrieve it/).waitFor();
    await shoot(page, '07-certificates-and-secrets');

    // the application object seen through Graph has the secret's hint only, never its value
    const adminToken = await userToken(s, tenant.tenantId, tenant.admin.userPrincipalName, tenant.admin.password);
    const apps = await graph<{ value: { appId: string; passwordCredentials: { hint: string; secretText: string | null }[] }[] }>(s, 'GET', '/v1.0/applications', adminToken);
    const registered = apps.body.value.find((a) => a.appId === clientId)!;
    expect(registered.passwordCredentials[0]!.hint).toBe(secret.slice(0, 3));
    expect(registered.passwordCredentials[0]!.secretText).toBeNull();

    // outside the browser: msal-node with the copied domain name, client ID and secret
    const cca = new ConfidentialClientApplication({
      auth: { clientId, clientSecret: secret, authority: `${s.baseUrl}/${tenant.domain}`, knownAuthorities: [new URL(s.baseUrl).host] },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(result?.accessToken).toBeTruthy();
    const audits = await fetch(`${s.baseUrl}/v1.0/auditLogs/directoryAudits`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
    expect(audits.status).toBe(200);
    const activities = ((await audits.json()) as { value: { activityDisplayName: string }[] }).value.map((a) => a.activityDisplayName);
    expect(activities).toEqual(expect.arrayContaining(['Add application', 'Add service principal', 'Add app role assignment to service principal']));

    // back in the portal: the app's sign-in (service principal view of the beta API) …
    await nav(page, 'Sign-in logs').click();
    await page.getByRole('heading', { name: 'Sign-in logs' }).waitFor();
    await page.getByRole('tab', { name: 'User sign-ins (interactive)' }).waitFor();
    // the portal's own interactive sign-in, through the page, with the browser it came from
    await page.getByRole('cell', { name: tenant.admin.userPrincipalName }).first().waitFor();
    await shoot(page, '08-sign-in-logs');
    await page.getByRole('tab', { name: 'Service principal sign-ins' }).click();
    const spRow = page.getByRole('row').filter({ hasText: 'Reporting API application' }).first();
    await expectShown(page, spRow);
    await spRow.click();
    await page.getByRole('dialog').getByText(clientId).first().waitFor();
    await shoot(page, '09-sign-in-detail');
    await page.keyboard.press('Escape');

    // … and the registration steps in the audit log
    await nav(page, 'Audit logs').click();
    await page.getByRole('heading', { name: 'Audit logs' }).waitFor();
    for (const activity of ['Add application', 'Add service principal', 'Add app role assignment to service principal', 'Update application – Certificates and secrets management']) {
      await expectShown(page, page.getByRole('cell', { name: activity, exact: true }).first());
    }
    await shoot(page, '10-audit-logs');

    // the doctor, for the app just registered: every prerequisite met
    await nav(page, 'Doctor').click();
    await page.getByRole('heading', { name: 'Doctor' }).waitFor();
    await page.getByLabel('Application').fill(clientId);
    await page.getByRole('button', { name: 'Run checks' }).click();
    await page.getByText('All prerequisites are met').waitFor();
    await shoot(page, '11-doctor');

    expect(errors).toEqual([]);
    // the API explorer, signed in as Graph Explorer: consent to User.Read on the server's page, then
    // a call it has no consent for is refused as Graph refuses it, until the user consents to it
    await nav(page, 'API explorer').click();
    await page.getByRole('button', { name: 'Sign in to Graph Explorer' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await shoot(page, '18-consent');
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('heading', { name: 'API explorer' }).waitFor();
    await page.getByLabel('Request URL').fill(`${s.baseUrl}/v1.0/auditLogs/directoryAudits?$top=5`);
    await page.getByRole('button', { name: 'Run query' }).click();
    await page.getByRole('region', { name: 'Response' }).getByText(/^403/).waitFor();
    await page.getByLabel('Response body').getByText(/Authentication_MSGraphPermissionMissing/).waitFor();
    await shoot(page, '19-api-explorer-403');
    await page.getByRole('button', { name: 'Modify permissions' }).click();
    await page.getByRole('button', { name: 'Consent to AuditLog.Read.All' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.getByRole('heading', { name: 'API explorer' }).waitFor();
    await page.getByLabel('Request URL').fill(`${s.baseUrl}/v1.0/auditLogs/directoryAudits?$top=5`);
    await page.getByRole('button', { name: 'Run query' }).click();
    await page.getByRole('region', { name: 'Response' }).getByText(/^200/).waitFor();
    await shoot(page, '20-api-explorer');

    // the one 403 asked for above is Chromium's only complaint
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    await context.close();
  });

  it('a user without a reporting role sees the role error; a free tenant sees the licence error', async () => {
    // the administrator creates Nora in the portal and copies the password shown once
    const adminContext = await newContext(browser);
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, tenant.admin.userPrincipalName, tenant.admin.password);
    await nav(adminPage, 'Users').click();
    await adminPage.getByRole('button', { name: 'New user' }).click();
    await adminPage.getByLabel('User principal name').fill('nora');
    await adminPage.getByLabel('Display name').fill('Nora Norole');
    await shoot(adminPage, '16-new-user');
    await adminPage.getByRole('button', { name: 'Create' }).click();
    const passwordBox = adminPage.getByRole('textbox', { name: 'Password' });
    await passwordBox.waitFor();
    const noraPassword = await passwordBox.inputValue();
    expect(noraPassword.length).toBeGreaterThanOrEqual(12);
    await nav(adminPage, 'Roles and administrators').click();
    await adminPage.getByRole('cell', { name: 'Reports Reader', exact: true }).waitFor();
    await shoot(adminPage, '17-roles-and-administrators');
    await adminContext.close();

    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, `nora@${tenant.domain}`, noraPassword);
    await nav(page, 'Sign-in logs').click();
    await page.getByRole('alert').getByText("Your account doesn't have a role that can read sign-in logs.").waitFor();
    await page.getByRole('alert').getByText('Authentication_RequestFromUnsupportedUserRole').first().waitFor();
    await shoot(page, '12-sign-in-logs-without-a-role');
    await context.close();

    const free = await s.tenant({ displayName: 'Fabrikam', domain: 'fabrikam.example.test', license: 'none' });
    const context2 = await newContext(browser);
    const page2 = await context2.newPage();
    await signIn(page2, free.admin.userPrincipalName, free.admin.password);
    await nav(page2, 'Sign-in logs').click();
    await page2.getByRole('alert').getByText('Sign-in logs need a Microsoft Entra ID P1 or P2 licence; this tenant has none.').waitFor();
    await page2.getByRole('alert').getByText('Authentication_RequestFromNonPremiumTenantOrB2CTenant').first().waitFor();
    await shoot(page2, '13-sign-in-logs-free-tenant');
    // audit logs need no licence
    await nav(page2, 'Audit logs').click();
    await page2.getByRole('cell', { name: 'Add user', exact: true }).first().waitFor();
    await context2.close();
  });

  it('works from the keyboard alone, and at 390 px wide', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, tenant.admin.userPrincipalName, tenant.admin.password);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // Tab through the page until the navigation's "App registrations" has the focus, then Enter
    let found = false;
    for (let i = 0; i < 30 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''")) === 'App registrations';
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'App registrations' }).waitFor();
    await context.close();

    const narrow = await newContext(browser, { width: 390, height: 844 });
    const phone = await narrow.newPage();
    errors.push(...watchErrors(phone));
    await signIn(phone, tenant.admin.userPrincipalName, tenant.admin.password);
    await phone.getByRole('heading', { name: 'Overview' }).waitFor();
    // nothing wider than the screen
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shoot(phone, '14-overview-390px');
    await phone.getByRole('button', { name: 'Navigation menu' }).click();
    await nav(phone, 'Sign-in logs').click();
    await phone.getByRole('heading', { name: 'Sign-in logs' }).waitFor();
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shoot(phone, '15-sign-in-logs-390px');
    expect(errors).toEqual([]);
    await narrow.close();
  });
});
