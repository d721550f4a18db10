import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Where it is absent the
 * browser tests skip and say so, unless TENANTRY_REQUIRE_BROWSER is set (CI sets it, after
 * installing Chromium), when they fail instead.
 */
export const CHROMIUM = process.env.TENANTRY_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  if (process.env.TENANTRY_REQUIRE_BROWSER) throw new Error(`Chromium not found at ${CHROMIUM}; install it with: apt-get install -y chromium`);
  console.warn(`browser tests skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set TENANTRY_CHROMIUM)`);
}

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/**
 * A fresh browser profile. The server's certificate comes from the test run's own local CA, which
 * this profile does not know, so certificate errors are ignored for it (loopback only).
 */
export async function newContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: 'en-US', timezoneId: 'UTC' });
}

/** Console errors and uncaught page errors, collected so a test can require there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');

/** A full-page screenshot into docs/screenshots/<name>.png. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
