import {
  Button,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Select,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { GraphErrorBar } from '../components/ErrorBar';
import { OneTimePassword } from '../components/OneTimePassword';
import { Loading, Page } from '../components/Page';
import { directory, generatePassword, passwordProblem, upnNameProblem, type DirectoryUser } from '../directory';
import { toGraphError, type GraphError } from '../graph';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '720px' },
  upn: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', gap: tokens.spacingHorizontalS },
  upnName: { flex: '1 1 180px', minWidth: '0' },
  at: { color: tokens.colorNeutralForeground2, paddingTop: '30px', '@media (max-width: 479px)': { display: 'none' } },
  upnDomain: { flex: '1 1 200px', minWidth: '0' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  done: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '720px' },
});

type PasswordMode = 'auto' | 'manual';

/** The body of POST /v1.0/users for the form's values. */
export function newUserBody(v: { name: string; domain: string; displayName: string; password: string; accountEnabled: boolean }) {
  return {
    accountEnabled: v.accountEnabled,
    displayName: v.displayName.trim(),
    mailNickname: v.name.trim(),
    userPrincipalName: `${v.name.trim()}@${v.domain}`,
    passwordProfile: { password: v.password, forceChangePasswordNextSignIn: true },
  };
}

/** "Create new user" (`#/users/new`): POST /v1.0/users, then the password, shown this once. */
export function NewUserPage() {
  const styles = useStyles();
  const domains = useLoad('verifiedDomains', directory.verifiedDomains);
  const [name, setName] = useState('');
  const [domainChoice, setDomainChoice] = useState<string | null>(null);
  const [displayName, setDisplayName] = useState('');
  const [mode, setMode] = useState<PasswordMode>('auto');
  const [password, setPassword] = useState('');
  const [accountEnabled, setAccountEnabled] = useState(true);
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);
  const [created, setCreated] = useState<{ user: DirectoryUser; password: string } | null>(null);

  const domain = domainChoice ?? domains.data?.[0] ?? '';
  const nameProblem = upnNameProblem(name.trim());
  const domainProblem = domain === '' ? 'Choose a domain.' : null;
  const displayNameProblem = displayName.trim() === '' ? 'Enter a display name.' : displayName.trim().length > 256 ? 'The display name can have at most 256 characters.' : null;
  const manualProblem = mode === 'manual' ? passwordProblem(password) : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (busy || nameProblem || domainProblem || displayNameProblem || manualProblem) return;
    setBusy(true);
    setError(null);
    const pw = mode === 'auto' ? generatePassword() : password;
    try {
      const user = await directory.createUser(newUserBody({ name, domain, displayName, password: pw, accountEnabled }));
      setCreated({ user, password: pw });
      setPassword('');
    } catch (err) {
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setCreated(null);
    setName('');
    setDisplayName('');
    setPassword('');
    setMode('auto');
    setAccountEnabled(true);
    setSubmitted(false);
    setError(null);
  };

  const breadcrumb = <Text><Link href={href('users')}>Users</Link> &rsaquo; Create new user</Text>;

  if (created) {
    return (
      <Page title="Create new user" breadcrumb={breadcrumb}>
        <div className={styles.done}>
          <MessageBar intent="success" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>Created user {created.user.displayName}.</MessageBarTitle>
              {created.user.userPrincipalName}
            </MessageBarBody>
          </MessageBar>
          <OneTimePassword title={`Password of ${created.user.userPrincipalName}`} password={created.password} />
          <div className={styles.actions}>
            <Button appearance="primary" onClick={() => navigate(`/users/${encodeURIComponent(created.user.id)}`)}>Go to user</Button>
            <Button onClick={reset}>Create another user</Button>
            <Button onClick={() => navigate('/users')}>Back to users</Button>
          </div>
        </div>
      </Page>
    );
  }

  return (
    <Page title="Create new user" breadcrumb={breadcrumb}>
      {error ? <GraphErrorBar error={error} title="The user could not be created." /> : null}
      {domains.error ? <GraphErrorBar error={domains.error} title="The domain names could not be read." /> : null}
      {domains.loading && !domains.data ? <Loading /> : null}
      <form className={styles.form} onSubmit={(e) => { void submit(e); }} noValidate>
        <div className={styles.upn}>
          <Field
            label="User principal name"
            className={styles.upnName}
            hint="The name the user signs in with, before the @."
            validationMessage={submitted ? nameProblem ?? undefined : undefined}
          >
            <Input value={name} onChange={(_e, d) => setName(d.value)} autoComplete="off" spellCheck={false} required maxLength={64} />
          </Field>
          <span className={styles.at} aria-hidden="true">@</span>
          <Field label="Domain" className={styles.upnDomain} hint="A verified domain of the tenant." validationMessage={submitted ? domainProblem ?? undefined : undefined}>
            <Select value={domain} onChange={(_e, d) => setDomainChoice(d.value)} disabled={!domains.data || domains.data.length === 0}>
              {(domains.data ?? []).map((d) => <option key={d} value={d}>{d}</option>)}
            </Select>
          </Field>
        </div>
        <Field label="Display name" validationMessage={submitted ? displayNameProblem ?? undefined : undefined}>
          <Input value={displayName} onChange={(_e, d) => setDisplayName(d.value)} required maxLength={256} />
        </Field>
        <Field label="Initial password">
          <RadioGroup value={mode} onChange={(_e, d) => setMode(d.value as PasswordMode)}>
            <Radio value="auto" label="Auto-generate password" />
            <Radio value="manual" label="Let me create the password" />
          </RadioGroup>
        </Field>
        {mode === 'manual' ? (
          <Field
            label="Password"
            hint="8 to 256 characters, with three of: lower-case letters, upper-case letters, digits and symbols."
            validationMessage={submitted ? manualProblem ?? undefined : undefined}
          >
            <Input type="password" value={password} onChange={(_e, d) => setPassword(d.value)} autoComplete="new-password" required maxLength={256} />
          </Field>
        ) : null}
        <Switch label="Account enabled" checked={accountEnabled} onChange={(_e, d) => setAccountEnabled(d.checked)} />
        <div className={styles.actions}>
          <Button type="submit" appearance="primary" disabled={busy}>{busy ? 'Creating…' : 'Create'}</Button>
          <Button onClick={() => navigate('/users')} disabled={busy}>Cancel</Button>
        </div>
      </form>
    </Page>
  );
}
