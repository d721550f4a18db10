import {
  Badge,
  Button,
  Combobox,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Option,
  Spinner,
  Subtitle2,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from '@fluentui/react-components';
import { Stethoscope20Regular } from '@fluentui/react-icons';
import { useRef, useState, type FormEvent } from 'react';
import { CopyButton } from '../components/CopyButton';
import { Page } from '../components/Page';
import { useTenant } from '../context';
import { GraphError, graph, graphRequest, toGraphError, type Application } from '../graph';
import { useLoad } from '../hooks';

// ---------------------------------------------------------------- GET /tenantry/doctor

/** One prerequisite, as `GET /tenantry/doctor` reports it (src/reporting/doctor.ts). */
export interface DoctorStep {
  id: string;
  title: string;
  /** the prerequisite holds */
  ok: boolean;
  /** not evaluated because a step it depends on failed (ok is then false) */
  skipped: boolean;
  detail: string;
  /** for a failed step: the tenantry command or Graph call that fixes it (lines separated by \n) */
  fix?: string;
}

export interface DoctorReport {
  tenant: string;
  clientId: string;
  user?: string;
  ok: boolean;
  steps: DoctorStep[];
}

/**
 * `GET /tenantry/doctor?clientId=<appId>[&user=<upn>]` with the signed-in user's Graph token (the
 * tenant is the token's, never a parameter), through graph.ts: a 401 refreshes the token and retries once.
 */
export async function fetchDoctorReport(clientId: string, user?: string): Promise<DoctorReport> {
  const q = new URLSearchParams({ clientId });
  if (user) q.set('user', user);
  const report = await graphRequest<DoctorReport>('GET', `/tenantry/doctor?${q.toString()}`);
  if (!report || !Array.isArray(report.steps)) throw new GraphError(0, 'ClientError', 'The doctor answered without a list of steps.');
  return report;
}

// ---------------------------------------------------------------- helpers

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The client id to check: the chosen application's, a typed GUID, or the app whose display name was typed exactly. */
export function resolveClientId(text: string, chosenAppId: string | null, apps: readonly Application[]): string | null {
  if (chosenAppId) return chosenAppId;
  const t = text.trim();
  if (GUID.test(t)) return t.toLowerCase();
  const named = apps.filter((a) => a.displayName.toLowerCase() === t.toLowerCase());
  return named.length === 1 ? named[0]!.appId : null;
}

/** "All prerequisites are met" / "1 prerequisite is missing" / "N prerequisites are missing". */
export function doctorSummary(report: DoctorReport): string {
  const missing = report.steps.filter((s) => !s.ok && !s.skipped).length;
  if (report.ok || (missing === 0 && report.steps.every((s) => s.ok))) return 'All prerequisites are met';
  return missing === 1 ? '1 prerequisite is missing' : `${missing} prerequisites are missing`;
}

function describeDoctorError(e: GraphError): string {
  if (e.status === 403) return "Your account can't run the doctor: it needs Global Administrator, Global Reader, Application Administrator or Cloud Application Administrator.";
  if (e.status === 400) return 'The server refused the input.';
  if (e.status === 401) return 'Your session has ended. Sign in again.';
  return 'The checks could not be run.';
}

// ---------------------------------------------------------------- the page

const useStyles = makeStyles({
  form: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  field: { flex: '1 1 260px', maxWidth: '420px', minWidth: '0', '@media (max-width: 480px)': { maxWidth: 'none' } },
  combo: { width: '100%', minWidth: '0' },
  option: { display: 'flex', flexDirection: 'column', minWidth: '0' },
  optionId: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground3 },
  hint: { color: tokens.colorNeutralForeground3 },
  detail: { display: 'block', marginTop: tokens.spacingVerticalXS, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  code: { fontFamily: tokens.fontFamilyMonospace },
  heading: { display: 'block', margin: `${tokens.spacingVerticalL} 0 ${tokens.spacingVerticalS}` },
  list: { listStyleType: 'none', margin: '0', padding: '0', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  step: {
    display: 'grid',
    gridTemplateColumns: '28px 1fr',
    columnGap: tokens.spacingHorizontalS,
    padding: tokens.spacingVerticalS,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  mark: { fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold, textAlign: 'center' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  bad: { color: tokens.colorPaletteRedForeground1 },
  skipped: { color: tokens.colorNeutralForeground3 },
  stepBody: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, minWidth: '0' },
  stepTitle: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  stepDetail: { overflowWrap: 'anywhere' },
  fix: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalXS, minWidth: '0' },
  fixText: {
    flexGrow: 1,
    minWidth: '0',
    margin: '0',
    padding: tokens.spacingVerticalS,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
});

/** Doctor: checks the reporting API's prerequisites for an application (and optionally a user) in this tenant. */
export function DoctorPage() {
  const styles = useStyles();
  const tenant = useTenant();
  const apps = useLoad('applications', graph.applications);
  const [appText, setAppText] = useState('');
  const [chosenAppId, setChosenAppId] = useState<string | null>(null);
  const [user, setUser] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<GraphError | null>(null);
  const runId = useRef(0);

  const all = [...(apps.data ?? [])].sort((a, b) => a.displayName.localeCompare(b.displayName));
  const needle = appText.trim().toLowerCase();
  const chosen = all.find((a) => a.appId === chosenAppId);
  const options = chosen && chosen.displayName === appText
    ? all
    : all.filter((a) => !needle || a.displayName.toLowerCase().includes(needle) || a.appId.toLowerCase().startsWith(needle));

  const run = async (e: FormEvent) => {
    e.preventDefault();
    const clientId = resolveClientId(appText, chosenAppId, all);
    if (!clientId) {
      setProblem(appText.trim()
        ? 'Choose an application from the list, or enter an application (client) ID: a GUID such as 00000000-0000-0000-0000-000000000000.'
        : 'Choose an application, or enter its application (client) ID.');
      return;
    }
    const upn = user.trim();
    if (upn && (/\s/.test(upn) || !upn.includes('@'))) {
      setProblem('Enter the user as a user principal name (name@domain), or leave it empty.');
      return;
    }
    setProblem(null);
    const id = ++runId.current;
    setRunning(true);
    setError(null);
    try {
      const r = await fetchDoctorReport(clientId, upn || undefined);
      if (id === runId.current) setReport(r);
    } catch (err) {
      if (id === runId.current) {
        setReport(null);
        setError(toGraphError(err));
      }
    } finally {
      if (id === runId.current) setRunning(false);
    }
  };

  return (
    <Page
      title="Doctor"
      subtitle={`Checks what an application (and optionally a user) needs to read the activity logs through the reporting API in ${tenant.tenantName}.`}
    >
      <form className={styles.form} onSubmit={(e) => { void run(e); }} noValidate aria-label="Doctor checks">
        <Field
          label="Application"
          className={styles.field}
          hint="Choose a registered application, or type any application (client) ID."
          validationMessage={problem ?? undefined}
          validationState={problem ? 'error' : 'none'}
        >
          <Combobox
            className={styles.combo}
            freeform
            placeholder="Select an application or type a client ID"
            value={appText}
            selectedOptions={chosenAppId ? [chosenAppId] : []}
            onChange={(ev) => { setAppText(ev.target.value); setChosenAppId(null); setProblem(null); }}
            onOptionSelect={(_ev, d) => {
              setChosenAppId(d.optionValue ?? null);
              setAppText(d.optionText ?? '');
              setProblem(null);
            }}
          >
            {options.map((a) => (
              <Option key={a.appId} value={a.appId} text={a.displayName}>
                <span className={styles.option}>
                  <span>{a.displayName}</span>
                  <span className={styles.optionId}>{a.appId}</span>
                </span>
              </Option>
            ))}
          </Combobox>
        </Field>
        <Field label="User" className={styles.field} hint="Optional: a user principal name, to check the delegated path. Empty: app-only (client credentials).">
          <Input type="text" value={user} onChange={(_e, d) => { setUser(d.value); setProblem(null); }} autoComplete="off" spellCheck={false} />
        </Field>
        <Button type="submit" appearance="primary" icon={running ? <Spinner size="tiny" /> : <Stethoscope20Regular />} disabled={running}>
          {running ? 'Running checks…' : 'Run checks'}
        </Button>
      </form>
      {apps.error ? (
        <Text className={styles.hint}>
          The application list could not be read ({apps.error.code}); type the application (client) ID instead.
        </Text>
      ) : null}

      {error ? (
        <MessageBar intent="error" layout="multiline" role="alert">
          <MessageBarBody>
            <MessageBarTitle>{describeDoctorError(error)}</MessageBarTitle>
            <small className={styles.detail}>
              <span className={styles.code}>{error.code}</span>
              {error.status > 0 ? ` (HTTP ${error.status})` : ''}: {error.message}
            </small>
          </MessageBarBody>
        </MessageBar>
      ) : null}

      {report ? <DoctorResult report={report} /> : null}
    </Page>
  );
}

function DoctorResult({ report }: { report: DoctorReport }) {
  const styles = useStyles();
  const skipped = report.steps.filter((s) => s.skipped).length;
  const summary = doctorSummary(report);
  const ok = summary === 'All prerequisites are met';
  return (
    <section aria-label="Results">
      <MessageBar intent={ok ? 'success' : 'warning'} layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{summary}</MessageBarTitle>
          <span className={styles.detail}>
            Application {report.clientId}{report.user ? `, user ${report.user}` : ' (app-only)'}, tenant {report.tenant}.
            {skipped > 0 ? ` ${skipped === 1 ? '1 check was' : `${skipped} checks were`} skipped because an earlier one failed.` : ''}
          </span>
        </MessageBarBody>
      </MessageBar>
      <Subtitle2 as="h2" className={styles.heading}>Checks</Subtitle2>
      <ol className={styles.list} aria-label="Checks">
        {report.steps.map((s) => <DoctorStepItem key={s.id} step={s} />)}
      </ol>
    </section>
  );
}

function DoctorStepItem({ step: s }: { step: DoctorStep }) {
  const styles = useStyles();
  const state = s.ok ? 'ok' : s.skipped ? 'skipped' : 'bad';
  const mark = state === 'ok' ? '✓' : state === 'bad' ? '✗' : '–';
  const word = state === 'ok' ? 'Met' : state === 'bad' ? 'Missing' : 'Skipped';
  const fixId = `doctor-fix-${s.id}`;
  return (
    <li className={styles.step}>
      <span className={mergeClasses(styles.mark, styles[state])} aria-hidden="true">{mark}</span>
      <div className={styles.stepBody}>
        <span className={styles.stepTitle}>
          <Text weight="semibold">{s.title}</Text>
          <Badge appearance="tint" color={state === 'ok' ? 'success' : state === 'bad' ? 'danger' : 'informative'}>{word}</Badge>
        </span>
        <Text className={styles.stepDetail}>{s.detail}</Text>
        {!s.ok && s.fix ? (
          <>
            <Text size={200} weight="semibold">Fix:</Text>
            <div className={styles.fix}>
              <pre id={fixId} className={styles.fixText}>{s.fix}</pre>
              <CopyButton value={s.fix} label={`fix for ${s.title}`} targetId={fixId} />
            </div>
          </>
        ) : null}
      </div>
    </li>
  );
}
