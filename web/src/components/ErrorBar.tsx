import { MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import type { GraphError } from '../graph';

const useStyles = makeStyles({
  detail: { display: 'block', marginTop: tokens.spacingVerticalXS, overflowWrap: 'anywhere' },
  code: { fontFamily: tokens.fontFamilyMonospace },
});

export function isPermissionError(error: GraphError): boolean {
  return error.status === 403 || error.code === 'Authorization_RequestDenied';
}

/** A failed Graph call: what it means, then the raw code and message. */
export function GraphErrorBar({ error, title }: { error: GraphError; title?: string }) {
  const styles = useStyles();
  const denied = isPermissionError(error);
  const requestId = typeof error.innerError['request-id'] === 'string' ? error.innerError['request-id'] : null;
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{denied ? "You don't have permission to do this." : (title ?? 'The request failed.')}</MessageBarTitle>
        {denied && 'Your account lacks a directory role for it. Ask a Global Administrator of the tenant.'}
        <span className={styles.detail}>
          <span className={styles.code}>{error.code}</span>
          {error.status > 0 ? ` (HTTP ${error.status})` : ''}: {error.message}
          {requestId ? ` Request id: ${requestId}` : ''}
        </span>
      </MessageBarBody>
    </MessageBar>
  );
}
