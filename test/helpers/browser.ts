/**
 * @module
 * Debian's chromium driven by playwright-core, for the dashboard tests: skipped where there is no chromium, a failure
 * with CI=true. playwright-core is loaded only when a test runs.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.LOCALFC_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`CI=true but no chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`);
/** The `skip` option of a browser test's describe(). */
export const skipWithoutChromium = haveChromium ? false : `no chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium); skipping the browser test`;

export type Browser = import('playwright-core').Browser;
export type Page = import('playwright-core').Page;

/** A headless chromium and a page on which any page error fails the test. */
export async function openPage(viewport = { width: 1360, height: 900 }): Promise<{ browser: Browser; page: Page }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (e) => {
    throw e;
  });
  return { browser, page };
}
