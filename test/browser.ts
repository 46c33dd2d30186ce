/**
 * The headless Chromium the dashboard tests drive (Debian's package, never a download; missing
 * means a failure, not a skip: `apt-get install -y chromium`), and the dashboard they open.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { definePlugin, type Plugin } from 'aurora';
import { buildDashboard } from '../admin/build.mjs';
import { dashboardRoutes } from '../plugins/audit/dashboard.ts';

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

/**
 * Builds the dashboard from its sources into `assetsDir` and returns a plugin serving it. List it
 * before audit so these routes answer first, whatever the audit plugin's own registration serves.
 */
export async function builtDashboard(assetsDir: string): Promise<Plugin> {
  await buildDashboard({ outdir: assetsDir });
  return definePlugin({
    name: 'dashboard-assets',
    setup(gateway) {
      for (const route of dashboardRoutes({ assetsDir })) gateway.addRoute(route);
    },
  });
}

/** Rows of the requests table now shown. */
export const rowCount = (p: Page): Promise<number> => p.evaluate(() => document.querySelectorAll('table.requests tbody tr').length);
