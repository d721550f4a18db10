import { Button, Tooltip } from '@fluentui/react-components';
import { Checkmark16Regular, Copy16Regular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { VisuallyHidden } from './VisuallyHidden';

/**
 * Copies `value` to the clipboard. Where the Clipboard API is missing or refused, the text of the
 * element `targetId` (an input's value, or a span's text) is selected instead, for Ctrl+C.
 */
export async function copyText(value: string, targetId?: string): Promise<'copied' | 'selected' | 'failed'> {
  try {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
      await navigator.clipboard.writeText(value);
      return 'copied';
    }
  } catch {
    // not allowed (no user activation, permissions): fall back to a selection
  }
  const el = targetId ? document.getElementById(targetId) : null;
  if (!el) return 'failed';
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
    el.focus();
    el.select();
  } else {
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  }
  return 'selected';
}

export function CopyButton({ value, label, targetId }: { value: string; label: string; targetId?: string }) {
  const [result, setResult] = useState<'copied' | 'selected' | 'failed' | null>(null);
  useEffect(() => {
    if (!result) return;
    const t = setTimeout(() => setResult(null), 2500);
    return () => clearTimeout(t);
  }, [result]);
  const message = result === 'copied' ? 'Copied' : result === 'selected' ? 'Selected: press Ctrl+C to copy' : result === 'failed' ? 'Could not copy' : 'Copy to clipboard';
  return (
    <>
      <Tooltip content={message} relationship="description" withArrow>
        <Button
          appearance="subtle"
          size="small"
          aria-label={`Copy ${label}`}
          icon={result === 'copied' ? <Checkmark16Regular /> : <Copy16Regular />}
          onClick={() => { void copyText(value, targetId).then(setResult); }}
        />
      </Tooltip>
      <VisuallyHidden aria-live="polite">{result ? message : ''}</VisuallyHidden>
    </>
  );
}
