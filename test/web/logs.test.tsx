// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://portal.test/"}
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TenantContext, type TenantInfo } from '../../web/src/context';
import { csvCell, csvColumns, defuseFormula, flatten, toCsv } from '../../web/src/logs/csv';
import { downloadContent, downloadDeps, downloadFileName, fetchAllPages } from '../../web/src/logs/download';
import { dateRangeClause, listUrl, odataDateTime, odataString } from '../../web/src/logs/odata';
import { AuditLogsPage, auditFilter, auditsUrl, DEFAULT_AUDIT_FILTERS, type DirectoryAudit } from '../../web/src/pages/AuditLogs';
import { DoctorPage, doctorSummary, resolveClientId, type DoctorReport } from '../../web/src/pages/Doctor';
import { DEFAULT_SIGN_IN_FILTERS, SignInLogsPage, signInFilter, signInsUrl, type SignIn, type SignInFilters } from '../../web/src/pages/SignInLogs';
import type { Application } from '../../web/src/graph';
import { ORIGIN, TENANT_ID, UPN, captureNavigation, graphError, json, resetBrowser, signInWith, type Call, type Handler } from './helpers';

/**
 * The activity-log pages (Sign-in logs, Audit logs) and the Doctor, against a fake reporting API:
 * the `$filter` each filter produces, server-side paging, the downloads, the 403 explanations.
 */

const NOW = new Date('2025-06-10T12:00:00Z');
const filterOf = (c: Call) => c.url.searchParams.get('$filter');

// happy-dom rejects an animation's `finished` promise on cancel where browsers mark it handled:
// without `animate`, Fluent's motion skips animations (as it does where the API is missing)
Object.defineProperty(Element.prototype, 'animate', { value: undefined, configurable: true, writable: true });

function renderPage(page: ReactElement) {
  const tenant: TenantInfo = {
    account: { tenantId: TENANT_ID, username: UPN, name: 'Admin', objectId: 'u1' },
    organization: undefined,
    organizationError: undefined,
    tenantName: 'Demo Tenant',
    tenantId: TENANT_ID,
    reloadOrganization: () => {},
  };
  return render(
    <FluentProvider theme={webLightTheme}>
      <TenantContext.Provider value={tenant}>{page}</TenantContext.Provider>
    </FluentProvider>,
  );
}

function signIn(n: number, extra: Partial<SignIn> = {}): SignIn {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    createdDateTime: new Date(NOW.getTime() - n * 60_000).toISOString(),
    userDisplayName: 'Alice Smith',
    userPrincipalName: 'alice@demo.tenantry.test',
    userId: 'a1',
    appDisplayName: 'Graph Explorer',
    appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
    ipAddress: '203.0.113.7',
    clientAppUsed: 'Browser',
    correlationId: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    resourceDisplayName: 'Microsoft Graph',
    servicePrincipalId: '00000000-0000-0000-0000-000000000000',
    status: { errorCode: 0, failureReason: 'Other.', additionalDetails: null },
    location: { city: 'Seattle', state: 'Washington', countryOrRegion: 'US' },
    deviceDetail: { browser: 'Chrome 120.0.0', operatingSystem: 'Windows10', deviceId: '', displayName: '' },
    signInEventTypes: ['interactiveUser'],
    ...extra,
  };
}

interface FakeApi {
  handler: Handler;
  requests: Call[];
}

/** A fake reporting API: `answer` gets each request to /beta|v1.0/auditLogs/* or /tenantry/* (null: 404). */
function fakeApi(answer: (call: Call) => Response | undefined): FakeApi {
  const requests: Call[] = [];
  return {
    requests,
    handler: (call) => {
      if (!/^\/(v1\.0|beta|tenantry)\//.test(call.url.pathname)) return undefined;
      requests.push(call);
      return answer(call);
    },
  };
}

const logCalls = (api: FakeApi, path: string) => api.requests.filter((c) => c.url.pathname === path);

/**
 * The open details drawer, by its title. Under happy-dom, Fluent's focus manager (tabster) marks the
 * open dialog itself aria-hidden, which Chromium does not (see findDialog in portal.test.tsx); the
 * attribute is dropped so that roles and names are computed as in a browser.
 */
async function findDrawer(title: string): Promise<HTMLElement> {
  const heading = await screen.findByText(title, { selector: 'h2' });
  const drawer = heading.closest<HTMLElement>('[role="dialog"]')!;
  drawer.removeAttribute('aria-hidden');
  expect(within(drawer).getByRole('heading', { name: title })).toBeTruthy();
  return drawer;
}

let errors: unknown[][];
beforeEach(() => {
  resetBrowser('/');
  captureNavigation();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { errors.push(args); });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
  resetBrowser('/');
});

// ---------------------------------------------------------------- $filter

describe('$filter', () => {
  const f = (o: Partial<SignInFilters>): SignInFilters => ({ ...DEFAULT_SIGN_IN_FILTERS, ...o });
  const filter = (r: { filter: string } | { problem: string }) => ('filter' in r ? r.filter : `PROBLEM: ${r.problem}`);

  it('literals: quotes doubled, DateTimeOffset unquoted in UTC to the second', () => {
    expect(odataString("o'brien")).toBe("'o''brien'");
    expect(odataString("''")).toBe("''''''");
    expect(odataDateTime(new Date('2025-06-10T12:00:00.987Z'))).toBe('2025-06-10T12:00:00Z');
  });

  it('sign-ins: the view alone, for the last 24 hours (the default)', () => {
    expect(filter(signInFilter(DEFAULT_SIGN_IN_FILTERS, NOW))).toBe(
      "signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge 2025-06-09T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z",
    );
  });

  it('sign-ins: every filter, combined with and', () => {
    expect(filter(signInFilter(f({ view: 'nonInteractiveUser', range: { preset: '7d', from: '', to: '' }, user: " o'brien ", app: "Bob's app", status: 'failure' }), NOW))).toBe(
      "signInEventTypes/any(t: t eq 'nonInteractiveUser') and createdDateTime ge 2025-06-03T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z" +
      " and startswith(userPrincipalName,'o''brien') and startswith(appDisplayName,'Bob''s app') and status/errorCode ne 0",
    );
    expect(filter(signInFilter(f({ range: { preset: '30d', from: '', to: '' }, status: 'success' }), NOW))).toBe(
      "signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge 2025-05-11T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z and status/errorCode eq 0",
    );
  });

  it('service principal sign-ins: the name filter is on servicePrincipalName', () => {
    expect(filter(signInFilter(f({ view: 'servicePrincipal', user: 'daemon', app: 'Rep' }), NOW))).toBe(
      "signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge 2025-06-09T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z" +
      " and startswith(servicePrincipalName,'daemon') and startswith(appDisplayName,'Rep')",
    );
  });

  it('only my sign-ins: userId eq', () => {
    expect(filter(signInFilter(f({ mine: 'u1' }), NOW))).toBe(
      "signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge 2025-06-09T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z and userId eq 'u1'",
    );
  });

  it('a custom interval runs from the start of the first local day to the end of the last', () => {
    const from = odataDateTime(new Date('2025-06-01T00:00:00'));
    const to = odataDateTime(new Date('2025-06-02T23:59:59'));
    expect(dateRangeClause('createdDateTime', { preset: 'custom', from: '2025-06-01', to: '2025-06-02' }, NOW))
      .toEqual({ clause: `createdDateTime ge ${from} and createdDateTime le ${to}` });
    expect(dateRangeClause('createdDateTime', { preset: 'custom', from: '', to: '2025-06-02' }, NOW)).toHaveProperty('problem');
    expect(dateRangeClause('createdDateTime', { preset: 'custom', from: '2025-06-03', to: '2025-06-02' }, NOW)).toHaveProperty('problem');
  });

  it('audits: date range, category eq, activity startswith, result eq', () => {
    expect(filter(auditFilter(DEFAULT_AUDIT_FILTERS, NOW))).toBe('activityDateTime ge 2025-06-09T12:00:00Z and activityDateTime le 2025-06-10T12:00:00Z');
    expect(filter(auditFilter({ range: { preset: '7d', from: '', to: '' }, category: 'ApplicationManagement', activity: "Update app'", status: 'failure' }, NOW))).toBe(
      "activityDateTime ge 2025-06-03T12:00:00Z and activityDateTime le 2025-06-10T12:00:00Z and category eq 'ApplicationManagement'" +
      " and startswith(activityDisplayName,'Update app''') and result eq 'failure'",
    );
    expect(filter(auditFilter({ ...DEFAULT_AUDIT_FILTERS, status: 'success' }, NOW))).toMatch(/ and result eq 'success'$/);
  });

  it('URLs: beta sign-ins and v1.0 audits, $filter percent-encoded, $top 50 (1000 for downloads)', () => {
    const u = new URL(signInsUrl(DEFAULT_SIGN_IN_FILTERS, NOW)!, ORIGIN);
    expect(u.pathname).toBe('/beta/auditLogs/signIns');
    expect(u.searchParams.get('$top')).toBe('50');
    expect(u.searchParams.get('$filter')).toBe(filter(signInFilter(DEFAULT_SIGN_IN_FILTERS, NOW)));
    expect(signInsUrl(DEFAULT_SIGN_IN_FILTERS, NOW)).toContain('$filter=signInEventTypes%2Fany(t%3A%20t%20eq%20\'interactiveUser\')');
    expect(new URL(auditsUrl(DEFAULT_AUDIT_FILTERS, NOW, 1000)!, ORIGIN).pathname).toBe('/v1.0/auditLogs/directoryAudits');
    expect(new URL(auditsUrl(DEFAULT_AUDIT_FILTERS, NOW, 1000)!, ORIGIN).searchParams.get('$top')).toBe('1000');
    expect(listUrl('/v1.0/x', '', 5)).toBe('/v1.0/x?$top=5');
  });
});

// ---------------------------------------------------------------- CSV

describe('CSV', () => {
  it('flattens nested objects to dotted paths and keeps arrays whole', () => {
    expect(flatten({ a: 1, b: { c: 'x', d: { e: null } }, f: [1, { g: 2 }], h: {} })).toEqual([
      { path: 'a', value: 1 }, { path: 'b.c', value: 'x' }, { path: 'b.d.e', value: null }, { path: 'f', value: [1, { g: 2 }] }, { path: 'h', value: {} },
    ]);
  });

  it('the header is the union of the flattened paths in the order first seen', () => {
    expect(csvColumns([{ id: '1', status: { errorCode: 0 } }, { id: '2', status: { errorCode: 1, failureReason: 'x' }, extra: true }]))
      .toEqual(['id', 'status.errorCode', 'status.failureReason', 'extra']);
  });

  it('quotes as RFC 4180 has it, CRLF line ends, missing cells empty', () => {
    const csv = toCsv([
      { id: '1', name: 'plain', note: 'a, b', quote: 'say "hi"', lines: 'one\ntwo', n: 5, ok: true, nothing: null, list: ['x', 'y'] },
      { id: '2' },
    ]);
    expect(csv).toBe(
      'id,name,note,quote,lines,n,ok,nothing,list\r\n' +
      '1,plain,"a, b","say ""hi""","one\ntwo",5,true,,"[""x"",""y""]"\r\n' +
      '2,,,,,,,,\r\n',
    );
  });

  it('defuses formulas: a text cell starting with = + - @ tab or CR gets a leading quote (numbers are left alone)', () => {
    expect(defuseFormula('=HYPERLINK("http://x")')).toBe('\'=HYPERLINK("http://x")');
    for (const s of ['+1', '-1+2', '@SUM(A1)', '\tx', '\rx']) expect(defuseFormula(s)).toBe(`'${s}`);
    expect(defuseFormula('a=b')).toBe('a=b');
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('=cmd|" /C calc"!A0')).toBe('"\'=cmd|"" /C calc""!A0"');
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell(-5)).toBe('-5');
    expect(toCsv([{ user: '@evil', ip: '-1' }])).toBe("user,ip\r\n'@evil,'-1\r\n");
  });

  it('the files: CSV with a byte-order mark, JSON pretty-printed; named <prefix>_<date>', () => {
    expect(downloadContent([{ a: 1 }], 'csv')).toEqual({ text: '\uFEFFa\r\n1\r\n', type: 'text/csv;charset=utf-8' });
    expect(downloadContent([{ a: 1 }], 'json')).toEqual({ text: '[\n  {\n    "a": 1\n  }\n]\n', type: 'application/json;charset=utf-8' });
    expect(downloadFileName('SignInLogs', 'csv', NOW)).toBe('SignInLogs_2025-06-10.csv');
    expect(downloadFileName('AuditLogs', 'json', NOW)).toBe('AuditLogs_2025-06-10.json');
  });
});

// ---------------------------------------------------------------- Sign-in logs

/** Pages of sign-ins: each request answers `pages[n]`, with a nextLink to the next one while there is one. */
function signInPages(pages: SignIn[][]) {
  return fakeApi((call) => {
    if (call.url.pathname !== '/beta/auditLogs/signIns') return undefined;
    const token = call.url.searchParams.get('$skiptoken');
    const n = token ? Number(token) : 0;
    const next = new URL(call.url.href);
    next.searchParams.set('$skiptoken', String(n + 1));
    return json({
      '@odata.context': `${ORIGIN}/beta/$metadata#auditLogs/signIns`,
      value: pages[n] ?? [],
      ...(n + 1 < pages.length ? { '@odata.nextLink': next.href } : {}),
    });
  });
}

describe('Sign-in logs', () => {
  it('lists the sign-ins with the table columns, then filters: each change sends the exact $filter', async () => {
    const api = signInPages([[signIn(1), signIn(2, { status: { errorCode: 50126, failureReason: 'Invalid username or password.' }, location: { city: '', state: '', countryOrRegion: 'FR' } })]]);
    await signInWith(api.handler, { route: '#/signins' });
    const user = userEvent.setup();
    renderPage(<SignInLogsPage />);

    expect(screen.getByRole('heading', { level: 1, name: 'Sign-in logs' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Sign-ins' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Date', 'User', 'Application', 'Status', 'IP address', 'Location']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('alice@demo.tenantry.test')).toBeTruthy();
    expect(within(rows[0]!).getByText('Success')).toBeTruthy();
    expect(within(rows[0]!).getByText('Seattle, Washington, US')).toBeTruthy();
    expect(within(rows[1]!).getByText('Failure')).toBeTruthy();
    expect(within(rows[1]!).getByText('FR')).toBeTruthy();

    const calls = logCalls(api, '/beta/auditLogs/signIns');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url.searchParams.get('$top')).toBe('50');
    expect(calls[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(filterOf(calls[0]!)).toBe(
      "signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge 2025-06-09T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z",
    );

    // typed filters apply with Enter (or Apply)
    await user.type(screen.getByLabelText('User'), "o'brien");
    await user.type(screen.getByLabelText('Application'), 'Graph{Enter}');
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(2));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[1]!)).toBe(
      "signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge 2025-06-09T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z" +
      " and startswith(userPrincipalName,'o''brien') and startswith(appDisplayName,'Graph')",
    );

    // choices apply at once
    await user.selectOptions(screen.getByLabelText('Status'), 'Failure');
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(3));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[2]!)).toMatch(/ and status\/errorCode ne 0$/);

    await user.selectOptions(screen.getByLabelText('Date range'), 'Last 7 days');
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(4));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[3]!)).toContain('createdDateTime ge 2025-06-03T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z');

    await user.click(screen.getByRole('tab', { name: 'Service principal sign-ins' }));
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(5));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[4]!)).toBe(
      "signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge 2025-06-03T12:00:00Z and createdDateTime le 2025-06-10T12:00:00Z" +
      " and startswith(servicePrincipalName,'o''brien') and startswith(appDisplayName,'Graph') and status/errorCode ne 0",
    );
    expect(screen.getByLabelText('Service principal')).toBeTruthy();
    expect(await screen.findByRole('columnheader', { name: 'Service principal' })).toBeTruthy();

    await user.click(screen.getByRole('tab', { name: 'User sign-ins (non-interactive)' }));
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(6));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[5]!)).toMatch(/^signInEventTypes\/any\(t: t eq 'nonInteractiveUser'\) and /);
    expect(errors).toEqual([]);
  });

  it('a custom interval is applied with Apply, and refused while incomplete', async () => {
    const api = signInPages([[signIn(1)]]);
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<SignInLogsPage />);
    await screen.findByRole('table', { name: 'Sign-ins' });
    await user.selectOptions(screen.getByLabelText('Date range'), 'Custom time interval');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByText('Enter a start and an end date for the custom time interval.')).toBeTruthy();
    expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(1);
    await user.type(screen.getByLabelText('From'), '2025-06-01');
    await user.type(screen.getByLabelText('To'), '2025-06-02');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(logCalls(api, '/beta/auditLogs/signIns')).toHaveLength(2));
    expect(filterOf(logCalls(api, '/beta/auditLogs/signIns')[1]!)).toBe(
      `signInEventTypes/any(t: t eq 'interactiveUser') and createdDateTime ge ${odataDateTime(new Date('2025-06-01T00:00:00'))}` +
      ` and createdDateTime le ${odataDateTime(new Date('2025-06-02T23:59:59'))}`,
    );
  });

  it('pages through @odata.nextLink with Load more (the absolute link fetched as it is)', async () => {
    const first = Array.from({ length: 50 }, (_, i) => signIn(i + 1));
    const api = signInPages([first, [signIn(51), signIn(52)]]);
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<SignInLogsPage />);
    const table = await screen.findByRole('table', { name: 'Sign-ins' });
    expect(within(table).getAllByRole('row')).toHaveLength(51);
    expect(screen.getByText('50 records shown; more are available.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(53));
    const [one, two] = logCalls(api, '/beta/auditLogs/signIns');
    expect(two!.url.searchParams.get('$skiptoken')).toBe('1');
    expect(filterOf(two!)).toBe(filterOf(one!));
    expect(two!.url.searchParams.get('$top')).toBe('50');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(screen.getByText('52 records.')).toBeTruthy();
  });

  it('a row opens the details with Enter or Space (or a click): every field, nested ones as key paths', async () => {
    const failed = signIn(1, {
      status: { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.', additionalDetails: 'The user didn\'t enter the right credentials.' },
      clientCredentialType: 'none',
      servicePrincipalName: 'Graph Explorer',
    });
    const api = signInPages([[failed, signIn(2)]]);
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<SignInLogsPage />);
    const table = await screen.findByRole('table', { name: 'Sign-ins' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.tabIndex).toBe(0);
    row.focus();
    await user.keyboard('{Enter}');
    const drawer = await findDrawer('Sign-in details');
    for (const text of [failed.id, failed.correlationId!, '50126', 'Error validating credentials due to invalid username or password.', 'Chrome 120.0.0', 'Seattle, Washington, US']) {
      expect(within(drawer).getAllByText(text).length).toBeGreaterThan(0);
    }
    for (const path of ['id', 'correlationId', 'status.errorCode', 'status.failureReason', 'status.additionalDetails', 'deviceDetail.browser', 'location.city', 'servicePrincipalId', 'servicePrincipalName', 'clientCredentialType', 'signInEventTypes']) {
      expect(within(drawer).getByText(path, { selector: 'dt' })).toBeTruthy();
    }
    await user.click(within(drawer).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByText('Sign-in details', { selector: 'h2' })).toBeNull());

    const second = within(table).getAllByRole('row')[2]!;
    second.focus();
    await user.keyboard(' ');
    const again = await findDrawer('Sign-in details');
    expect(within(again).getAllByText(signIn(2).id).length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('Download CSV / JSON fetches every page ($top=1000, following nextLinks) and saves SignInLogs_<date>', async () => {
    const api = signInPages([[signIn(1, { userDisplayName: '=HYPERLINK("http://evil")' })], [signIn(2, { appDisplayName: 'App, "quoted"' })]]);
    await signInWith(api.handler);
    const saved: { name: string; blob: Blob }[] = [];
    const blobs = new Map<string, Blob>();
    Object.defineProperty(URL, 'createObjectURL', { configurable: true, writable: true, value: (b: Blob) => { const u = `blob:${ORIGIN}/${blobs.size}`; blobs.set(u, b); return u; } });
    Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: () => {} });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, blob: blobs.get(this.href)! });
    });
    const user = userEvent.setup();
    renderPage(<SignInLogsPage />);
    await screen.findByRole('table', { name: 'Sign-ins' });

    await user.click(screen.getByRole('button', { name: 'Download' }));
    await user.click(await screen.findByRole('menuitem', { name: 'CSV' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]!.name).toBe('SignInLogs_2025-06-10.csv');
    const downloads = logCalls(api, '/beta/auditLogs/signIns').filter((c) => c.url.searchParams.get('$top') === '1000');
    expect(downloads.map((c) => c.url.searchParams.get('$skiptoken'))).toEqual([null, '1']);
    expect(filterOf(downloads[0]!)).toBe(filterOf(logCalls(api, '/beta/auditLogs/signIns')[0]!));
    const csv = (await saved[0]!.blob.text()).replace(/^\uFEFF/, '');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,createdDateTime,userDisplayName,userPrincipalName,userId,appDisplayName,appId,ipAddress,clientAppUsed,correlationId,resourceDisplayName,servicePrincipalId,' +
      'status.errorCode,status.failureReason,status.additionalDetails,location.city,location.state,location.countryOrRegion,' +
      'deviceDetail.browser,deviceDetail.operatingSystem,deviceDetail.deviceId,deviceDetail.displayName,signInEventTypes');
    expect(lines[1]).toContain(',"\'=HYPERLINK(""http://evil"")",');
    expect(lines[2]).toContain(',"App, ""quoted""",');
    expect(lines[1]).toContain(',"[""interactiveUser""]"');
    expect(lines).toHaveLength(4);
    expect(await screen.findByText('Downloaded 2 records as SignInLogs_2025-06-10.csv.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Download' }));
    await user.click(await screen.findByRole('menuitem', { name: 'JSON' }));
    await waitFor(() => expect(saved).toHaveLength(2));
    expect(saved[1]!.name).toBe('SignInLogs_2025-06-10.json');
    const records = JSON.parse(await saved[1]!.blob.text()) as SignIn[];
    expect(records.map((r) => r.id)).toEqual([signIn(1).id, signIn(2).id]);
    expect(records[0]!.userDisplayName).toBe('=HYPERLINK("http://evil")');
    expect(errors).toEqual([]);
  });

  it('a throttled download page is retried', async () => {
    let throttled = false;
    const api = fakeApi((call) => {
      if (!throttled && call.url.searchParams.get('$skiptoken') === '1') {
        throttled = true;
        return graphError(429, 'TooManyRequests', 'This request is throttled.');
      }
      const n = Number(call.url.searchParams.get('$skiptoken') ?? 0);
      return json({ value: [signIn(n + 1)], ...(n === 0 ? { '@odata.nextLink': `${ORIGIN}/beta/auditLogs/signIns?$top=1000&$skiptoken=1` } : {}) });
    });
    await signInWith(api.handler);
    const waits: number[] = [];
    vi.spyOn(downloadDeps, 'sleep').mockImplementation(async (ms) => { waits.push(ms); });
    const progress: number[] = [];
    const r = await fetchAllPages<SignIn>('/beta/auditLogs/signIns?$top=1000', { onProgress: (n) => progress.push(n) });
    expect(r.items.map((s) => s.id)).toEqual([signIn(1).id, signIn(2).id]);
    expect(waits).toEqual([2000]);
    expect(progress).toEqual([1, 2]);
    expect(r.truncated).toBe(false);
  });

  describe('403s are explained in plain words, with the raw code and message', () => {
    const denied = (code: string, message: string) => fakeApi(() => graphError(403, code, message));

    it('Authentication_RequestFromUnsupportedUserRole: no reporting role; "Show my sign-ins" asks for the own ones', async () => {
      let calls = 0;
      const api = fakeApi((call) => {
        calls++;
        return filterOf(call)?.includes("userId eq 'u1'") ? json({ value: [signIn(1)] }) : graphError(403, 'Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
      });
      await signInWith(api.handler);
      const user = userEvent.setup();
      renderPage(<SignInLogsPage />);
      const alert = await screen.findByRole('alert');
      expect(within(alert).getByText("Your account doesn't have a role that can read sign-in logs.")).toBeTruthy();
      expect(within(alert).getByText(/Ask a Global Administrator to assign you Reports Reader, Security Reader, Security Operator, Security Administrator or Global Reader\./)).toBeTruthy();
      expect(within(alert).getByText('Authentication_RequestFromUnsupportedUserRole')).toBeTruthy();
      expect(within(alert).getByText(/User is not in the allowed roles/)).toBeTruthy();
      expect(within(alert).getAllByText(/role/i).length).toBeGreaterThan(0);
      expect(screen.queryByRole('table')).toBeNull();

      await user.click(within(alert).getByRole('button', { name: 'Show my sign-ins' }));
      expect(await screen.findByRole('table', { name: 'Sign-ins' })).toBeTruthy();
      expect(filterOf(api.requests.at(-1)!)).toMatch(/ and userId eq 'u1'$/);
      expect(screen.getByText(/Showing only your own sign-ins/)).toBeTruthy();
      expect(calls).toBe(2);
    });

    it('Authentication_RequestFromNonPremiumTenantOrB2CTenant: sign-ins need a P1/P2 licence, audit logs are available', async () => {
      const api = denied('Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
      await signInWith(api.handler);
      renderPage(<SignInLogsPage />);
      const alert = await screen.findByRole('alert');
      expect(within(alert).getByText('Sign-in logs need a Microsoft Entra ID P1 or P2 licence; this tenant has none.')).toBeTruthy();
      expect(within(alert).getByText(/are available\./)).toBeTruthy();
      expect(within(alert).getByRole('link', { name: 'Audit logs' }).getAttribute('href')).toBe('#/audits');
      expect(within(alert).getByText('Authentication_RequestFromNonPremiumTenantOrB2CTenant')).toBeTruthy();
      expect(within(alert).getAllByText(/licen[cs]e/i).length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    });

    it('Authentication_MSGraphPermissionMissing: the token lacks AuditLog.Read.All', async () => {
      const api = denied('Authentication_MSGraphPermissionMissing', 'Calling principal does not have required MSGraph permissions AuditLog.Read.All');
      await signInWith(api.handler);
      renderPage(<AuditLogsPage />);
      const alert = await screen.findByRole('alert');
      expect(within(alert).getByText('The access token lacks the Microsoft Graph permission AuditLog.Read.All, which reading audit logs needs.')).toBeTruthy();
      expect(within(alert).getByText('Authentication_MSGraphPermissionMissing')).toBeTruthy();
      expect(within(alert).getByText(/Calling principal does not have required MSGraph permissions AuditLog\.Read\.All/)).toBeTruthy();
    });

    it('on the audit logs, the role message names audit logs', async () => {
      const api = denied('Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
      await signInWith(api.handler);
      renderPage(<AuditLogsPage />);
      const alert = await screen.findByRole('alert');
      expect(within(alert).getByText("Your account doesn't have a role that can read audit logs.")).toBeTruthy();
      expect(within(alert).queryByRole('button', { name: 'Show my sign-ins' })).toBeNull();
    });
  });
});

// ---------------------------------------------------------------- Audit logs

function audit(n: number, extra: Partial<DirectoryAudit> = {}): DirectoryAudit {
  return {
    id: `Directory_c${n}_ABCDE_${n}`,
    category: 'ApplicationManagement',
    correlationId: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    result: 'success',
    resultReason: '',
    activityDisplayName: 'Update application – Certificates and secrets management ',
    activityDateTime: new Date(NOW.getTime() - n * 60_000).toISOString(),
    loggedByService: 'Core Directory',
    operationType: 'Update',
    initiatedBy: { app: null, user: { id: 'u1', displayName: null, userPrincipalName: UPN, ipAddress: '203.0.113.7' } },
    targetResources: [{
      id: 'app-object-1', displayName: 'Reporting API application', type: 'Application', userPrincipalName: null,
      modifiedProperties: [{ displayName: 'KeyDescription', oldValue: '[]', newValue: '["[KeyIdentifier=k1,KeyType=Password,KeyUsage=Verify,DisplayName=ci]"]' }],
    }],
    additionalDetails: [{ key: 'AppId', value: 'b1' }, { key: 'User-Agent', value: 'Mozilla/5.0' }],
    ...extra,
  };
}

describe('Audit logs', () => {
  it('lists the audits, filters them, pages, and shows targets with old and new values', async () => {
    const api = fakeApi((call) => {
      if (call.url.pathname !== '/v1.0/auditLogs/directoryAudits') return undefined;
      const more = !call.url.searchParams.get('$skiptoken');
      return json({
        value: more ? [audit(1), audit(2, { result: 'failure', initiatedBy: { user: null, app: { appId: 'b2', displayName: 'Daemon', servicePrincipalId: 'sp2', servicePrincipalName: 'Daemon' } } })] : [audit(3)],
        ...(more ? { '@odata.nextLink': `${call.url.href}&$skiptoken=t1` } : {}),
      });
    });
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<AuditLogsPage />);
    expect(screen.getByRole('heading', { level: 1, name: 'Audit logs' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Audit logs' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Date', 'Service', 'Category', 'Activity', 'Status', 'Initiated by']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText(UPN)).toBeTruthy();
    expect(within(rows[1]!).getByText('Daemon')).toBeTruthy();
    expect(within(rows[1]!).getByText('Failure')).toBeTruthy();
    const calls = () => logCalls(api, '/v1.0/auditLogs/directoryAudits');
    expect(filterOf(calls()[0]!)).toBe('activityDateTime ge 2025-06-09T12:00:00Z and activityDateTime le 2025-06-10T12:00:00Z');
    expect(calls()[0]!.url.searchParams.get('$top')).toBe('50');

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    expect(calls()[1]!.url.searchParams.get('$skiptoken')).toBe('t1');

    await user.selectOptions(screen.getByLabelText('Category'), 'RoleManagement');
    await user.type(screen.getByLabelText('Activity'), "Add member to role'{Enter}");
    await user.selectOptions(screen.getByLabelText('Status'), 'Success');
    await waitFor(() => expect(filterOf(calls().at(-1)!)).toBe(
      "activityDateTime ge 2025-06-09T12:00:00Z and activityDateTime le 2025-06-10T12:00:00Z and category eq 'RoleManagement'" +
      " and startswith(activityDisplayName,'Add member to role''') and result eq 'success'",
    ));

    const row = within(await screen.findByRole('table', { name: 'Audit logs' })).getAllByRole('row')[1]!;
    await user.click(row);
    const drawer = await findDrawer('Audit log details');
    const mods = within(drawer).getByRole('table', { name: 'Modified properties of Reporting API application' });
    expect(within(mods).getByText('KeyDescription')).toBeTruthy();
    expect(within(mods).getByText('[]')).toBeTruthy();
    expect(within(mods).getByText('["[KeyIdentifier=k1,KeyType=Password,KeyUsage=Verify,DisplayName=ci]"]')).toBeTruthy();
    expect(within(drawer).getByText('Mozilla/5.0')).toBeTruthy();
    expect(within(drawer).getAllByText(audit(1).correlationId!).length).toBeGreaterThan(0);
    for (const path of ['initiatedBy.user.userPrincipalName', 'targetResources', 'additionalDetails', 'correlationId']) {
      expect(within(drawer).getByText(path, { selector: 'dt' })).toBeTruthy();
    }
    expect(errors).toEqual([]);
  });
});

// ---------------------------------------------------------------- Doctor

const APPS: Application[] = [
  { id: 'o1', appId: '11111111-1111-4111-8111-111111111111', displayName: 'Reporting API application', signInAudience: 'AzureADMyOrg', createdDateTime: null, passwordCredentials: [], requiredResourceAccess: [] },
  { id: 'o2', appId: '22222222-2222-4222-8222-222222222222', displayName: 'Daemon', signInAudience: 'AzureADMyOrg', createdDateTime: null, passwordCredentials: [], requiredResourceAccess: [] },
];

const FIX = 'POST /v1.0/servicePrincipals/g1/appRoleAssignedTo {"principalId":"sp1","resourceId":"g1","appRoleId":"b0afded3-3588-46d8-8b3d-9842eff778da"}';
const REPORT: DoctorReport = {
  tenant: TENANT_ID,
  clientId: APPS[0]!.appId,
  user: 'alice@demo.tenantry.test',
  ok: false,
  steps: [
    { id: 'tenant', title: 'Tenant exists', ok: true, skipped: false, detail: `Demo Tenant (${TENANT_ID}), domain demo.tenantry.test` },
    { id: 'adminConsent', title: 'Admin consent granted', ok: false, skipped: false, detail: 'no admin consent to AuditLog.Read.All', fix: FIX },
    { id: 'userRole', title: 'User holds a reporting role', ok: false, skipped: false, detail: 'no directory role', fix: 'line one\nline two' },
    { id: 'userEnabled', title: 'User account enabled', ok: false, skipped: true, detail: 'skipped: the user does not exist' },
  ],
};

function doctorApi(report: DoctorReport | (() => Response)) {
  return fakeApi((call) => {
    if (call.url.pathname === '/v1.0/applications') return json({ value: APPS });
    if (call.url.pathname === '/tenantry/doctor') return typeof report === 'function' ? report() : json(report);
    return undefined;
  });
}

describe('Doctor', () => {
  it('summary and pure helpers', () => {
    expect(doctorSummary(REPORT)).toBe('2 prerequisites are missing');
    expect(doctorSummary({ ...REPORT, steps: REPORT.steps.slice(0, 2) })).toBe('1 prerequisite is missing');
    expect(doctorSummary({ ...REPORT, ok: true, steps: [REPORT.steps[0]!] })).toBe('All prerequisites are met');
    expect(resolveClientId('  22222222-2222-4222-8222-222222222222 ', null, APPS)).toBe('22222222-2222-4222-8222-222222222222');
    expect(resolveClientId('daemon', null, APPS)).toBe(APPS[1]!.appId);
    expect(resolveClientId('nope', null, APPS)).toBeNull();
  });

  it('runs the checks for the chosen application and user, and shows each step with ✓ / ✗ and its exact fix', async () => {
    const api = doctorApi(REPORT);
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<DoctorPage />);
    expect(screen.getByRole('heading', { level: 1, name: 'Doctor' })).toBeTruthy();

    const combo = screen.getByRole('combobox', { name: 'Application' });
    await waitFor(() => expect(logCalls(api, '/v1.0/applications')).toHaveLength(1));
    await user.click(combo);
    await user.click(await screen.findByRole('option', { name: /Reporting API application/ }));
    await user.type(screen.getByLabelText('User'), 'alice@demo.tenantry.test');
    await user.click(screen.getByRole('button', { name: 'Run checks' }));

    expect(await screen.findByText('2 prerequisites are missing')).toBeTruthy();
    const [call] = logCalls(api, '/tenantry/doctor');
    expect(Object.fromEntries(call!.url.searchParams)).toEqual({ clientId: APPS[0]!.appId, user: 'alice@demo.tenantry.test' });
    expect(call!.headers.authorization).toMatch(/^Bearer /);

    const items = within(screen.getByRole('list', { name: 'Checks' })).getAllByRole('listitem');
    expect(items).toHaveLength(4);
    expect(items[0]!.textContent).toMatch(/^✓Tenant existsMet/);
    expect(items[1]!.textContent).toMatch(/^✗Admin consent grantedMissing/);
    expect(items[3]!.textContent).toMatch(/^–User account enabledSkipped/);
    expect(within(items[0]!).queryByText('Fix:')).toBeNull();
    expect(within(items[1]!).getByText(FIX, { selector: 'pre' })).toBeTruthy();
    expect(within(items[2]!).getByText((_t, el) => el?.tagName === 'PRE' && el.textContent === 'line one\nline two')).toBeTruthy();
    expect(within(items[3]!).queryByText('Fix:')).toBeNull();
    expect(screen.getByText(/1 check was skipped because an earlier one failed/)).toBeTruthy();
    await user.click(within(items[1]!).getByRole('button', { name: 'Copy fix for Admin consent granted' }));
    expect(await navigator.clipboard.readText()).toBe(FIX);
    expect(errors).toEqual([]);
  });

  it('takes a typed client id (app-only without a user) and says when everything is met', async () => {
    const api = doctorApi({ tenant: TENANT_ID, clientId: '33333333-3333-4333-8333-333333333333', ok: true, steps: [REPORT.steps[0]!] });
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<DoctorPage />);
    await user.click(screen.getByRole('button', { name: 'Run checks' }));
    expect(screen.getByText('Choose an application, or enter its application (client) ID.')).toBeTruthy();
    const combo = screen.getByRole('combobox', { name: 'Application' });
    await user.type(combo, 'not-a-guid');
    await user.click(screen.getByRole('button', { name: 'Run checks' }));
    expect(screen.getByText(/enter an application \(client\) ID: a GUID/)).toBeTruthy();
    expect(logCalls(api, '/tenantry/doctor')).toHaveLength(0);

    await user.clear(combo);
    await user.type(combo, '33333333-3333-4333-8333-333333333333');
    await user.click(screen.getByRole('button', { name: 'Run checks' }));
    expect(await screen.findByText('All prerequisites are met')).toBeTruthy();
    expect(Object.fromEntries(logCalls(api, '/tenantry/doctor')[0]!.url.searchParams)).toEqual({ clientId: '33333333-3333-4333-8333-333333333333' });
  });

  it('a 403 says which roles may run it', async () => {
    const api = doctorApi(() => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    await signInWith(api.handler);
    const user = userEvent.setup();
    renderPage(<DoctorPage />);
    await user.type(screen.getByRole('combobox', { name: 'Application' }), APPS[1]!.appId);
    await user.click(screen.getByRole('button', { name: 'Run checks' }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(/it needs Global Administrator, Global Reader, Application Administrator or Cloud Application Administrator/)).toBeTruthy();
    expect(within(alert).getByText('Authorization_RequestDenied')).toBeTruthy();
  });
});
