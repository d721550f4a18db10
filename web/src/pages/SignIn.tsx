import { Button, Card, MessageBar, MessageBarBody, MessageBarTitle, Text, Title1, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { signIn, type AuthError } from '../auth';

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: tokens.spacingHorizontalL,
    boxSizing: 'border-box',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  card: { width: '100%', maxWidth: '440px', padding: tokens.spacingHorizontalXXL, gap: tokens.spacingVerticalL },
  logo: { width: '40px', height: '40px' },
  title: { margin: '0' },
  text: { color: tokens.colorNeutralForeground2 },
  detail: { display: 'block', marginTop: tokens.spacingVerticalXS, overflowWrap: 'anywhere' },
});

const LOGO = 'data:image/svg+xml,' + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/><path d="M8 9h16v4h-6v12h-4V13H8z" fill="#fff"/></svg>',
);

/** The page for a signed-out visitor: what Tenantry is, and a Sign in button. */
export function SignInPage({ error, notice }: { error?: AuthError; notice?: string }) {
  const styles = useStyles();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Sign in - Tenantry';
  }, []);
  const start = () => {
    setBusy(true);
    setFailure(null);
    signIn({ route: window.location.hash }).catch((err: unknown) => {
      setBusy(false);
      setFailure(err instanceof Error ? err.message : String(err));
    });
  };
  return (
    <main className={styles.root}>
      <Card className={styles.card}>
        <img className={styles.logo} src={LOGO} alt="" />
        <Title1 as="h1" className={styles.title}>Tenantry</Title1>
        <Text className={styles.text}>
          Sign in with an account of your tenant to see its overview, domains and licences, and to register applications.
        </Text>
        {notice ? (
          <MessageBar intent="warning" layout="multiline">
            <MessageBarBody>{notice}</MessageBarBody>
          </MessageBar>
        ) : null}
        {error ? (
          <MessageBar intent="error" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>Sign-in failed</MessageBarTitle>
              <span className={styles.detail}>{error.description}</span>
              {error.description !== error.error ? <span className={styles.detail}>Error: {error.error}</span> : null}
            </MessageBarBody>
          </MessageBar>
        ) : null}
        {failure ? (
          <MessageBar intent="error" layout="multiline">
            <MessageBarBody>{failure}</MessageBarBody>
          </MessageBar>
        ) : null}
        <Button appearance="primary" size="large" onClick={start} disabled={busy}>
          Sign in
        </Button>
      </Card>
    </main>
  );
}
