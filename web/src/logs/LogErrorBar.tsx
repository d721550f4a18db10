import { Link, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { GraphError } from '../graph';
import { href } from '../router';

const useStyles = makeStyles({
  text: { display: 'block' },
  detail: { display: 'block', marginTop: tokens.spacingVerticalXS, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
  code: { fontFamily: tokens.fontFamilyMonospace },
});

export type LogName = 'sign-in logs' | 'audit logs';

/** The roles that may read the activity logs through a user's token (least privileged first). */
export const REPORTING_ROLE_NAMES = 'Reports Reader, Security Reader, Security Operator, Security Administrator or Global Reader';

export interface LogErrorText {
  title: string;
  text?: ReactNode;
}

/** A failed read of an activity log in plain words: the reporting API's 403 codes, throttling, a refused filter. */
export function describeLogError(error: GraphError, what: LogName): LogErrorText {
  switch (error.code) {
    case 'Authentication_RequestFromUnsupportedUserRole':
      return {
        title: `Your account doesn't have a role that can read ${what}.`,
        text: `Ask a Global Administrator to assign you ${REPORTING_ROLE_NAMES}.${what === 'sign-in logs' ? ' You can still see your own sign-ins.' : ''}`,
      };
    case 'Authentication_MSGraphPermissionMissing':
      return {
        title: `The access token lacks the Microsoft Graph permission AuditLog.Read.All, which reading ${what} needs.`,
        text: 'Sign out and sign in again to get a new token. If this stays, ask a Global Administrator to grant admin consent to AuditLog.Read.All.',
      };
    case 'Authentication_ApplicationHasNoDirectoryReadAccess':
      return {
        title: 'This server also requires the Microsoft Graph permission Directory.Read.All to read sign-in logs.',
        text: 'It runs with --strict-directory-read. Ask a Global Administrator to grant admin consent to Directory.Read.All, then sign in again.',
      };
    case 'Authentication_RequestFromNonPremiumTenantOrB2CTenant':
      return {
        title: 'Sign-in logs need a Microsoft Entra ID P1 or P2 licence; this tenant has none.',
        text: <><Link href={href('audits')}>Audit logs</Link> are available.</>,
      };
  }
  if (error.status === 429) {
    return { title: 'Too many requests.', text: 'The reporting API allows 5 requests per 10 seconds for each application. Wait a few seconds, then try again.' };
  }
  if (error.status === 400) {
    return {
      title: 'The server refused the filter.',
      text: 'A date range that reaches back further than the tenant keeps its logs (7 days without Entra ID P1 or P2, 30 days with it) is refused: choose a shorter range.',
    };
  }
  if (error.status === 403) {
    return { title: `You don't have permission to read ${what}.`, text: 'Ask a Global Administrator of the tenant.' };
  }
  if (error.status === 401) return { title: 'Your session has ended.', text: 'Sign in again.' };
  return { title: `The ${what} could not be read.` };
}

/**
 * A MessageBar (intent error, role alert): what the error means (after `context`, e.g. "The download
 * failed."), then the raw code and message in smaller text.
 */
export function LogErrorBar({ error, what, context, actions }: { error: GraphError; what: LogName; context?: string; actions?: ReactNode }) {
  const styles = useStyles();
  const d = describeLogError(error, what);
  const requestId = typeof error.innerError['request-id'] === 'string' ? error.innerError['request-id'] : null;
  return (
    <MessageBar intent="error" layout="multiline" role="alert">
      <MessageBarBody>
        {context ? <span className={styles.text}>{context}</span> : null}
        <MessageBarTitle>{d.title}</MessageBarTitle>
        {d.text ? <span className={styles.text}>{d.text}</span> : null}
        <small className={styles.detail}>
          <span className={styles.code}>{error.code}</span>
          {error.status > 0 ? ` (HTTP ${error.status})` : ''}: {error.message}
          {requestId ? ` (request id ${requestId})` : ''}
        </small>
      </MessageBarBody>
      {actions ? <MessageBarActions>{actions}</MessageBarActions> : null}
    </MessageBar>
  );
}
