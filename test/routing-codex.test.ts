/**
 * The real Codex CLI on a route whose first provider is down: DeepSeek first, OpenAI (the
 * emulated Responses API) when it fails. A tool-using turn completes — Codex runs the shell
 * command the model asked for and gets the answer that follows — with the first provider
 * refusing connections, and then hanging before its headers. The hang costs one
 * attemptTimeoutMs: the breaker opens on that failure and later requests skip DeepSeek at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, JsonObject } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { codexHome, codexOk } from './codex-cli.ts';
import { MASTER_KEY, UPSTREAM_KEY, closedPort } from './helpers.ts';

const ATTEMPT_TIMEOUT_MS = 1500;

let openaiUpstream: MockUpstream;
let deepseekUpstream: MockUpstream;
let work: string;
const cleanup: Array<() => Promise<void> | void> = [];
const audits: AuditRecord[] = [];

beforeAll(async () => {
  openaiUpstream = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  deepseekUpstream = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  work = mkdtempSync(join(tmpdir(), 'aurora-codex-work-'));
});
afterAll(async () => {
  await openaiUpstream.close();
  await deepseekUpstream.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
  audits.length = 0;
  openaiUpstream.reset();
  deepseekUpstream.reset();
});

async function gatewayWithDeepSeekAt(deepseekUrl: string): Promise<TestGateway> {
  const gw = await createTestGateway({
    routing: { fallbacks: { 'deepseek-*': ['gpt-5.5'] }, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, breaker: { failures: 1, openMs: 60_000 } },
    plugins: [
      auth({ masterKey: MASTER_KEY }),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: deepseekUrl }),
      openai({ apiKey: UPSTREAM_KEY, baseUrl: `${openaiUpstream.url}/v1`, models: ['gpt-*'] }),
      { name: 'records', onAudit: (record: AuditRecord) => void audits.push(record) },
    ],
  });
  const home = codexHome(gw.baseUrl, 'deepseek-v4-pro');
  cleanup.push(() => gw.close(), () => rmSync(home, { recursive: true, force: true }));
  return Object.assign(gw, { home });
}

/** A tool-using turn: the model asks for a command, Codex runs it and sends its output back. */
async function toolTurn(gw: TestGateway & { home?: string }, word: string): Promise<void> {
  openaiUpstream.enqueue(
    { toolCalls: [{ name: 'exec_command', arguments: JSON.stringify({ cmd: `echo ${word}` }) }] },
    { content: `${word} done` },
  );
  expect(await codexOk([`Run echo ${word}`], { home: (gw as { home: string }).home, cwd: work })).toContain(`${word} done`);
  const followUp = openaiUpstream.requests.at(-1)!.body;
  // The command really ran: its output went back to the fallback provider as the tool's result.
  const outputs = (followUp.input as JsonObject[]).filter((item) => item.type === 'function_call_output');
  expect(outputs.map((o) => String(o.output)).join('\n')).toContain(word);
  expect(openaiUpstream.pending()).toBe(0);
  // Every request of the turn was answered by the fallback, none failed to the client.
  await expect.poll(() => audits.length).toBeGreaterThanOrEqual(2);
  expect(audits.map((a) => [a.status, a.outcome, a.provider])).toEqual(audits.map(() => [200, 'ok', 'openai']));
}

describe('codex exec with DeepSeek down, OpenAI as its fallback', { timeout: 120_000 }, () => {
  it('DeepSeek refusing connections: the tool turn completes on OpenAI', async () => {
    const gw = await gatewayWithDeepSeekAt(`http://127.0.0.1:${await closedPort()}`);
    await toolTurn(gw, 'refused');
    expect(audits[0]!.annotations.attempts).toMatchObject([
      { model: 'deepseek-v4-pro', provider: 'deepseek', outcome: 'failed', reason: 'upstream_unreachable' },
      { model: 'gpt-5.5', provider: 'openai', outcome: 'ok', status: 200 },
    ]);
  });

  it('DeepSeek hanging before its headers: one attempt waits attemptTimeoutMs, then the breaker skips it', async () => {
    const gw = await gatewayWithDeepSeekAt(deepseekUpstream.url);
    deepseekUpstream.enqueue({ fault: 'hang-before-headers' }, { fault: 'hang-before-headers' }, { fault: 'hang-before-headers' });
    await toolTurn(gw, 'hanging');
    // Only the first request of the turn waited for DeepSeek; the rest went straight to OpenAI.
    expect(deepseekUpstream.requests).toHaveLength(1);
    const [first, ...rest] = audits.map((a) => a.annotations.attempts as JsonObject[]);
    expect(first).toMatchObject([{ provider: 'deepseek', outcome: 'failed', reason: 'upstream_timeout' }, { provider: 'openai', outcome: 'ok' }]);
    expect(first![0]!.ms).toBeGreaterThanOrEqual(ATTEMPT_TIMEOUT_MS);
    for (const attempts of rest) expect(attempts).toMatchObject([{ provider: 'deepseek', outcome: 'skipped', reason: 'unavailable' }, { provider: 'openai', outcome: 'ok' }]);
  });
});
