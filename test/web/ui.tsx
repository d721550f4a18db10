import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render, screen, waitFor } from '@testing-library/react';
import type { ReactElement } from 'react';
import { expect } from 'vitest';
import { App } from '../../web/src/App';

/** Renders a tree inside Fluent's provider, as main.tsx does; the whole portal by default. */
export function renderPortal(tree: ReactElement = <App />) {
  return render(<FluentProvider theme={webLightTheme}>{tree}</FluentProvider>);
}

/**
 * An open dialog or drawer, by its title. Under happy-dom, Fluent's focus manager (tabster) marks the
 * open dialog itself aria-hidden, which Chromium does not (checked with the built portal: the dialog
 * and its title are in the accessibility tree); the attribute is dropped here so that roles and names
 * are computed as in a browser.
 */
export async function findDialog(name: string): Promise<HTMLElement> {
  const title = await screen.findByText(name, { selector: 'h2' });
  const dialog = title.closest<HTMLElement>('[role="dialog"]')!;
  dialog.removeAttribute('aria-hidden');
  return dialog;
}

/** Waits for the dialog to close, then drops the aria-hidden tabster left on the page behind it. */
export async function dialogClosed(name: string): Promise<void> {
  await waitFor(() => expect(screen.queryByText(name, { selector: 'h2' })).toBeNull());
  for (const el of document.querySelectorAll('body > [aria-hidden="true"]')) el.removeAttribute('aria-hidden');
}
