/**
 * The dashboard's spend views in a real headless Chromium (Debian's, driven by playwright-core):
 * the cost of each request in the list and the detail, `unpriced` for a model without a price,
 * the cost total and chart of the overview, principals ranked by cost (the top spenders), and the
 * keys page with each key's spend against its daily and monthly budgets.
 * Chromium comes from Debian (test/browser.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from '../plugins/audit/index.ts';
import auth from '../plugins/auth/index.ts';
import openai from '../plugins/openai/index.ts';
import { MASTER_KEY, post, UPSTREAM_KEY } from './helpers.ts';
import { builtDashboard, openChromium, RESULTS, rowCount } from './browser.ts';


let tmp: string;
let mock: MockUpstream;
let gw: TestGateway;
let browser: BrowserContext;
let page: Page;
let pageErrors: string[] = [];
const keys: Record<string, { key: string; id: string }> = {};


/** gpt-4.1-mini: 1,000,000 × $0.40 + 100,000 × $1.60 per million = $0.56; gpt-5.5: 1,000,000 × $5 + 100,000 × $30 = $8. */
const BIG = { prompt_tokens: 1_000_000, prompt_cache_hit_tokens: 0, completion_tokens: 100_000, reasoning_tokens: 0 };

async function ask(key: string, model: string, input: string): Promise<number> {
  mock.enqueue({ content: 'spent', usage: BIG, match: (r) => r.body?.input === input });
  return (await post(`${gw.url}/v1/responses`, { model, input }, { key })).status;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aurora-dashboard-costs-'));
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, dir: join(tmp, 'auth') }),
      openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
      await builtDashboard(join(tmp, 'assets')),
      audit({ dir: join(tmp, 'audit'), flushIntervalMs: 20 }),
    ],
  });
  const create = async (body: Record<string, unknown>) => {
    const res = await fetch(`${gw.url}/admin/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return res.json() as Promise<{ key: string; id: string }>;
  };
  keys.frontend = await create({ name: 'frontend-team', budgetDay: 10, budgetMonth: 200 });
  keys.agents = await create({ name: 'codex-agents', budgetDay: 1, budgetMonth: 50 });
  keys.interns = await create({ name: 'interns', models: ['gpt-4.1-mini'], rpm: 30 });
  ({ context: browser, page, errors: pageErrors } = await openChromium(join(tmp, 'profile')));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await mock?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('dashboard: what requests cost', () => {
  it('shows each request’s cost, unpriced ones as such, the total, the cost chart and the top spenders', async () => {
    expect(await ask(keys.frontend!.key, 'gpt-5.5', 'design review')).toBe(200); // $8
    expect(await ask(keys.agents!.key, 'gpt-4.1-mini', 'agent step 1')).toBe(200); // $0.56
    expect(await ask(keys.agents!.key, 'gpt-4.1-mini', 'agent step 2')).toBe(200); // $1.12: crosses its $1 a day
    expect(await ask(keys.agents!.key, 'gpt-4.1-mini', 'agent step 3')).toBe(429); // refused: budget spent
    expect(await ask(keys.interns!.key, 'gpt-4.1-mini', 'intern question')).toBe(200); // $0.56
    mock.enqueue({ content: 'who knows', usage: { prompt_tokens: 500, completion_tokens: 50 } });
    expect((await post(`${gw.url}/v1/responses`, { model: 'in-house-model', input: 'unpriced question' }, { key: MASTER_KEY })).status).toBe(200);

    await page.goto(`${gw.url}/admin/dashboard/audit`);
    await page.fill('#master-key', MASTER_KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=live].live-live');
    await expect.poll(() => rowCount(page)).toBe(6);

    const costOf = async (text: string) => page.locator('table.requests tbody tr', { hasText: text }).first().locator('td.cost').innerText();
    expect(await costOf('gpt-5.5')).toBe('$8.00');
    expect(await costOf('in-house-model')).toBe('unpriced');
    expect(await costOf('429')).toBe('—');
    // $8 + 3 × $0.56 = $9.68, and the unpriced request said apart, not added as $0.
    await expect.poll(() => page.locator('[data-testid=kpi-cost]').innerText()).toMatch(/\$9\.68\s*\+ 1 unpriced/);
    expect(await page.locator('.chart figcaption', { hasText: 'Cost per' }).count()).toBe(1);

    // Top spenders: principals ranked by cost.
    await page.selectOption('select[aria-label="Group by"]', 'principal');
    await page.selectOption('[data-testid=rank-by]', 'cost');
    // Each managed key by its name (its id in the tooltip); the refused request is its caller's.
    await expect.poll(() => page.locator('.breakdown-table tbody tr').first().innerText()).toContain('frontend-team');
    const ranked = await page.locator('.breakdown-table tbody tr').allInnerTexts();
    expect(ranked.map((r) => r.split('\t')[0]!.trim())).toEqual(['frontend-team', 'codex-agents', 'interns', 'master']);
    expect(await page.locator('.breakdown-table tbody tr .bar-label', { hasText: 'codex-agents' }).getAttribute('title')).toBe(keys.agents!.id);
    expect(ranked[1]).toMatch(/codex-agents\s+3\s+1\s+2M\s+200k\s+\$1\.12/);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'dashboard-costs.png'), fullPage: false });

    await page.locator('table.requests tbody tr', { hasText: 'gpt-5.5' }).first().locator('a').click();
    await page.waitForSelector('[data-testid=trail]');
    expect(await page.locator('[data-testid=cost]').innerText()).toMatch(/Cost\s*\$8\.00/);
    await page.click('a.back');
    await page.waitForSelector('table.requests');
  });

  it('shows the keys with what each spent against its budgets, a spent one in red', async () => {
    await page.click('nav a:has-text("Keys")');
    await page.waitForSelector('[data-testid=keys] table');
    expect(new URL(page.url()).pathname).toBe('/admin/dashboard/audit/keys');
    const row = (name: string) => page.locator('[data-testid=keys] tbody tr', { hasText: name });
    expect(await row('frontend-team').locator('[data-testid=spend-day]').innerText()).toContain('$8.00 of $10.00');
    expect(await row('frontend-team').locator('[data-testid=spend-month]').innerText()).toContain('$8.00 of $200.00');
    expect(await row('codex-agents').locator('[data-testid=spend-day]').innerText()).toContain('$1.12 of $1.00');
    expect(await row('codex-agents').locator('.spend-over').count()).toBe(1);
    expect(await row('frontend-team').locator('.spend-over').count()).toBe(0);
    expect(await row('interns').locator('[data-testid=spend-day]').innerText()).toMatch(/\$0\.56\s*·\s*no budget/);
    await page.screenshot({ path: join(RESULTS, 'dashboard-keys.png'), fullPage: false });
    // Back to the requests, which kept their rows.
    await page.click('nav a:has-text("Requests")');
    await page.waitForSelector('table.requests');
    expect(await rowCount(page)).toBe(6);
    expect(pageErrors).toEqual([]);
  });
});
