/**
 * The headless Chromium the dashboard tests drive: Debian's package, never a download. Missing
 * means a failure, not a skip: `apt-get install -y chromium`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go (docs/img holds the ones the docs show). */
export const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page, which a test expects to stay empty. */
  errors: string[];
}

export async function openChromium(profileDir: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\` (never \`npx playwright install\`)`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Well under the test timeout, so a stuck step fails with playwright's own message.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await mkdir(RESULTS, { recursive: true });
  return { context, page, errors };
}
