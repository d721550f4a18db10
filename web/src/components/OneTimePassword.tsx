import { Button, Field, Input, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, makeStyles, tokens } from '@fluentui/react-components';
import { Dismiss20Regular } from '@fluentui/react-icons';
import { useId } from 'react';
import { CopyButton } from './CopyButton';

const useStyles = makeStyles({
  row: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalXS, marginTop: tokens.spacingVerticalS, flexWrap: 'wrap' },
  field: { flex: '1 1 240px', minWidth: '0' },
  input: { fontFamily: tokens.fontFamilyMonospace },
});

export const ONE_TIME_NOTICE = "Copy the password now. You won't be able to see it again.";

/**
 * A password the directory will not show again (a new user's, a reset one): kept only in the
 * page's state, in a read-only input labelled "Password" with a copy button.
 */
export function OneTimePassword({ title, password, onDismiss }: { title: string; password: string; onDismiss?: () => void }) {
  const styles = useStyles();
  const inputId = useId();
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {ONE_TIME_NOTICE}
        <div className={styles.row}>
          <Field label="Password" className={styles.field}>
            <Input id={inputId} className={styles.input} readOnly value={password} autoComplete="off" spellCheck={false} />
          </Field>
          <CopyButton value={password} label="password" targetId={inputId} />
        </div>
      </MessageBarBody>
      {onDismiss ? (
        <MessageBarActions containerAction={<Button appearance="transparent" aria-label="Dismiss" icon={<Dismiss20Regular />} onClick={onDismiss} />} />
      ) : null}
    </MessageBar>
  );
}
