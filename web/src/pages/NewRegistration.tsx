import { Button, Field, Input, Link, Radio, RadioGroup, Select, Subtitle2, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { GraphErrorBar } from '../components/ErrorBar';
import { Page } from '../components/Page';
import { setFlash, useTenant } from '../context';
import { graph, toGraphError, type GraphError, type NewApplication, type Platform } from '../graph';
import { href, navigate } from '../router';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '720px' },
  fieldset: {
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalL,
    margin: '0',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  platform: { flex: '0 1 260px', minWidth: '200px' },
  uri: { flex: '1 1 300px', minWidth: '0' },
  hint: { color: tokens.colorNeutralForeground3 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});

export const PLATFORMS: { value: Platform; label: string }[] = [
  { value: 'web', label: 'Web' },
  { value: 'spa', label: 'Single-page application' },
  { value: 'publicClient', label: 'Public client/native (mobile & desktop)' },
];

/** The rules the directory applies to redirect URIs, checked before the request. */
export function redirectUriProblem(uri: string, platform: Platform): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'The redirect URI must be an absolute URI, e.g. https://example.com/auth.';
  }
  if (u.hash || uri.includes('#')) return 'The redirect URI must not contain a fragment (#).';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') {
    return ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? null : 'The redirect URI must use https (http is allowed for localhost only).';
  }
  if (platform !== 'publicClient') return 'The redirect URI must use https (custom schemes are for public client/native apps).';
  return ['javascript:', 'data:', 'file:', 'vbscript:'].includes(u.protocol) ? `The scheme ${u.protocol} is not allowed.` : null;
}

/** "Register an application": the app registration, then its enterprise application (service principal). */
export function NewRegistrationPage() {
  const styles = useStyles();
  const t = useTenant();
  const [name, setName] = useState('');
  const [audience, setAudience] = useState<NewApplication['signInAudience']>('AzureADMyOrg');
  const [platform, setPlatform] = useState<Platform>('web');
  const [uri, setUri] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [uriBlurred, setUriBlurred] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);

  const nameProblem = name.trim() === '' ? 'Enter a name for the application.' : name.trim().length > 256 ? 'The name can have at most 256 characters.' : null;
  const uriProblem = uri.trim() === '' ? null : redirectUriProblem(uri.trim(), platform);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (nameProblem || uriProblem || busy) return;
    setBusy(true);
    setError(null);
    try {
      const displayName = name.trim();
      const app = await graph.createApplication({
        displayName,
        signInAudience: audience,
        ...(uri.trim() ? { platform, redirectUri: uri.trim() } : {}),
      });
      try {
        await graph.createServicePrincipal(app.appId);
        setFlash(`apps/${app.id}`, { intent: 'success', title: `Successfully registered ${displayName}.` });
      } catch (spErr) {
        const g = toGraphError(spErr);
        setFlash(`apps/${app.id}`, {
          intent: 'warning',
          title: `${displayName} was registered, but its enterprise application (service principal) could not be created.`,
          text: `${g.code}: ${g.message}`,
        });
      }
      navigate(`/apps/${encodeURIComponent(app.id)}`);
    } catch (err) {
      setError(toGraphError(err));
      setBusy(false);
    }
  };

  return (
    <Page
      title="Register an application"
      breadcrumb={<Text><Link href={href('apps')}>App registrations</Link> &rsaquo; Register an application</Text>}
    >
      {error ? <GraphErrorBar error={error} title="The application could not be registered." /> : null}
      <form className={styles.form} onSubmit={(e) => { void submit(e); }} noValidate>
        <Field
          label="Name"
          hint="The user-facing display name for this application (this can be changed later)."
          validationMessage={submitted ? nameProblem ?? undefined : undefined}
        >
          <Input value={name} onChange={(_e, d) => setName(d.value)} required maxLength={256} />
        </Field>
        <Field label="Supported account types">
          <RadioGroup value={audience} onChange={(_e, d) => setAudience(d.value as NewApplication['signInAudience'])}>
            <Radio value="AzureADMyOrg" label={`Accounts in this organizational directory only (${t.tenantName} only - Single tenant)`} />
            <Radio value="AzureADMultipleOrgs" label="Accounts in any organizational directory (Any Microsoft Entra ID tenant - Multitenant)" />
          </RadioGroup>
        </Field>
        <fieldset className={styles.fieldset}>
          <legend><Subtitle2>Redirect URI (optional)</Subtitle2></legend>
          <Text className={styles.hint}>
            The authentication response is returned to this URI after a user signs in. It is optional now and can be changed later.
          </Text>
          <div className={styles.row}>
            <Field label="Platform" className={styles.platform}>
              <Select value={platform} onChange={(_e, d) => setPlatform(d.value as Platform)}>
                {PLATFORMS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
              </Select>
            </Field>
            <Field label="Redirect URI" className={styles.uri} validationMessage={submitted || uriBlurred ? uriProblem ?? undefined : undefined}>
              <Input type="url" value={uri} onChange={(_e, d) => setUri(d.value)} onBlur={() => setUriBlurred(true)} placeholder="e.g. https://example.com/auth" />
            </Field>
          </div>
        </fieldset>
        <div className={styles.actions}>
          <Button type="submit" appearance="primary" disabled={busy}>{busy ? 'Registering…' : 'Register'}</Button>
          <Button onClick={() => navigate('/apps')} disabled={busy}>Cancel</Button>
        </div>
      </form>
    </Page>
  );
}
