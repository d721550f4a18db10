import {
  Badge,
  Button,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  Select,
  Subtitle2,
  Tab,
  TabList,
  Text,
} from '@fluentui/react-components';
import { ArrowClockwise20Regular, Filter20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { Loading, Page } from '../components/Page';
import { PropertyList, type Property } from '../components/PropertyList';
import { useTenant } from '../context';
import { DateRangeFilter } from '../logs/DateRangeFilter';
import { DetailDrawer } from '../logs/DetailDrawer';
import { useLogDownload } from '../logs/DownloadMenu';
import { JsonProperties } from '../logs/JsonProperties';
import { LogErrorBar } from '../logs/LogErrorBar';
import { LoadMore, LogTable, type LogColumn } from '../logs/LogTable';
import { DEFAULT_DATE_RANGE, dateRangeClause, joinAnd, listUrl, odataString, startsWith, type DateRange } from '../logs/odata';
import { formatLogTime, useLogPageStyles } from '../logs/ui';
import { useLogFilters } from '../logs/useLogFilters';
import { usePagedList } from '../logs/usePagedList';

export type SignInView = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal';
export type StatusFilter = 'all' | 'success' | 'failure';

export const SIGN_IN_VIEWS: { value: SignInView; label: string }[] = [
  { value: 'interactiveUser', label: 'User sign-ins (interactive)' },
  { value: 'nonInteractiveUser', label: 'User sign-ins (non-interactive)' },
  { value: 'servicePrincipal', label: 'Service principal sign-ins' },
];

export interface SignInFilters {
  view: SignInView;
  range: DateRange;
  /** user principal name prefix (service principal name prefix in the service principal view) */
  user: string;
  /** application display name prefix */
  app: string;
  status: StatusFilter;
  /** only the sign-ins of this user id (what a user without a reporting role may read) */
  mine?: string;
}

export const DEFAULT_SIGN_IN_FILTERS: SignInFilters = { view: 'interactiveUser', range: DEFAULT_DATE_RANGE, user: '', app: '', status: 'all' };

export const SIGN_INS_PATH = '/beta/auditLogs/signIns';
export const PAGE_SIZE = 50;

/**
 * The `$filter` for the sign-in filters: the event type, the date range, the user (or service
 * principal) and application prefixes, the status; joined with `and`.
 */
export function signInFilter(f: SignInFilters, now: Date): { filter: string } | { problem: string } {
  const range = dateRangeClause('createdDateTime', f.range, now);
  if ('problem' in range) return range;
  const sp = f.view === 'servicePrincipal';
  return {
    filter: joinAnd([
      `signInEventTypes/any(t: t eq ${odataString(f.view)})`,
      range.clause,
      !sp && f.mine ? `userId eq ${odataString(f.mine)}` : null,
      startsWith(sp ? 'servicePrincipalName' : 'userPrincipalName', f.user),
      startsWith('appDisplayName', f.app),
      f.status === 'success' ? 'status/errorCode eq 0' : f.status === 'failure' ? 'status/errorCode ne 0' : null,
    ]),
  };
}

/** `GET /beta/auditLogs/signIns?$filter=…&$top=…` (beta: the only version with the non-interactive and service principal sign-ins). */
export function signInsUrl(f: SignInFilters, now: Date, top = PAGE_SIZE): string | null {
  const r = signInFilter(f, now);
  return 'problem' in r ? null : listUrl(SIGN_INS_PATH, r.filter, top);
}

export interface SignIn {
  id: string;
  createdDateTime: string;
  userDisplayName?: string | null;
  userPrincipalName?: string | null;
  userId?: string | null;
  appDisplayName?: string | null;
  appId?: string | null;
  ipAddress?: string | null;
  clientAppUsed?: string | null;
  correlationId?: string | null;
  resourceDisplayName?: string | null;
  resourceId?: string | null;
  servicePrincipalId?: string | null;
  servicePrincipalName?: string | null;
  clientCredentialType?: string | null;
  status?: { errorCode?: number | null; failureReason?: string | null; additionalDetails?: string | null } | null;
  location?: { city?: string | null; state?: string | null; countryOrRegion?: string | null } | null;
  deviceDetail?: { browser?: string | null; operatingSystem?: string | null; deviceId?: string | null; displayName?: string | null } | null;
  [key: string]: unknown;
}

export const succeeded = (s: SignIn) => (s.status?.errorCode ?? 0) === 0;
export const locationText = (s: SignIn) => [s.location?.city, s.location?.state, s.location?.countryOrRegion].filter((p) => p).join(', ');
const dash = (v: string | null | undefined) => (v ? v : '—');

function StatusBadge({ signIn }: { signIn: SignIn }) {
  return succeeded(signIn)
    ? <Badge appearance="tint" color="success">Success</Badge>
    : <Badge appearance="tint" color="danger">Failure</Badge>;
}

/** Sign-in logs: the tenant's sign-ins (GET /beta/auditLogs/signIns), filtered, paged, with details and downloads. */
export function SignInLogsPage() {
  const styles = useLogPageStyles();
  const { account } = useTenant();
  const { draft, setDraft, applied, problem, clearProblem, apply, submit, refresh: refreshWith } = useLogFilters<SignInFilters>(DEFAULT_SIGN_IN_FILTERS);
  const [open, setOpen] = useState(false);
  const [record, setRecord] = useState<SignIn | null>(null);

  const now = new Date(applied.at);
  const url = signInsUrl(applied.filters, now);
  const list = usePagedList<SignIn>(url);
  const download = useLogDownload({ url: signInsUrl(applied.filters, now, 1000), prefix: 'SignInLogs', what: 'sign-in logs' });
  const sp = applied.filters.view === 'servicePrincipal';

  const refresh = () => refreshWith(list.reload);
  const openRecord = (s: SignIn) => {
    setRecord(s);
    setOpen(true);
  };

  const columns: LogColumn<SignIn>[] = [
    { key: 'date', header: 'Date', cell: (s) => <time className={styles.nowrap} dateTime={s.createdDateTime}>{formatLogTime(s.createdDateTime)}</time> },
    sp
      ? { key: 'sp', header: 'Service principal', cell: (s) => dash(s.servicePrincipalName ?? s.appDisplayName) }
      : { key: 'user', header: 'User', cell: (s) => dash(s.userPrincipalName ?? s.userDisplayName) },
    { key: 'app', header: 'Application', cell: (s) => dash(s.appDisplayName) },
    { key: 'status', header: 'Status', cell: (s) => <StatusBadge signIn={s} /> },
    { key: 'ip', header: 'IP address', cell: (s) => dash(s.ipAddress) },
    { key: 'location', header: 'Location', cell: (s) => dash(locationText(s)) },
  ];

  const roleError = list.error?.code === 'Authentication_RequestFromUnsupportedUserRole' && !sp && !applied.filters.mine && account.objectId;

  return (
    <Page
      title="Sign-in logs"
      subtitle="Sign-ins to the tenant's applications, newest first."
      actions={
        <>
          {download.menu}
          <Button icon={<ArrowClockwise20Regular />} onClick={refresh}>Refresh</Button>
        </>
      }
    >
      <div className={styles.tabs}>
        <TabList
          selectedValue={draft.view}
          onTabSelect={(_e, d) => apply({ ...draft, view: d.value as SignInView })}
          aria-label="Sign-in type"
        >
          {SIGN_IN_VIEWS.map((v) => <Tab key={v.value} value={v.value}>{v.label}</Tab>)}
        </TabList>
      </div>

      <form className={styles.filters} onSubmit={submit} aria-label="Filters" noValidate>
        <div className={styles.field}>
          <DateRangeFilter
            value={draft.range}
            problem={problem}
            onChange={(range) => { setDraft({ ...draft, range }); clearProblem(); }}
            onPreset={(range) => apply({ ...draft, range })}
          />
        </div>
        <Field label={draft.view === 'servicePrincipal' ? 'Service principal' : 'User'} className={styles.field}
          hint={draft.view === 'servicePrincipal' ? 'Name starts with' : 'User principal name starts with'}>
          <Input value={draft.user} onChange={(_e, d) => setDraft({ ...draft, user: d.value })} />
        </Field>
        <Field label="Application" className={styles.field} hint="Display name starts with">
          <Input value={draft.app} onChange={(_e, d) => setDraft({ ...draft, app: d.value })} />
        </Field>
        <Field label="Status" className={styles.field}>
          <Select value={draft.status} onChange={(_e, d) => apply({ ...draft, status: d.value as StatusFilter })}>
            <option value="all">All</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </Select>
        </Field>
        <Button type="submit" appearance="primary" icon={<Filter20Regular />}>Apply</Button>
      </form>

      {applied.filters.mine && !sp ? (
        <MessageBar intent="info">
          <MessageBarBody>
            Showing only your own sign-ins.{' '}
            <Link as="button" onClick={() => apply({ ...draft, mine: undefined })}>Show everyone&apos;s</Link>
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {download.status}
      {list.error ? (
        <LogErrorBar
          error={list.error}
          what="sign-in logs"
          actions={roleError ? <Button onClick={() => apply({ ...draft, mine: account.objectId })}>Show my sign-ins</Button> : undefined}
        />
      ) : null}
      {list.loading ? <Loading label="Loading sign-ins…" /> : null}
      {!list.loading && !list.error ? (
        <>
          {list.items.length > 0 ? (
            <LogTable<SignIn>
              label="Sign-ins"
              columns={columns}
              items={list.items}
              rowKey={(s) => s.id}
              onOpen={openRecord}
              selectedKey={open ? record?.id : null}
            />
          ) : <Text>No sign-ins match the filters.</Text>}
          <LoadMore
            count={list.items.length}
            hasMore={list.hasMore}
            loadingMore={list.loadingMore}
            moreError={list.moreError}
            onLoadMore={list.loadMore}
            what="sign-in logs"
          />
        </>
      ) : null}

      <DetailDrawer open={open} title="Sign-in details" onClose={() => setOpen(false)}>
        {record ? <SignInDetails signIn={record} /> : null}
      </DetailDrawer>
    </Page>
  );
}

function SignInDetails({ signIn: s }: { signIn: SignIn }) {
  const styles = useLogPageStyles();
  const ok = succeeded(s);
  const basics: Property[] = [
    { label: 'Date', value: formatLogTime(s.createdDateTime) },
    { label: 'Request ID', value: s.id, copy: s.id, mono: true },
    { label: 'Correlation ID', value: dash(s.correlationId), copy: s.correlationId ?? undefined, mono: true },
    { label: 'Status', value: ok ? 'Success' : 'Failure' },
    { label: 'Sign-in error code', value: String(s.status?.errorCode ?? 0) },
    { label: 'Failure reason', value: ok ? '—' : dash(s.status?.failureReason) },
    { label: 'User', value: dash(s.userDisplayName) },
    { label: 'Username', value: dash(s.userPrincipalName) },
    { label: 'User ID', value: dash(s.userId), copy: s.userId ?? undefined, mono: true },
    { label: 'Application', value: dash(s.appDisplayName) },
    { label: 'Application ID', value: dash(s.appId), copy: s.appId ?? undefined, mono: true },
    { label: 'Service principal name', value: dash(s.servicePrincipalName) },
    { label: 'Service principal ID', value: dash(s.servicePrincipalId), copy: s.servicePrincipalId ?? undefined, mono: true },
    { label: 'Client credential type', value: dash(s.clientCredentialType) },
    { label: 'Resource', value: dash(s.resourceDisplayName) },
    { label: 'Client app', value: dash(s.clientAppUsed) },
    { label: 'IP address', value: dash(s.ipAddress), copy: s.ipAddress ?? undefined },
    { label: 'Location', value: dash(locationText(s)) },
    { label: 'Browser', value: dash(s.deviceDetail?.browser) },
    { label: 'Operating system', value: dash(s.deviceDetail?.operatingSystem) },
  ];
  return (
    <>
      <section className={styles.section} aria-label="Basic info">
        <Subtitle2 as="h3">Basic info</Subtitle2>
        <PropertyList items={basics} />
      </section>
      <section className={styles.section} aria-label="All properties">
        <Subtitle2 as="h3">All properties</Subtitle2>
        <JsonProperties record={s} />
      </section>
    </>
  );
}
