import { Badge, Button, Field, Input, Select, Subtitle2, Text } from '@fluentui/react-components';
import { ArrowClockwise20Regular, Filter20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { DataTable } from '../components/DataTable';
import { Loading, Page } from '../components/Page';
import { PropertyList, type Property } from '../components/PropertyList';
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

/** The directoryAudit categories (contract §2.4 and what Tenantry records). */
export const AUDIT_CATEGORIES = ['ApplicationManagement', 'DirectoryManagement', 'GroupManagement', 'Policy', 'RoleManagement', 'UserManagement'] as const;

export type AuditStatus = 'all' | 'success' | 'failure';

export interface AuditFilters {
  range: DateRange;
  /** '' for every category */
  category: string;
  /** activity display name prefix */
  activity: string;
  status: AuditStatus;
}

export const DEFAULT_AUDIT_FILTERS: AuditFilters = { range: DEFAULT_DATE_RANGE, category: '', activity: '', status: 'all' };
export const AUDITS_PATH = '/v1.0/auditLogs/directoryAudits';
const PAGE_SIZE = 50;

/** The `$filter` for the audit filters: date range, category, activity prefix, result; joined with `and`. */
export function auditFilter(f: AuditFilters, now: Date): { filter: string } | { problem: string } {
  const range = dateRangeClause('activityDateTime', f.range, now);
  if ('problem' in range) return range;
  return {
    filter: joinAnd([
      range.clause,
      f.category ? `category eq ${odataString(f.category)}` : null,
      startsWith('activityDisplayName', f.activity),
      f.status !== 'all' ? `result eq ${odataString(f.status)}` : null,
    ]),
  };
}

/** `GET /v1.0/auditLogs/directoryAudits?$filter=…&$top=…`. */
export function auditsUrl(f: AuditFilters, now: Date, top = PAGE_SIZE): string | null {
  const r = auditFilter(f, now);
  return 'problem' in r ? null : listUrl(AUDITS_PATH, r.filter, top);
}

export interface ModifiedProperty {
  displayName?: string | null;
  oldValue?: string | null;
  newValue?: string | null;
}

export interface TargetResource {
  id?: string | null;
  displayName?: string | null;
  type?: string | null;
  userPrincipalName?: string | null;
  modifiedProperties?: ModifiedProperty[] | null;
}

export interface DirectoryAudit {
  id: string;
  activityDateTime: string;
  activityDisplayName?: string | null;
  category?: string | null;
  correlationId?: string | null;
  loggedByService?: string | null;
  operationType?: string | null;
  result?: string | null;
  resultReason?: string | null;
  initiatedBy?: {
    user?: { id?: string | null; displayName?: string | null; userPrincipalName?: string | null; ipAddress?: string | null } | null;
    app?: { appId?: string | null; displayName?: string | null; servicePrincipalId?: string | null; servicePrincipalName?: string | null } | null;
  } | null;
  targetResources?: TargetResource[] | null;
  additionalDetails?: { key?: string | null; value?: string | null }[] | null;
  [key: string]: unknown;
}

const dash = (v: string | null | undefined) => (v ? v : '—');
const RESULTS: Record<string, string> = { success: 'Success', failure: 'Failure', timeout: 'Timeout' };
export const resultText = (r: string | null | undefined) => (r ? RESULTS[r] ?? r : '—');
/** Who did it: the user's UPN (or name), else the app's display name. */
export const initiatorText = (a: DirectoryAudit) =>
  a.initiatedBy?.user?.userPrincipalName || a.initiatedBy?.user?.displayName || a.initiatedBy?.app?.displayName || a.initiatedBy?.app?.servicePrincipalName || '—';

function ResultBadge({ result }: { result: string | null | undefined }) {
  const color = result === 'success' ? 'success' : result === 'failure' ? 'danger' : result === 'timeout' ? 'warning' : 'informative';
  return <Badge appearance="tint" color={color}>{resultText(result)}</Badge>;
}

/** Audit logs: the tenant's directory audits (GET /v1.0/auditLogs/directoryAudits), filtered, paged, with details and downloads. */
export function AuditLogsPage() {
  const styles = useLogPageStyles();
  const { draft, setDraft, applied, problem, clearProblem, apply, submit, refresh: refreshWith } = useLogFilters<AuditFilters>(DEFAULT_AUDIT_FILTERS);
  const [open, setOpen] = useState(false);
  const [record, setRecord] = useState<DirectoryAudit | null>(null);

  const now = new Date(applied.at);
  const list = usePagedList<DirectoryAudit>(auditsUrl(applied.filters, now));
  const download = useLogDownload({ url: auditsUrl(applied.filters, now, 1000), prefix: 'AuditLogs', what: 'audit logs' });

  const refresh = () => refreshWith(list.reload);

  const columns: LogColumn<DirectoryAudit>[] = [
    { key: 'date', header: 'Date', cell: (a) => <time className={styles.nowrap} dateTime={a.activityDateTime}>{formatLogTime(a.activityDateTime)}</time> },
    { key: 'service', header: 'Service', cell: (a) => dash(a.loggedByService) },
    { key: 'category', header: 'Category', cell: (a) => dash(a.category) },
    { key: 'activity', header: 'Activity', cell: (a) => dash(a.activityDisplayName) },
    { key: 'status', header: 'Status', cell: (a) => <ResultBadge result={a.result} /> },
    { key: 'initiatedBy', header: 'Initiated by', cell: (a) => initiatorText(a) },
  ];

  return (
    <Page
      title="Audit logs"
      subtitle="Changes to the directory: users, applications, roles, policies. Newest first."
      actions={
        <>
          {download.menu}
          <Button icon={<ArrowClockwise20Regular />} onClick={refresh}>Refresh</Button>
        </>
      }
    >
      <form className={styles.filters} onSubmit={submit} aria-label="Filters" noValidate>
        <div className={styles.field}>
          <DateRangeFilter
            value={draft.range}
            problem={problem}
            onChange={(range) => { setDraft({ ...draft, range }); clearProblem(); }}
            onPreset={(range) => apply({ ...draft, range })}
          />
        </div>
        <Field label="Category" className={styles.field}>
          <Select value={draft.category} onChange={(_e, d) => apply({ ...draft, category: d.value })}>
            <option value="">All</option>
            {AUDIT_CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
          </Select>
        </Field>
        <Field label="Activity" className={styles.field} hint="Activity name starts with (case-sensitive)">
          <Input value={draft.activity} onChange={(_e, d) => setDraft({ ...draft, activity: d.value })} />
        </Field>
        <Field label="Status" className={styles.field}>
          <Select value={draft.status} onChange={(_e, d) => apply({ ...draft, status: d.value as AuditStatus })}>
            <option value="all">All</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </Select>
        </Field>
        <Button type="submit" appearance="primary" icon={<Filter20Regular />}>Apply</Button>
      </form>

      {download.status}
      {list.error ? <LogErrorBar error={list.error} what="audit logs" /> : null}
      {list.loading ? <Loading label="Loading audit logs…" /> : null}
      {!list.loading && !list.error ? (
        <>
          {list.items.length > 0 ? (
            <LogTable<DirectoryAudit>
              label="Audit logs"
              columns={columns}
              items={list.items}
              rowKey={(a) => a.id}
              onOpen={(a) => { setRecord(a); setOpen(true); }}
              selectedKey={open ? record?.id : null}
            />
          ) : <Text>No audit records match the filters.</Text>}
          <LoadMore
            count={list.items.length}
            hasMore={list.hasMore}
            loadingMore={list.loadingMore}
            moreError={list.moreError}
            onLoadMore={list.loadMore}
            what="audit logs"
          />
        </>
      ) : null}

      <DetailDrawer open={open} title="Audit log details" onClose={() => setOpen(false)}>
        {record ? <AuditDetails audit={record} /> : null}
      </DetailDrawer>
    </Page>
  );
}

/** Labels made unique (a repeated key gets " (2)", " (3)", …), as PropertyList keys its rows by label. */
function uniqueLabels(items: Property[]): Property[] {
  const seen = new Map<string, number>();
  return items.map((p) => {
    const n = (seen.get(p.label) ?? 0) + 1;
    seen.set(p.label, n);
    return n === 1 ? p : { ...p, label: `${p.label} (${n})` };
  });
}

function AuditDetails({ audit: a }: { audit: DirectoryAudit }) {
  const styles = useLogPageStyles();
  const user = a.initiatedBy?.user;
  const app = a.initiatedBy?.app;
  const activity: Property[] = [
    { label: 'Date', value: formatLogTime(a.activityDateTime) },
    { label: 'Activity', value: dash(a.activityDisplayName) },
    { label: 'Category', value: dash(a.category) },
    { label: 'Service', value: dash(a.loggedByService) },
    { label: 'Operation type', value: dash(a.operationType) },
    { label: 'Status', value: resultText(a.result) },
    { label: 'Status reason', value: dash(a.resultReason) },
    { label: 'Correlation ID', value: dash(a.correlationId), copy: a.correlationId ?? undefined, mono: true },
    { label: 'Activity ID', value: a.id, copy: a.id, mono: true },
  ];
  const initiator: Property[] = user ? [
    { label: 'Type', value: 'User' },
    { label: 'Display name', value: dash(user.displayName) },
    { label: 'User principal name', value: dash(user.userPrincipalName) },
    { label: 'Object ID', value: dash(user.id), copy: user.id ?? undefined, mono: true },
    { label: 'IP address', value: dash(user.ipAddress) },
  ] : app ? [
    { label: 'Type', value: 'Application' },
    { label: 'Display name', value: dash(app.displayName) },
    { label: 'Application ID', value: dash(app.appId), copy: app.appId ?? undefined, mono: true },
    { label: 'Service principal ID', value: dash(app.servicePrincipalId), copy: app.servicePrincipalId ?? undefined, mono: true },
    { label: 'Service principal name', value: dash(app.servicePrincipalName) },
  ] : [{ label: 'Type', value: '—' }];
  const targets = a.targetResources ?? [];
  const details = uniqueLabels((a.additionalDetails ?? []).map((d) => ({ label: d.key || '(no key)', value: dash(d.value) })));

  return (
    <>
      <section className={styles.section} aria-label="Activity">
        <Subtitle2 as="h3">Activity</Subtitle2>
        <PropertyList items={activity} />
      </section>
      <section className={styles.section} aria-label="Initiated by">
        <Subtitle2 as="h3">Initiated by (actor)</Subtitle2>
        <PropertyList items={initiator} />
      </section>
      <section className={styles.section} aria-label="Target(s)">
        <Subtitle2 as="h3">Target(s)</Subtitle2>
        {targets.length === 0 ? <Text>None</Text> : targets.map((t, i) => <TargetDetails key={`${t.id ?? ''}-${i}`} target={t} index={i} />)}
      </section>
      <section className={styles.section} aria-label="Additional details">
        <Subtitle2 as="h3">Additional details</Subtitle2>
        {details.length === 0 ? <Text>None</Text> : <PropertyList items={details} />}
      </section>
      <section className={styles.section} aria-label="All properties">
        <Subtitle2 as="h3">All properties</Subtitle2>
        <JsonProperties record={a} />
      </section>
    </>
  );
}

function TargetDetails({ target: t, index }: { target: TargetResource; index: number }) {
  const styles = useLogPageStyles();
  const name = t.displayName || t.userPrincipalName || t.id || `Target ${index + 1}`;
  const mods = (t.modifiedProperties ?? []).map((m, i) => ({ ...m, key: String(i) }));
  return (
    <div className={styles.section}>
      <PropertyList
        items={[
          { label: 'Display name', value: dash(t.displayName) },
          { label: 'Type', value: dash(t.type) },
          { label: 'Object ID', value: dash(t.id), copy: t.id ?? undefined, mono: true },
          ...(t.userPrincipalName ? [{ label: 'User principal name', value: t.userPrincipalName }] : []),
        ]}
      />
      {mods.length > 0 ? (
        <DataTable
          label={`Modified properties of ${name}`}
          items={mods}
          rowKey={(m) => m.key}
          columns={[
            { key: 'property', header: 'Property', cell: (m) => dash(m.displayName) },
            { key: 'old', header: 'Old value', cell: (m) => <span className={styles.mono}>{dash(m.oldValue)}</span> },
            { key: 'new', header: 'New value', cell: (m) => <span className={styles.mono}>{dash(m.newValue)}</span> },
          ]}
        />
      ) : <Text className={styles.muted}>No modified properties.</Text>}
    </div>
  );
}
