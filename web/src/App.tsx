import {
  Button,
  Hamburger,
  NavDrawer,
  NavDrawerBody,
  NavDrawerHeader,
  NavItem,
  Spinner,
  Text,
  Tooltip,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import {
  Apps20Regular, Code20Regular, DocumentBulletList20Regular, Globe20Regular, Home20Regular, People20Regular, PersonKey20Regular, Ribbon20Regular, ShieldPerson20Regular,
  SignOut20Regular, Stethoscope20Regular,
} from '@fluentui/react-icons';
import { useMemo, useState, useSyncExternalStore, type ReactElement } from 'react';
import { getAuthState, signOut, subscribeAuth, type Account } from './auth';
import { TenantContext, type TenantInfo } from './context';
import { graph } from './graph';
import { NARROW, useLoad, useMediaQuery } from './hooks';
import { AppDetailsPage } from './pages/AppDetails';
import { AppsPage } from './pages/Apps';
import { AuditLogsPage } from './pages/AuditLogs';
import { DoctorPage } from './pages/Doctor';
import { ExplorerPage } from './pages/Explorer';
import { DomainsPage } from './pages/Domains';
import { LicensesPage } from './pages/Licenses';
import { NewRegistrationPage } from './pages/NewRegistration';
import { NewUserPage } from './pages/NewUser';
import { NotFoundPage } from './pages/NotFound';
import { OverviewPage } from './pages/Overview';
import { RoleDetailsPage } from './pages/RoleDetails';
import { RolesPage } from './pages/Roles';
import { SignInPage } from './pages/SignIn';
import { SignInLogsPage } from './pages/SignInLogs';
import { UserDetailsPage } from './pages/UserDetails';
import { UsersPage } from './pages/Users';
import { href, useRoute } from './router';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', height: '100%', minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground2 },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    minHeight: '48px',
    padding: `0 ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
    flexShrink: 0,
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, whiteSpace: 'nowrap', color: 'inherit', textDecoration: 'none' },
  tenant: {
    overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: '0',
    borderLeft: `1px solid ${tokens.colorNeutralStrokeOnBrand}`, paddingLeft: tokens.spacingHorizontalM,
    '@media (max-width: 767px)': { display: 'none' },
  },
  spacer: { flexGrow: 1 },
  user: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: '0', maxWidth: '40vw' },
  onBrand: {
    color: tokens.colorNeutralForegroundOnBrand,
    ':hover': { color: tokens.colorNeutralForegroundOnBrand, backgroundColor: tokens.colorBrandBackgroundHover },
    ':hover:active': { color: tokens.colorNeutralForegroundOnBrand, backgroundColor: tokens.colorBrandBackgroundPressed },
  },
  body: { display: 'flex', flexGrow: 1, minHeight: '0', position: 'relative' },
  nav: { height: 'auto', minHeight: '100%', flexShrink: 0 },
  navTenant: { overflowWrap: 'anywhere', padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  main: {
    flexGrow: 1,
    minWidth: '0',
    overflow: 'auto',
    padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalXXL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    '@media (max-width: 767px)': { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalM}` },
  },
  center: { display: 'flex', alignItems: 'center', justifyContent: 'center', minHeight: '100vh' },
});

export function App() {
  const auth = useSyncExternalStore(subscribeAuth, getAuthState, getAuthState);
  const styles = useStyles();
  switch (auth.status) {
    case 'starting':
    case 'redirecting':
      return (
        <div className={styles.center}>
          <Spinner label={auth.status === 'starting' ? 'Signing in…' : 'Redirecting…'} labelPosition="below" />
        </div>
      );
    case 'signedOut':
      return <SignInPage error={auth.error} notice={auth.notice} />;
    case 'signedIn':
      return <Shell account={auth.account} />;
  }
}

const NAV: { value: string; label: string; icon: ReactElement }[] = [
  { value: 'overview', label: 'Overview', icon: <Home20Regular /> },
  { value: 'domains', label: 'Custom domain names', icon: <Globe20Regular /> },
  { value: 'licenses', label: 'Licences', icon: <Ribbon20Regular /> },
  { value: 'users', label: 'Users', icon: <People20Regular /> },
  { value: 'roles', label: 'Roles and administrators', icon: <ShieldPerson20Regular /> },
  { value: 'apps', label: 'App registrations', icon: <Apps20Regular /> },
  { value: 'signins', label: 'Sign-in logs', icon: <PersonKey20Regular /> },
  { value: 'audits', label: 'Audit logs', icon: <DocumentBulletList20Regular /> },
  { value: 'doctor', label: 'Doctor', icon: <Stethoscope20Regular /> },
  { value: 'explorer', label: 'API explorer', icon: <Code20Regular /> },
];

function Shell({ account }: { account: Account }) {
  const styles = useStyles();
  const route = useRoute();
  const narrow = useMediaQuery(NARROW);
  const [navOpen, setNavOpen] = useState(false);
  const org = useLoad('organization', graph.organization);

  const tenant: TenantInfo = useMemo(() => ({
    account,
    organization: org.data ?? undefined,
    organizationError: org.error,
    tenantName: org.data?.displayName || account.tenantId,
    tenantId: org.data?.id || account.tenantId,
    reloadOrganization: org.reload,
  }), [account, org.data, org.error, org.reload]);

  const section = route[0] ?? 'overview';
  const user = account.username || account.name || 'Signed in';

  return (
    <TenantContext.Provider value={tenant}>
      <div className={styles.root}>
        <header className={styles.header}>
          {narrow ? (
            <Hamburger
              className={styles.onBrand}
              aria-label="Navigation menu"
              aria-expanded={navOpen}
              onClick={() => setNavOpen((o) => !o)}
            />
          ) : null}
          <a className={styles.brand} href={href('overview')}>Tenantry</a>
          <span className={styles.tenant} title={tenant.tenantName}>{tenant.tenantName}</span>
          <span className={styles.spacer} />
          <span className={styles.user} title={account.name ? `${account.name} (${user})` : user}>{user}</span>
          <Tooltip content="Sign out" relationship="label" withArrow>
            <Button
              className={styles.onBrand}
              appearance="transparent"
              icon={<SignOut20Regular />}
              onClick={signOut}
            >
              {narrow ? null : 'Sign out'}
            </Button>
          </Tooltip>
        </header>
        <div className={styles.body}>
          <NavDrawer
            className={styles.nav}
            type={narrow ? 'overlay' : 'inline'}
            open={narrow ? navOpen : true}
            onOpenChange={(_e, data) => setNavOpen(data.open)}
            selectedValue={section}
            onNavItemSelect={() => setNavOpen(false)}
            aria-label="Portal navigation"
          >
            {narrow ? (
              <NavDrawerHeader>
                <Text className={styles.navTenant} weight="semibold">{tenant.tenantName}</Text>
              </NavDrawerHeader>
            ) : null}
            <NavDrawerBody>
              {NAV.map((n) => (
                <NavItem key={n.value} value={n.value} href={href(n.value)} icon={n.icon}>
                  {n.label}
                </NavItem>
              ))}
            </NavDrawerBody>
          </NavDrawer>
          <main className={styles.main}>
            <Routes route={route} />
          </main>
        </div>
      </div>
    </TenantContext.Provider>
  );
}

function Routes({ route }: { route: string[] }) {
  const [first, second, third] = route;
  switch (first) {
    case 'overview':
      return route.length === 1 ? <OverviewPage /> : <NotFoundPage />;
    case 'domains':
      return route.length === 1 ? <DomainsPage /> : <NotFoundPage />;
    case 'licenses':
      return route.length === 1 ? <LicensesPage /> : <NotFoundPage />;
    case 'apps':
      if (second === undefined) return <AppsPage />;
      if (second === 'new' && third === undefined) return <NewRegistrationPage />;
      if (route.length <= 3) return <AppDetailsPage key={second} id={second} section={third ?? 'overview'} />;
      return <NotFoundPage />;
    case 'users':
      if (second === undefined) return <UsersPage />;
      if (second === 'new' && third === undefined) return <NewUserPage />;
      if (third === undefined) return <UserDetailsPage key={second} id={second} />;
      return <NotFoundPage />;
    case 'roles':
      if (second === undefined) return <RolesPage />;
      if (third === undefined) return <RoleDetailsPage key={second} id={second} />;
      return <NotFoundPage />;
    case 'signins':
      return route.length === 1 ? <SignInLogsPage /> : <NotFoundPage />;
    case 'audits':
      return route.length === 1 ? <AuditLogsPage /> : <NotFoundPage />;
    case 'doctor':
      return route.length === 1 ? <DoctorPage /> : <NotFoundPage />;
    case 'explorer':
      return route.length === 1 ? <ExplorerPage /> : <NotFoundPage />;
    default:
      return <NotFoundPage />;
  }
}
