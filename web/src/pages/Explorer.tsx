import {
  Badge,
  Button,
  Card,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  Field,
  Input,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  OverlayDrawer,
  SearchBox,
  Select,
  Subtitle1,
  Subtitle2,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, Delete20Regular, Dismiss20Regular, Dismiss24Regular, Key20Regular, Play20Regular } from '@fluentui/react-icons';
import { useId, useState, useSyncExternalStore } from 'react';
import {
  EXPLORER_OIDC_SCOPES,
  getAccessToken,
  getExplorerAccessToken,
  getExplorerState,
  signInExplorer,
  signOutExplorer,
  subscribeExplorer,
  type ExplorerAuthState,
} from '../auth';
import { CopyButton } from '../components/CopyButton';
import { VisuallyHidden } from '../components/VisuallyHidden';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { toGraphError } from '../graph';
import { useLoad } from '../hooks';
import { MICROSOFT_GRAPH_APP_ID, permissionsApi, permissionsOf, type ApiPermission } from '../permissions';

const useStyles = makeStyles({
  card: { padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  method: { width: '120px' },
  version: { width: '96px' },
  url: { flex: '1 1 320px', minWidth: '0' },
  urlInput: { fontFamily: tokens.fontFamilyMonospace },
  sample: { flex: '1 1 260px', maxWidth: '420px' },
  headers: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  headerRow: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  headerName: { flex: '1 1 160px', minWidth: '0' },
  headerValue: { flex: '2 1 240px', minWidth: '0' },
  body: { fontFamily: tokens.fontFamilyMonospace },
  hint: { color: tokens.colorNeutralForeground3 },
  who: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  scopes: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
  status: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, alignItems: 'center' },
  pre: {
    margin: '0',
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    maxHeight: '60vh',
    overflow: 'auto',
  },
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  bodyHeading: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  drawerBody: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, paddingBottom: tokens.spacingVerticalXXL },
  permName: { display: 'flex', flexDirection: 'column' },
  sub: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

export const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof METHODS)[number];
export const VERSIONS = ['v1.0', 'beta'] as const;

export const SAMPLE_QUERIES: readonly { label: string; method: HttpMethod; path: string }[] = [
  { label: 'GET v1.0/me', method: 'GET', path: 'v1.0/me' },
  { label: 'GET v1.0/auditLogs/signIns?$top=5', method: 'GET', path: 'v1.0/auditLogs/signIns?$top=5' },
  { label: 'GET beta/auditLogs/signIns?$top=5', method: 'GET', path: 'beta/auditLogs/signIns?$top=5' },
  { label: 'GET v1.0/auditLogs/directoryAudits?$top=5', method: 'GET', path: 'v1.0/auditLogs/directoryAudits?$top=5' },
  { label: 'GET v1.0/organization', method: 'GET', path: 'v1.0/organization' },
  { label: 'GET v1.0/applications', method: 'GET', path: 'v1.0/applications' },
];

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 412: 'Precondition Failed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The status line's text: the server's reason phrase, else the standard one (HTTP/2 sends none). */
export function statusText(status: number, given: string): string {
  return given || REASONS[status] || '';
}

/** The URL a request goes to: typed relative or absolute, but on this origin only (the token never leaves it). */
export function resolveRequestUrl(input: string, origin: string = window.location.origin): { url: URL } | { problem: string } {
  const text = input.trim();
  if (!text) return { problem: 'Enter a request URL.' };
  let url: URL;
  try {
    url = new URL(text, `${origin}/`);
  } catch {
    return { problem: `"${text}" is not a valid URL.` };
  }
  if (url.origin !== origin) {
    return { problem: `Requests can only be sent to this server (${origin}), not to ${url.origin === 'null' ? url.href : url.origin}: the explorer never sends a token to another origin.` };
  }
  return { url };
}

const VERSION_RE = /^((?:[a-z][a-z0-9+.-]*:\/\/[^/?#]*)?\/?)(v1\.0|beta)(?=[/?#]|$)/i;

/** The Graph version a URL names (its first path segment), if any. */
export function versionOf(input: string): string | null {
  const m = VERSION_RE.exec(input.trim());
  return m ? (m[2] === 'beta' ? 'beta' : 'v1.0') : null;
}

/** The URL with its Graph version replaced (or put in front of its path). */
export function withVersion(input: string, version: string): string {
  const text = input.trim();
  if (VERSION_RE.test(text)) return text.replace(VERSION_RE, `$1${version}`);
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)?\/?(.*)$/i.exec(text);
  return `${m?.[1] ?? ''}/${version}${m?.[2] ? `/${m[2]}` : ''}`;
}

/** The body as it came, pretty-printed when it is JSON. */
export function formatBody(text: string, contentType: string | null): { text: string; json: boolean } {
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (looksJson && text.trim() !== '') {
    try {
      return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
    } catch {
      // not JSON after all: as received
    }
  }
  return { text, json: false };
}

interface HeaderRow {
  id: number;
  name: string;
  value: string;
}

interface ExplorerResponse {
  status: number;
  statusText: string;
  elapsedMs: number;
  headers: [string, string][];
  body: string;
  json: boolean;
  url: string;
  method: string;
}

type TokenSource = 'explorer' | 'portal' | 'none' | 'typed';

/** Graph Explorer's sign-in state (memory only, in auth.ts). */
function useExplorerAuth(): ExplorerAuthState {
  return useSyncExternalStore(subscribeExplorer, getExplorerState, getExplorerState);
}

/**
 * The API explorer (`#/explorer`), in the spirit of Graph Explorer: a request to Microsoft Graph on
 * this server (method, URL, headers, body) sent with Graph Explorer's token (or the portal's), and
 * the answer exactly as it came: status, time, headers, body.
 */
export function ExplorerPage() {
  const styles = useStyles();
  const origin = window.location.origin;
  const auth = useExplorerAuth();
  const [method, setMethod] = useState<HttpMethod>('GET');
  const [url, setUrl] = useState(`${origin}/v1.0/me`);
  const [sample, setSample] = useState('');
  const [headers, setHeaders] = useState<HeaderRow[]>([{ id: 1, name: '', value: '' }]);
  const [nextId, setNextId] = useState(2);
  const [body, setBody] = useState('');
  const [usePortalToken, setUsePortalToken] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [response, setResponse] = useState<ExplorerResponse | null>(null);
  const [sentWith, setSentWith] = useState<TokenSource | null>(null);
  const [permissionsOpen, setPermissionsOpen] = useState(false);
  const [redirectError, setRedirectError] = useState<string | null>(null);

  const version = versionOf(url);
  const typedAuthorization = headers.some((h) => h.name.trim().toLowerCase() === 'authorization');
  const source: TokenSource = typedAuthorization ? 'typed' : usePortalToken ? 'portal' : auth.status === 'signedIn' ? 'explorer' : 'none';

  const startSignIn = (permissions?: string[]) => {
    setRedirectError(null);
    signInExplorer(permissions).catch((err: unknown) => setRedirectError(err instanceof Error ? err.message : String(err)));
  };

  const run = async () => {
    if (busy) return;
    setProblem(null);
    const target = resolveRequestUrl(url, origin);
    if ('problem' in target) {
      setProblem(target.problem);
      setResponse(null);
      return;
    }
    const sendBody = method !== 'GET' && body !== '';
    const h = new Headers();
    try {
      for (const row of headers) {
        if (row.name.trim() !== '') h.append(row.name.trim(), row.value);
      }
    } catch (err) {
      setProblem(`The request headers are not valid: ${(err as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      if (source !== 'typed' && source !== 'none') {
        const token = source === 'portal' ? await getAccessToken() : await getExplorerAccessToken();
        h.set('authorization', `Bearer ${token}`);
      }
      if (sendBody && !h.has('content-type')) h.set('content-type', 'application/json');
      const started = performance.now();
      const res = await fetch(target.url, {
        method,
        headers: h,
        body: sendBody ? body : undefined,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'manual',
      });
      const text = res.type === 'opaqueredirect' ? '' : await res.text();
      const elapsedMs = Math.round(performance.now() - started);
      const list: [string, string][] = [];
      res.headers.forEach((v, k) => list.push([k, v]));
      list.sort(([a], [b]) => a.localeCompare(b));
      const formatted = formatBody(text, res.headers.get('content-type'));
      setResponse({
        status: res.status,
        statusText: res.type === 'opaqueredirect' ? 'Redirect (not followed)' : statusText(res.status, res.statusText),
        elapsedMs,
        headers: list,
        body: formatted.text,
        json: formatted.json,
        url: target.url.href,
        method,
      });
      setSentWith(source);
    } catch (err) {
      setResponse(null);
      const e = toGraphError(err);
      setProblem(e.code === 'ClientError' || e.code === 'NetworkError' ? `The request could not be sent: ${e.message}` : `No token to send (${e.code}): ${e.message}`);
    } finally {
      setBusy(false);
    }
  };

  const chooseSample = (value: string) => {
    setSample(value);
    const s = SAMPLE_QUERIES.find((q) => q.label === value);
    if (!s) return;
    setMethod(s.method);
    setUrl(`${origin}/${s.path}`);
    setBody('');
  };

  return (
    <Page
      title="API explorer"
      subtitle="Send requests to Microsoft Graph on this server as Graph Explorer, and read the answers exactly as they come back."
    >
      <Card className={styles.card}>
        <Subtitle1 as="h2">Graph Explorer</Subtitle1>
        <ExplorerSignIn auth={auth} onSignIn={() => startSignIn()} onModify={() => setPermissionsOpen(true)} />
        {redirectError ? (
          <MessageBar intent="error"><MessageBarBody>Graph Explorer's sign-in could not start: {redirectError}</MessageBarBody></MessageBar>
        ) : null}
        <Switch
          checked={usePortalToken}
          onChange={(_e, d) => setUsePortalToken(d.checked)}
          label="Use portal token"
        />
        <Text className={styles.hint}>
          {source === 'typed'
            ? 'Requests are sent with the Authorization header you typed.'
            : source === 'portal'
              ? "Requests are sent with the portal's own access token (Tenantry Portal), not Graph Explorer's."
              : source === 'explorer'
                ? "Requests are sent with Graph Explorer's access token."
                : 'Graph Explorer is not signed in: requests are sent without an access token.'}
        </Text>
      </Card>

      <Card className={styles.card}>
        <Subtitle1 as="h2">Request</Subtitle1>
        <div className={styles.row}>
          <Field label="Sample queries" className={styles.sample}>
            <Select value={sample} onChange={(_e, d) => chooseSample(d.value)}>
              <option value="">Choose a sample query</option>
              {SAMPLE_QUERIES.map((q) => <option key={q.label} value={q.label}>{q.label}</option>)}
            </Select>
          </Field>
        </div>
        <form
          className={styles.row}
          onSubmit={(e) => { e.preventDefault(); void run(); }}
          noValidate
        >
          <Field label="HTTP method" className={styles.method}>
            <Select value={method} onChange={(_e, d) => { setMethod(d.value as HttpMethod); setSample(''); }}>
              {METHODS.map((m) => <option key={m} value={m}>{m}</option>)}
            </Select>
          </Field>
          <Field label="Version" className={styles.version}>
            <Select value={version ?? ''} onChange={(_e, d) => { setUrl(withVersion(url, d.value)); setSample(''); }}>
              {version === null ? <option value="">—</option> : null}
              {VERSIONS.map((v) => <option key={v} value={v}>{v}</option>)}
            </Select>
          </Field>
          <Field label="Request URL" className={styles.url}>
            <Input
              className={styles.urlInput}
              value={url}
              onChange={(_e, d) => { setUrl(d.value); setSample(''); }}
              spellCheck={false}
              autoComplete="off"
            />
          </Field>
          <Button type="submit" appearance="primary" icon={<Play20Regular />} disabled={busy}>{busy ? 'Running…' : 'Run query'}</Button>
        </form>
        {problem ? <MessageBar intent="error" layout="multiline"><MessageBarBody>{problem}</MessageBarBody></MessageBar> : null}

        <Subtitle2 as="h3">Request headers</Subtitle2>
        <div className={styles.headers}>
          {headers.map((h, i) => (
            <div key={h.id} className={styles.headerRow}>
              <Input
                className={styles.headerName}
                aria-label={`Header ${i + 1} name`}
                placeholder="Key"
                value={h.name}
                onChange={(_e, d) => setHeaders((list) => list.map((x) => (x.id === h.id ? { ...x, name: d.value } : x)))}
                spellCheck={false}
                autoComplete="off"
              />
              <Input
                className={styles.headerValue}
                aria-label={`Header ${i + 1} value`}
                placeholder="Value"
                value={h.value}
                onChange={(_e, d) => setHeaders((list) => list.map((x) => (x.id === h.id ? { ...x, value: d.value } : x)))}
                spellCheck={false}
                autoComplete="off"
              />
              <Button
                appearance="subtle"
                icon={<Delete20Regular />}
                aria-label={`Remove header ${i + 1}`}
                onClick={() => setHeaders((list) => list.filter((x) => x.id !== h.id))}
              />
            </div>
          ))}
          <div>
            <Button
              icon={<Add20Regular />}
              onClick={() => { setHeaders((list) => [...list, { id: nextId, name: '', value: '' }]); setNextId((n) => n + 1); }}
            >
              Add header
            </Button>
          </div>
        </div>
        <Text className={styles.hint}>
          An Authorization header typed here is sent as it is; otherwise the explorer adds one. Content-Type defaults to application/json when there is a body.
        </Text>

        {method !== 'GET' ? (
          <Field label="Request body">
            <Textarea
              className={styles.body}
              value={body}
              onChange={(_e, d) => setBody(d.value)}
              rows={8}
              resize="vertical"
              spellCheck={false}
            />
          </Field>
        ) : null}
      </Card>

      {response ? <ResponseView response={response} sentWith={sentWith} /> : null}

      <ModifyPermissions
        open={permissionsOpen}
        auth={auth}
        onClose={() => setPermissionsOpen(false)}
        onConsent={(value) => startSignIn([...(auth.status === 'signedIn' ? auth.scopes : []), value])}
      />
    </Page>
  );
}

function ExplorerSignIn({ auth, onSignIn, onModify }: { auth: ExplorerAuthState; onSignIn: () => void; onModify: () => void }) {
  const styles = useStyles();
  return (
    <>
      {auth.status === 'signedOut' && auth.error ? (
        <MessageBar intent="error" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Graph Explorer could not sign in.</MessageBarTitle>
            <span className={styles.mono}>{auth.error.error}</span>: {auth.error.description}
          </MessageBarBody>
          <MessageBarActions containerAction={<Button appearance="transparent" aria-label="Dismiss" icon={<Dismiss20Regular />} onClick={() => signOutExplorer()} />} />
        </MessageBar>
      ) : null}
      {auth.status === 'signedOut' && auth.notice ? (
        <MessageBar intent="warning"><MessageBarBody>{auth.notice}</MessageBarBody></MessageBar>
      ) : null}
      {auth.status === 'signedIn' ? (
        <>
          <Text>Signed in to Graph Explorer as <strong>{auth.account.username || auth.account.name || auth.account.objectId}</strong>.</Text>
          <div className={styles.scopes} aria-label="Permissions of Graph Explorer's access token" role="list">
            {auth.scopes.length === 0
              ? <Text className={styles.hint} role="listitem">The access token carries no Microsoft Graph permission.</Text>
              : auth.scopes.map((s) => <Badge key={s} appearance="tint" role="listitem">{s}</Badge>)}
          </div>
        </>
      ) : (
        <Text className={styles.hint}>
          Graph Explorer is a client of its own, not pre-authorised: you consent to each permission it uses (Modify permissions). Signing in asks for
          {' '}<span className={styles.mono}>{EXPLORER_OIDC_SCOPES.join(' ')} User.Read</span>.
        </Text>
      )}
      <div className={styles.who}>
        {auth.status === 'signedIn'
          ? <Button onClick={() => signOutExplorer()}>Sign out of Graph Explorer</Button>
          : <Button appearance="primary" onClick={onSignIn}>Sign in to Graph Explorer</Button>}
        <Button icon={<Key20Regular />} onClick={onModify}>Modify permissions</Button>
      </div>
    </>
  );
}

function ResponseView({ response, sentWith }: { response: ExplorerResponse; sentWith: TokenSource | null }) {
  const styles = useStyles();
  const bodyId = useId();
  const ok = response.status >= 200 && response.status < 300;
  const tokenNote = sentWith === 'portal' ? "with the portal's token" : sentWith === 'explorer' ? "with Graph Explorer's token" : sentWith === 'typed' ? 'with your Authorization header' : 'without a token';
  return (
    <Card className={styles.card} role="region" aria-label="Response">
      <Subtitle1 as="h2">Response</Subtitle1>
      <div className={styles.status}>
        <Text>
          Status{' '}
          <Badge appearance="filled" color={ok ? 'success' : response.status >= 400 || response.status === 0 ? 'danger' : 'informative'}>
            {`${response.status} ${response.statusText}`.trim()}
          </Badge>
        </Text>
        <Text>Elapsed {response.elapsedMs} ms</Text>
        <Text className={styles.mono}>{response.method} {response.url}</Text>
        <Text className={styles.hint}>sent {tokenNote}</Text>
      </div>
      <div className={styles.bodyHeading}>
        <Subtitle2 as="h3">Response body{response.json ? ' (JSON, pretty-printed)' : ''}</Subtitle2>
        {response.body !== '' ? <CopyButton value={response.body} label="response body" targetId={bodyId} /> : null}
      </div>
      {response.body === '' ? (
        <Text className={styles.hint}>The response has no body.</Text>
      ) : (
        <pre id={bodyId} className={styles.pre} aria-label="Response body" tabIndex={0}>{response.body}</pre>
      )}
      <Subtitle2 as="h3">Response headers</Subtitle2>
      <div className={styles.scroll}>
        <Table aria-label="Response headers" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Name</TableHeaderCell>
              <TableHeaderCell>Value</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {response.headers.map(([k, v]) => (
              <TableRow key={k}>
                <TableCell className={styles.mono}>{k}</TableCell>
                <TableCell className={styles.mono}>{v}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </Card>
  );
}

const OIDC = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Modify permissions: Microsoft Graph's delegated permissions, whether Graph Explorer's token carries each, and a Consent button. */
function ModifyPermissions({ open, auth, onClose, onConsent }: { open: boolean; auth: ExplorerAuthState; onClose: () => void; onConsent: (value: string) => void }) {
  const styles = useStyles();
  return (
    <OverlayDrawer open={open} position="end" size="medium" onOpenChange={(_e, d) => { if (!d.open) onClose(); }}>
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label="Close" icon={<Dismiss24Regular />} onClick={onClose} />}>
          Modify permissions
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className={styles.drawerBody}>
        {open ? <PermissionList auth={auth} onConsent={onConsent} /> : null}
      </DrawerBody>
    </OverlayDrawer>
  );
}

function PermissionList({ auth, onConsent }: { auth: ExplorerAuthState; onConsent: (value: string) => void }) {
  const styles = useStyles();
  const [query, setQuery] = useState('');
  const sp = useLoad('explorer:graph-sp', () => permissionsApi.servicePrincipalByAppId(MICROSOFT_GRAPH_APP_ID));
  const held = new Set(auth.status === 'signedIn' ? auth.scopes : []);
  const q = query.trim().toLowerCase();
  const list: ApiPermission[] = sp.data
    ? permissionsOf(sp.data, 'Scope').filter((p) => !OIDC.has(p.value) && (!q || p.value.toLowerCase().includes(q) || p.displayName.toLowerCase().includes(q)))
    : [];
  return (
    <>
      <Text>
        Consent to a permission signs Graph Explorer in again asking for it: the server shows its consent page (permissions that need an administrator
        say so to others). A permission counts as consented here when Graph Explorer's current access token carries it.
      </Text>
      {sp.error ? <GraphErrorBar error={sp.error} title="Microsoft Graph's permissions could not be read." /> : null}
      {sp.loading && !sp.data ? <Loading /> : null}
      {!sp.loading && !sp.error && !sp.data ? (
        <MessageBar intent="warning"><MessageBarBody>Microsoft Graph has no service principal in this tenant.</MessageBarBody></MessageBar>
      ) : null}
      {sp.data ? (
        <>
          <SearchBox aria-label="Search permissions" placeholder="Search permissions" value={query} onChange={(_e, d) => setQuery(d.value)} />
          <div className={styles.scroll}>
            <Table aria-label="Microsoft Graph permissions" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Permission</TableHeaderCell>
                  <TableHeaderCell style={{ width: '96px' }}>Admin consent required</TableHeaderCell>
                  <TableHeaderCell style={{ width: '116px' }}>Status</TableHeaderCell>
                  <TableHeaderCell style={{ width: '96px' }}><VisuallyHidden>Consent</VisuallyHidden></TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.map((p) => {
                  const consented = held.has(p.value);
                  return (
                    <TableRow key={p.id} aria-label={p.value}>
                      <TableCell>
                        <span className={styles.permName}>
                          <span className={styles.mono}>{p.value}</span>
                          <span className={styles.sub}>{p.displayName}</span>
                        </span>
                      </TableCell>
                      <TableCell>{p.adminConsentRequired ? 'Yes' : 'No'}</TableCell>
                      <TableCell>{consented ? 'Consented' : 'Not consented'}</TableCell>
                      <TableCell>
                        <Button size="small" disabled={consented} aria-label={`Consent to ${p.value}`} onClick={() => onConsent(p.value)}>
                          Consent
                        </Button>
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
        </>
      ) : null}
    </>
  );
}
