/**
 * The audit dashboard in a real headless Chromium (Debian's, driven by playwright-core): a gateway on
 * loopback with auth, the OpenAI passthrough, effort and audit, the emulated upstream, the official
 * openai SDK as client. Checks sign-in, live rows, filters, "load more", the four-column trail, the
 * reconstructed stream answer, and that an XSS payload in a prompt stays inert text.
 * Chromium comes from Debian (test/browser.ts).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import { CONTENT_SECURITY_POLICY } from '../plugins/audit/dashboard.ts';
import audit from '../plugins/audit/index.ts';
import auth from '../plugins/auth/index.ts';
import effort from '../plugins/effort/index.ts';
import openai from '../plugins/openai/index.ts';
import { builtDashboard, openChromium, RESULTS, rowCount } from './browser.ts';

const MASTER_KEY = 'test-master-key-123';
const UPSTREAM_KEY = 'sk-upstream-test';
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const STREAM_ANSWER = 'Streaming answer about lychees.';

let tmp: string;
let mock: MockUpstream;
let gw: TestGateway;
let client: OpenAI;
let browser: BrowserContext;
let page: Page;
/** Rows already in the table before the test's own requests (e.g. a 404 the core audits). */
let base = 0;
let pageErrors: string[] = [];

const DASHBOARD_SRC = fileURLToPath(new URL('../admin/dashboard/', import.meta.url));

/** Status of a GET sent with the path exactly as written. */
function rawStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(gw.url);
    get({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

const rows = (p: Page) => p.locator('table.requests tbody tr');

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aurora-dashboard-'));
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({
    routing: { fallbacks: { 'gpt-flaky': ['gpt-5.5'] } },
    plugins: [
      auth({ masterKey: MASTER_KEY }),
      effort({ 'gpt-5*': { low: 'low', medium: 'medium', high: 'high', xhigh: 'high' } }),
      openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
      await builtDashboard(join(tmp, 'assets')),
      audit({ dir: join(tmp, 'audit'), flushIntervalMs: 20 }),
    ],
  });
  client = new OpenAI({ baseURL: gw.baseUrl, apiKey: MASTER_KEY, maxRetries: 0 });
  ({ context: browser, page, errors: pageErrors } = await openChromium(join(tmp, 'profile')));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await mock?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('audit dashboard', () => {
  it('serves the shell with a strict CSP, hashed assets, and no path traversal', async () => {
    const redirect = await fetch(`${gw.url}/admin/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/admin/dashboard/audit');

    for (const path of ['/admin/dashboard/audit', '/admin/dashboard/audit/requests/abc']) {
      const html = await fetch(gw.url + path);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(html.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await html.text();
      // No inline script, style or handler: the CSP would block them, and the page needs none.
      expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\son\w+=/i);
      const script = /src="(\/admin\/dashboard\/assets\/app-[\w-]+\.js)"/.exec(text)?.[1];
      const style = /href="(\/admin\/dashboard\/assets\/styles-[\w-]+\.css)"/.exec(text)?.[1];
      expect(script && style).toBeTruthy();
      const js = await fetch(gw.url + script);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect((await fetch(gw.url + style)).headers.get('content-type')).toMatch(/^text\/css/);
    }
    // Sent verbatim (fetch would normalise the dots away before the server sees them).
    for (const evil of ['/admin/dashboard/assets/../index.html', '/admin/dashboard/assets/..%2f..%2fpackage.json', '/admin/dashboard/assets/%2e%2e%2findex.html', '/admin/dashboard/assets/..%5cindex.html', '/admin/dashboard/assets/.hidden', '/admin/dashboard/assets/nope.js']) {
      expect(await rawStatus(evil), evil).toBe(404);
    }
    // The UI's own code never writes markup from strings (Preact's text nodes only).
    for (const file of await readdir(DASHBOARD_SRC)) {
      expect(await readFile(join(DASHBOARD_SRC, file), 'utf8'), file).not.toMatch(/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });

  it('signs in with the master key, refusing a wrong one with a message', async () => {
    await page.goto(`${gw.url}/admin/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/admin/dashboard/audit');
    await page.fill('#master-key', 'not-the-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toMatch(/refused/i);

    await page.fill('#master-key', MASTER_KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=live].live-live');
    expect(await page.evaluate(() => sessionStorage.getItem('aurora.admin.key'))).toBe(MASTER_KEY);
    expect(page.url()).not.toContain(MASTER_KEY);
  });

  it('shows requests live as they finish, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
    base = await rowCount(page);

    mock.enqueue({ content: 'A non-stream answer about mangoes.' });
    await client.responses.create({ model: 'gpt-4.1-mini', input: 'Tell me about papayas' });
    await page.waitForFunction((n) => document.querySelectorAll('table.requests tbody tr').length === n, base + 1);

    mock.enqueue({ reasoning: 'The user wants lychees; list the files first.', content: STREAM_ANSWER, toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls -la"}' }] });
    const stream = await client.responses.create({ model: 'gpt-5.5', input: 'Stream me something on lychees', stream: true, reasoning: { effort: 'xhigh' } });
    let streamed = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') streamed += event.delta;
    expect(streamed).toBe(STREAM_ANSWER);

    await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: XSS }] });
    await page.waitForFunction((n) => document.querySelectorAll('table.requests tbody tr').length === n, base + 3);

    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    const first = await rows(page).first().innerText();
    expect(first).toContain('chat.completions');
    expect(first).toContain('gpt-4.1-mini');
    const streamRow = rows(page).filter({ hasText: 'gpt-5.5' });
    const streamText = await streamRow.innerText();
    expect(streamText).toContain('openai');
    expect(streamText).toContain('stream');
    expect(streamText).toContain('200');
    expect(streamText).toContain('xhigh→high');
    // The charts and the breakdown follow the new records.
    await expect.poll(() => page.locator('.kpi').first().innerText(), { timeout: 10_000 }).toContain(String(base + 3));
    expect(await page.locator('.breakdown-table').innerText()).toContain('gpt-5.5');
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(2);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'dashboard-audit.png'), fullPage: true });
  });

  it('opens the detail view: four trail columns, events, the reconstructed answer, usage and effort', async () => {
    await rows(page).filter({ hasText: 'gpt-5.5' }).locator('a').click();
    await page.waitForSelector('[data-testid=trail]');
    expect(page.url()).toMatch(/\/admin\/dashboard\/audit\/requests\/[\w-]+$/);

    const columns = page.locator('[data-testid=trail] > article');
    expect(await columns.count()).toBe(4);
    const heads = await page.locator('[data-testid=trail] .trail-head h3').allInnerTexts();
    expect(heads).toEqual(['Client request', 'Upstream request', 'Upstream response', 'Client response']);
    expect(await page.locator('[data-testid=upstream-request]').innerText()).toContain(`${mock.url}/v1/responses`);
    // The effort plugin's mapping reached the upstream: the column shows the body it really got.
    expect(await page.locator('[data-testid=upstream-request] .json-tree').innerText()).toContain('"high"');
    expect(await page.locator('[data-testid=client-request] .json-tree').innerText()).toContain('"xhigh"');

    const response = page.locator('[data-testid=client-response]');
    expect(await response.locator('.seg').innerText()).toMatch(/Events \(\d+\)/);
    expect(await response.locator('.event-name').allInnerTexts()).toContain('response.output_text.delta');
    await response.locator('.event-head', { hasText: 'response.completed' }).last().click();
    expect(await response.locator('.event.open .json-tree').innerText()).toContain('output');

    const answer = await page.locator('[data-testid=reconstructed]').innerText();
    expect(answer).toContain(STREAM_ANSWER);
    expect(answer).toContain('exec_command');
    expect(answer).toContain('ls -la');
    expect(answer).toMatch(/Reasoning \(\d+ chars\)/);

    expect(await page.locator('[data-testid=effort]').innerText()).toMatch(/xhigh\s*→\s*high/);
    const usage = await page.locator('[data-testid=usage]').innerText();
    expect(usage).toMatch(/input\s*\d+/);
    expect(usage).toMatch(/output\s*\d+/);

    await page.locator('[data-testid=client-request] details.headers summary').click();
    const headers = await page.locator('[data-testid=client-request] table.kv').innerText();
    expect(headers).toContain('authorization');
    // Secrets never reach the page: the audit record is scrubbed before the dashboard sees it.
    const body = await page.evaluate(() => document.body.innerText);
    expect(body).not.toContain(MASTER_KEY);
    expect(body).not.toContain(UPSTREAM_KEY);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'dashboard-audit-detail.png'), fullPage: true });

    await page.click('a.back');
    await page.waitForSelector('table.requests');
    expect(await rowCount(page)).toBe(base + 3);
  });

  it('keeps an XSS payload in a prompt inert: shown as text, never run', async () => {
    await rows(page).filter({ hasText: 'chat.completions' }).locator('a').click();
    await page.waitForSelector('[data-testid=trail]');
    expect(await page.locator('[data-testid=client-request] .json-tree').innerText()).toContain(XSS);
    await page.locator('[data-testid=client-request] .seg button', { hasText: 'Raw' }).click();
    expect(await page.locator('[data-testid=client-request] pre.raw').innerText()).toContain(JSON.stringify(XSS).slice(1, -1));
    expect(await page.locator('[data-testid=reconstructed]').innerText()).toContain(XSS);

    const probe = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      images: document.querySelectorAll('img').length,
      scripts: [...document.scripts].map((s) => s.src || s.textContent),
    }));
    expect(probe.xss).toBeUndefined();
    expect(probe.images).toBe(0);
    expect(probe.scripts).toHaveLength(1);
    expect(probe.scripts[0]).toMatch(/\/admin\/dashboard\/assets\/app-[\w-]+\.js$/);
    expect(pageErrors).toEqual([]);
    await page.goBack();
    await page.waitForSelector('table.requests');
  });

  it('filters by text search and model, pages with "load more", and exports', async () => {
    await page.fill('input[name=q]', 'papayas');
    await page.press('input[name=q]', 'Enter');
    await expect.poll(() => rowCount(page)).toBe(1);
    expect(await rows(page).first().innerText()).toContain('responses');
    expect(new URL(page.url()).searchParams.get('q')).toBe('papayas');
    await page.click('.filter-actions button:has-text("Reset")');
    await expect.poll(() => rowCount(page)).toBe(base + 3);

    // 55 records of one model: the first page holds 50 and a cursor.
    for (let i = 0; i < 55; i += 11) {
      await Promise.all(Array.from({ length: 11 }, (_, j) => client.responses.create({ model: 'gpt-burst', input: `burst ${i + j}` })));
    }
    await page.fill('input[name=model]', 'gpt-burst');
    await page.press('input[name=model]', 'Enter');
    await expect.poll(() => rowCount(page), { timeout: 10_000 }).toBe(50);
    await page.click('[data-testid=load-more]');
    await expect.poll(() => rowCount(page)).toBe(55);
    await page.waitForSelector('[data-testid=live].live-live');
    expect(await page.locator('.table-foot').innerText()).toContain('End of results');
    const models = await page.locator('table.requests tbody td.model .mono').allInnerTexts();
    expect(new Set(models)).toEqual(new Set(['gpt-burst']));

    // Live rows respect the filter: another model's record does not show up here.
    await client.responses.create({ model: 'gpt-4.1-mini', input: 'not for this table' });
    await client.responses.create({ model: 'gpt-burst', input: 'burst live' });
    await expect.poll(() => rowCount(page)).toBe(56);

    // Export downloads what the filters select (fetched with the key, saved from a blob URL).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export JSONL")')]);
    expect(download.suggestedFilename()).toMatch(/\.jsonl$/);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { model: string });
    expect(lines).toHaveLength(56);
    expect(new Set(lines.map((l) => l.model))).toEqual(new Set(['gpt-burst']));
    await page.click('.filter-actions button:has-text("Reset")');
  });

  it('shows each attempt of a request that fell back: which failed and why, which served', async () => {
    mock.enqueue({ http: { status: 503, body: { error: { message: 'overloaded' } } } });
    await client.responses.create({ model: 'gpt-flaky', input: 'fall back please' });
    await page.fill('input[name=model]', 'gpt-flaky');
    await page.press('input[name=model]', 'Enter');
    await expect.poll(() => rowCount(page)).toBe(1);
    await rows(page).first().locator('a').click();
    await page.waitForSelector('[data-testid=attempts]');
    const attempts = page.locator('[data-testid=attempts] tbody tr');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).innerText()).toMatch(/gpt-flaky\s+openai\s+failed\s+503/);
    expect(await attempts.nth(1).innerText()).toMatch(/gpt-5\.5\s+openai\s+ok\s+200/);
    expect(await page.locator('[data-testid=attempts] h2').innerText()).toBe('Attempts (2)');
    // The request succeeded: the failed attempt is in the attempts, not the request's outcome.
    expect(await page.locator('.detail-head').innerText()).not.toContain('error');
    expect(await page.locator('.banner-error').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS, 'dashboard-audit-attempts.png'), fullPage: true });
    await page.click('a.back');
    await page.waitForSelector('table.requests');
    await page.click('.filter-actions button:has-text("Reset")');
  });

  it('shows a Claude Code style /v1/messages exchange: its thinking, tool call and usage', async () => {
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
    mock.enqueue({ reasoning: 'Guavas first: check the orchard file.', content: 'Reading the orchard.', toolCalls: [{ name: 'Bash', arguments: '{"command":"cat orchard.txt"}' }] });
    const message = await anthropic.messages.stream({
      model: 'gpt-5.5',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
      messages: [{ role: 'user', content: 'What grows in the guava orchard?' }],
    }).finalMessage();
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);

    await page.fill('input[name=q]', 'guava orchard');
    await page.press('input[name=q]', 'Enter');
    await expect.poll(() => rowCount(page)).toBe(1);
    expect(await rows(page).first().innerText()).toContain('messages');
    await rows(page).first().locator('a').click();
    await page.waitForSelector('[data-testid=reconstructed]');
    const answer = await page.locator('[data-testid=reconstructed]').innerText();
    expect(answer).toContain('Reading the orchard.');
    expect(answer).toMatch(/Reasoning \(\d+ chars\)/);
    expect(answer).toContain('Bash');
    expect(answer).toContain('cat orchard.txt');
    const usage = await page.locator('[data-testid=usage]').innerText();
    expect(usage).toMatch(/input\s*[1-9]/);
    expect(usage).toMatch(/output\s*[1-9]/);
    expect(await page.locator('[data-testid=client-response] .event-name').allInnerTexts()).toContain('content_block_delta');
    await page.screenshot({ path: join(RESULTS, 'dashboard-audit-messages.png'), fullPage: true });
    await page.click('a.back');
    await page.waitForSelector('table.requests');
    await page.click('.filter-actions button:has-text("Reset")');
  });

  it('shows a binary exchange (speech) with its type and size, its bytes not kept', async () => {
    const speech = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'a binary answer' });
    const size = (await speech.arrayBuffer()).byteLength;
    await page.fill('input[name=model]', 'gpt-4o-mini-tts');
    await page.press('input[name=model]', 'Enter');
    await expect.poll(() => rowCount(page)).toBe(1);
    await rows(page).first().locator('a').click();
    await page.waitForSelector('[data-testid=trail]');
    const kept = await page.locator('[data-testid=client-response] [data-testid=omitted]').innerText();
    expect(kept).toContain('audio/mpeg');
    expect(kept).toContain(`${(size / 1024).toFixed(1)} KiB`);
    await page.click('a.back');
    await page.waitForSelector('table.requests');
    await page.click('.filter-actions button:has-text("Reset")');
  });

  it('returns to sign-in with a message when the API refuses the kept key', async () => {
    await page.evaluate(() => sessionStorage.setItem('aurora.admin.key', 'a-revoked-key'));
    await page.reload();
    await page.waitForSelector('#master-key');
    expect(await page.textContent('[role=alert]')).toMatch(/refused/i);
    expect(await page.evaluate(() => sessionStorage.getItem('aurora.admin.key'))).toBeNull();
  });
});
