import {
  Badge,
  Button,
  Card,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Input,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Subtitle1,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, Delete20Regular, Dismiss20Regular } from '@fluentui/react-icons';
import { useId, useState, type FormEvent } from 'react';
import { CopyButton } from '../components/CopyButton';
import { CopyCell } from '../components/CopyCell';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { formatDate, isExpired } from '../format';
import { graph, toGraphError, type Application, type GraphError, type PasswordCredential } from '../graph';

const DAY_MS = 24 * 3600 * 1000;
export const EXPIRY_OPTIONS = [
  { value: '180', label: 'Recommended: 180 days (6 months)' },
  { value: '365', label: '365 days (12 months)' },
  { value: '545', label: '545 days (18 months)' },
  { value: '730', label: '730 days (24 months)' },
  { value: 'custom', label: 'Custom' },
] as const;
const MAX_CUSTOM_DAYS = 730;

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  toolbar: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  hint: { color: tokens.colorNeutralForeground3 },
  secretRow: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, marginTop: tokens.spacingVerticalS, flexWrap: 'wrap' },
  secretInput: { flex: '1 1 280px', minWidth: '0', fontFamily: tokens.fontFamilyMonospace },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  dates: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  desc: { display: 'inline-flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The start and end of a new secret, or why the custom dates are not acceptable. */
export function secretValidity(expires: string, start: string, end: string, now = new Date()): { start?: string; end: string } | { problem: string } {
  if (expires !== 'custom') {
    const days = Number(expires);
    return { end: new Date(now.getTime() + days * DAY_MS).toISOString() };
  }
  const today = localDate(now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) return { problem: 'Enter a start and an end date.' };
  if (start < today) return { problem: 'The start date cannot be in the past.' };
  const startMs = start === today ? now.getTime() : new Date(`${start}T00:00:00`).getTime();
  const endMs = new Date(`${end}T23:59:59`).getTime();
  if (!(endMs > startMs)) return { problem: 'The end date must be after the start date.' };
  if (endMs - new Date(`${start}T00:00:00`).getTime() > (MAX_CUSTOM_DAYS + 1) * DAY_MS) return { problem: 'A client secret can be valid for at most 24 months.' };
  return { ...(start === today ? {} : { start: new Date(startMs).toISOString() }), end: new Date(endMs).toISOString() };
}

/** Certificates & secrets: the client secrets of an app (addPassword / removePassword). */
export function AppSecrets({ app, reload }: { app: Application; reload: () => void }) {
  const styles = useStyles();
  const secretInputId = useId();
  const [created, setCreated] = useState<PasswordCredential | null>(null);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<PasswordCredential | null>(null);
  const [error, setError] = useState<GraphError | null>(null);

  // the new secret stays listed (with its value) even before the reload brings it
  const creds = [...app.passwordCredentials];
  if (created && !creds.some((c) => c.keyId === created.keyId)) creds.push(created);
  creds.sort((a, b) => Date.parse(b.startDateTime) - Date.parse(a.startDateTime));

  return (
    <Card className={styles.card}>
      <Subtitle1 as="h2">Client secrets</Subtitle1>
      <Text className={styles.hint}>
        A secret string that the application uses to prove its identity when requesting a token. Also can be referred to as application password.
      </Text>
      {created?.secretText ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Copy the new client secret value. You won&apos;t be able to retrieve it after you leave this page.</MessageBarTitle>
            <div className={styles.secretRow}>
              <Input id={secretInputId} className={styles.secretInput} readOnly value={created.secretText} aria-label="New client secret value" />
              <CopyButton value={created.secretText} label="client secret value" targetId={secretInputId} />
            </div>
          </MessageBarBody>
          <MessageBarActions containerAction={<Button appearance="transparent" aria-label="Dismiss" icon={<Dismiss20Regular />} onClick={() => setCreated(null)} />} />
        </MessageBar>
      ) : null}
      {error ? <GraphErrorBar error={error} /> : null}
      <div className={styles.toolbar}>
        <Button icon={<Add20Regular />} onClick={() => { setError(null); setAdding(true); }}>New client secret</Button>
      </div>
      {creds.length === 0 ? (
        <Text>No client secrets have been created for this application.</Text>
      ) : (
        <DataTable<PasswordCredential>
          label="Client secrets"
          items={creds}
          rowKey={(c) => c.keyId}
          columns={[
            {
              key: 'description', header: 'Description', cell: (c) => (
                <span className={styles.desc}>
                  {c.displayName || '—'}
                  {isExpired(c.endDateTime) ? <Badge appearance="filled" color="danger">Expired</Badge> : null}
                </span>
              ),
            },
            { key: 'expires', header: 'Expires', cell: (c) => formatDate(c.endDateTime) },
            {
              key: 'value', header: 'Value', cell: (c) => (
                created?.secretText && created.keyId === c.keyId
                  ? <CopyCell value={created.secretText} label={`value of client secret ${c.displayName ?? c.keyId}`} mono />
                  : <span className={styles.mono}>{`${c.hint ?? ''}****************`}</span>
              ),
            },
            { key: 'keyId', header: 'Secret ID', cell: (c) => <CopyCell value={c.keyId} label={`secret ID of ${c.displayName ?? c.keyId}`} mono /> },
            {
              key: 'delete', header: 'Actions', cell: (c) => (
                <Button
                  appearance="subtle"
                  icon={<Delete20Regular />}
                  aria-label={`Delete client secret ${c.displayName || c.keyId}`}
                  onClick={() => { setError(null); setRemoving(c); }}
                />
              ),
            },
          ]}
        />
      )}
      <NewSecretDialog
        open={adding}
        app={app}
        onClose={() => setAdding(false)}
        onAdded={(c) => { setCreated(c); setAdding(false); reload(); }}
      />
      <RemoveSecretDialog
        credential={removing}
        app={app}
        onClose={() => setRemoving(null)}
        onRemoved={(keyId) => {
          setRemoving(null);
          if (created?.keyId === keyId) setCreated(null);
          reload();
        }}
        onError={(e) => { setRemoving(null); setError(e); }}
      />
    </Card>
  );
}

function NewSecretDialog({ open, app, onClose, onAdded }: { open: boolean; app: Application; onClose: () => void; onAdded: (c: PasswordCredential) => void }) {
  const styles = useStyles();
  const today = localDate(new Date());
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState<string>('180');
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const reset = () => {
    setDescription('');
    setExpires('180');
    setStart(localDate(new Date()));
    setEnd('');
    setError(null);
    setProblem(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const validity = secretValidity(expires, start, end);
    if ('problem' in validity) {
      setProblem(validity.problem);
      return;
    }
    setProblem(null);
    setBusy(true);
    setError(null);
    try {
      const c = await graph.addPassword(app.id, {
        displayName: description.trim() || null,
        ...(validity.start ? { startDateTime: validity.start } : {}),
        endDateTime: validity.end,
      });
      reset();
      onAdded(c);
    } catch (err) {
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_e, d) => { if (!d.open && !busy) { reset(); onClose(); } }}>
      <DialogSurface>
        <form onSubmit={(e) => { void submit(e); }} noValidate>
          <DialogBody>
            <DialogTitle>Add a client secret</DialogTitle>
            <DialogContent className={styles.form}>
              <Field label="Description">
                <Input value={description} onChange={(_e, d) => setDescription(d.value)} maxLength={256} />
              </Field>
              <Field label="Expires">
                <Select value={expires} onChange={(_e, d) => setExpires(d.value)}>
                  {EXPIRY_OPTIONS.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                </Select>
              </Field>
              {expires === 'custom' ? (
                <div className={styles.dates}>
                  <Field label="Start">
                    <Input type="date" value={start} min={today} onChange={(_e, d) => setStart(d.value)} />
                  </Field>
                  <Field label="End">
                    <Input type="date" value={end} min={start || today} onChange={(_e, d) => setEnd(d.value)} />
                  </Field>
                </div>
              ) : null}
              {problem ? (
                <MessageBar intent="error"><MessageBarBody>{problem}</MessageBarBody></MessageBar>
              ) : null}
              {error ? <GraphErrorBar error={error} title="The client secret could not be added." /> : null}
            </DialogContent>
            <DialogActions>
              <Button type="submit" appearance="primary" disabled={busy}>{busy ? 'Adding…' : 'Add'}</Button>
              <DialogTrigger disableButtonEnhancement>
                <Button disabled={busy}>Cancel</Button>
              </DialogTrigger>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

function RemoveSecretDialog({ credential, app, onClose, onRemoved, onError }: {
  credential: PasswordCredential | null;
  app: Application;
  onClose: () => void;
  onRemoved: (keyId: string) => void;
  onError: (e: GraphError) => void;
}) {
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    if (!credential || busy) return;
    setBusy(true);
    try {
      await graph.removePassword(app.id, credential.keyId);
      onRemoved(credential.keyId);
    } catch (err) {
      onError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={credential !== null} onOpenChange={(_e, d) => { if (!d.open && !busy) onClose(); }}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Delete client secret</DialogTitle>
          <DialogContent>
            Do you want to delete the client secret {credential?.displayName ? `"${credential.displayName}"` : ''} ({credential?.keyId})?
            Applications that use it will no longer be able to get tokens with it.
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={() => { void remove(); }} disabled={busy}>{busy ? 'Deleting…' : 'Delete'}</Button>
            <DialogTrigger disableButtonEnhancement>
              <Button disabled={busy}>Cancel</Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
