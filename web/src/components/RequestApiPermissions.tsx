import {
  Button,
  Checkbox,
  CompoundButton,
  DrawerBody,
  DrawerFooter,
  DrawerHeader,
  DrawerHeaderTitle,
  Link,
  MessageBar,
  MessageBarBody,
  OverlayDrawer,
  SearchBox,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ArrowLeft16Regular, Dismiss24Regular } from '@fluentui/react-icons';
import { useId, useMemo, useState } from 'react';
import { toGraphError, type Application, type GraphError, type RequiredResourceAccess } from '../graph';
import { useLoad } from '../hooks';
import { addRequiredAccess, apiName, KNOWN_APIS, permissionsApi, permissionsOf, type AccessType, type ApiPermission } from '../permissions';
import { GraphErrorBar } from './ErrorBar';
import { Loading } from './Page';

const useStyles = makeStyles({
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, paddingBottom: tokens.spacingVerticalXXL },
  apis: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: tokens.spacingHorizontalM },
  big: { justifyContent: 'flex-start', textAlign: 'start', maxWidth: 'none', height: '100%' },
  types: { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: tokens.spacingHorizontalM },
  hint: { color: tokens.colorNeutralForeground3 },
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, margin: '0', padding: '0', listStyleType: 'none' },
  label: { display: 'flex', flexDirection: 'column' },
  value: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase300 },
  sub: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  footer: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'center' },
});

const TYPES: { type: AccessType; label: string; text: string }[] = [
  { type: 'Scope', label: 'Delegated permissions', text: 'Your application needs to access the API as the signed-in user.' },
  { type: 'Role', label: 'Application permissions', text: 'Your application runs as a background service or daemon without a signed-in user.' },
];

const keyOf = (type: AccessType, id: string) => `${type}:${id.toLowerCase()}`;

/**
 * "Request API permissions": choose an API, then delegated or application permissions, then tick
 * them; "Add permissions" writes the application's whole `requiredResourceAccess` (the ones it had,
 * plus these). `onAdded` gets what was written.
 */
export function RequestApiPermissions({ open, app, onClose, onAdded }: {
  open: boolean;
  app: Application;
  onClose: () => void;
  onAdded: (written: RequiredResourceAccess[], added: number) => void;
}) {
  const styles = useStyles();
  const [api, setApi] = useState<string | null>(null);
  const [type, setType] = useState<AccessType | null>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GraphError | null>(null);

  const reset = () => {
    setApi(null);
    setType(null);
    setSelected(new Set());
    setError(null);
  };
  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };

  const add = async (permissions: ApiPermission[]) => {
    if (!api || busy) return;
    const additions = permissions.filter((p) => selected.has(keyOf(p.type, p.id))).map((p) => ({ id: p.id, type: p.type }));
    if (additions.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const written = addRequiredAccess(app.requiredResourceAccess, api, additions);
      await permissionsApi.setRequiredResourceAccess(app.id, written);
      reset();
      onAdded(written, additions.length);
    } catch (err) {
      setError(toGraphError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <OverlayDrawer open={open} position="end" size="medium" onOpenChange={(_e, d) => { if (!d.open) close(); }}>
      <DrawerHeader>
        <DrawerHeaderTitle action={<Button appearance="subtle" aria-label="Close" icon={<Dismiss24Regular />} onClick={close} />}>
          Request API permissions
        </DrawerHeaderTitle>
      </DrawerHeader>
      {api === null ? (
        <DrawerBody className={styles.body}>
          <Text>Select an API</Text>
          <Subtitle2 as="h3">Commonly used Microsoft APIs</Subtitle2>
          <div className={styles.apis}>
            {KNOWN_APIS.map((a) => (
              <CompoundButton key={a.appId} className={styles.big} secondaryContent={a.description} onClick={() => setApi(a.appId)}>
                {a.name}
              </CompoundButton>
            ))}
          </div>
        </DrawerBody>
      ) : (
        <ApiPermissionPicker
          key={api}
          app={app}
          appId={api}
          type={type}
          selected={selected}
          busy={busy}
          error={error}
          onBack={() => { setApi(null); setType(null); setSelected(new Set()); setError(null); }}
          onType={setType}
          onToggle={(k, on) => setSelected((s) => {
            const next = new Set(s);
            if (on) next.add(k);
            else next.delete(k);
            return next;
          })}
          onAdd={(perms) => { void add(perms); }}
          onDiscard={close}
        />
      )}
    </OverlayDrawer>
  );
}

function ApiPermissionPicker({ app, appId, type, selected, busy, error, onBack, onType, onToggle, onAdd, onDiscard }: {
  app: Application;
  appId: string;
  type: AccessType | null;
  selected: Set<string>;
  busy: boolean;
  error: GraphError | null;
  onBack: () => void;
  onType: (t: AccessType) => void;
  onToggle: (key: string, on: boolean) => void;
  onAdd: (perms: ApiPermission[]) => void;
  onDiscard: () => void;
}) {
  const styles = useStyles();
  const listId = useId();
  const [query, setQuery] = useState('');
  const sp = useLoad(`api-sp:${appId}`, () => permissionsApi.servicePrincipalByAppId(appId));
  const name = apiName(appId, sp.data);
  const configured = useMemo(() => {
    const entry = app.requiredResourceAccess.find((r) => r.resourceAppId.toLowerCase() === appId.toLowerCase());
    return new Set((entry?.resourceAccess ?? []).map((a) => keyOf(a.type, a.id)));
  }, [app.requiredResourceAccess, appId]);
  // every permission of the API (both types: a selection survives switching between them)
  const all = useMemo(() => (sp.data ? [...permissionsOf(sp.data, 'Scope'), ...permissionsOf(sp.data, 'Role')] : []), [sp.data]);
  const q = query.trim().toLowerCase();
  const shown = all.filter((p) => p.type === type && (!q || p.value.toLowerCase().includes(q) || p.displayName.toLowerCase().includes(q)));
  const count = all.filter((p) => selected.has(keyOf(p.type, p.id))).length;

  return (
    <>
      <DrawerBody className={styles.body}>
        <Link as="button" onClick={onBack}><ArrowLeft16Regular /> All APIs</Link>
        <Subtitle2 as="h3">{name}</Subtitle2>
        {sp.error ? <GraphErrorBar error={sp.error} title={`The permissions of ${name} could not be read.`} /> : null}
        {sp.loading && !sp.data ? <Loading /> : null}
        {!sp.loading && !sp.error && !sp.data ? (
          <MessageBar intent="warning"><MessageBarBody>{name} has no service principal in this tenant, so its permissions cannot be listed.</MessageBarBody></MessageBar>
        ) : null}
        {sp.data ? (
          <>
            <Text weight="semibold">What type of permissions does your application require?</Text>
            <div className={styles.types}>
              {TYPES.map((t) => (
                <CompoundButton
                  key={t.type}
                  className={styles.big}
                  appearance={type === t.type ? 'primary' : 'secondary'}
                  aria-pressed={type === t.type}
                  secondaryContent={t.text}
                  onClick={() => onType(t.type)}
                >
                  {t.label}
                </CompoundButton>
              ))}
            </div>
          </>
        ) : null}
        {sp.data && type ? (
          <>
            <Subtitle2 as="h4">Select permissions</Subtitle2>
            <SearchBox
              aria-label="Search permissions"
              aria-controls={listId}
              placeholder="Start typing a permission to filter these results"
              value={query}
              onChange={(_e, d) => setQuery(d.value)}
            />
            <Text className={styles.hint} aria-live="polite">
              {shown.length} {type === 'Role' ? 'application' : 'delegated'} permission{shown.length === 1 ? '' : 's'}{q ? ` matching "${query.trim()}"` : ''}
            </Text>
            <ul id={listId} className={styles.list} aria-label={`${type === 'Role' ? 'Application' : 'Delegated'} permissions of ${name}`}>
              {shown.map((p) => {
                const k = keyOf(p.type, p.id);
                const already = configured.has(k);
                return (
                  <li key={k}>
                    <Checkbox
                      checked={already || selected.has(k)}
                      disabled={already || busy}
                      onChange={(_e, d) => onToggle(k, d.checked === true)}
                      label={(
                        <span className={styles.label}>
                          <span className={styles.value}>{p.value}</span>
                          <span>{p.displayName}</span>
                          <span className={styles.sub}>
                            Admin consent required: {p.adminConsentRequired ? 'Yes' : 'No'}{already ? ' · already configured' : ''}
                          </span>
                        </span>
                      )}
                    />
                  </li>
                );
              })}
            </ul>
          </>
        ) : null}
        {error ? <GraphErrorBar error={error} title="The permissions could not be added." /> : null}
      </DrawerBody>
      <DrawerFooter className={styles.footer}>
        <Button appearance="primary" disabled={busy || count === 0} onClick={() => onAdd(all)}>
          {busy ? 'Adding…' : 'Add permissions'}
        </Button>
        <Button disabled={busy} onClick={onDiscard}>Discard</Button>
        {count > 0 ? <Text className={styles.hint}>{count} selected</Text> : null}
      </DrawerFooter>
    </>
  );
}
