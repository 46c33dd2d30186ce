/**
 * What the real coding agents do with a spent budget (429 `budget_exceeded`, type
 * `usage_limit_reached`, `resets_at`, `x-should-retry: false`, no `Retry-After`): the Codex CLI
 * says when the limit resets and stops after one request; Claude Code shows the gateway's message
 * and stops. Without those fields Codex only says "exceeded retry limit, last status: 429", and
 * Claude Code retries for minutes (docs/costs.md#what-clients-do-with-a-spent-budget).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from '../plugins/auth/index.ts';
import openai from '../plugins/openai/index.ts';
import { codexExec, codexHome } from './codex-cli.ts';
import { MASTER_KEY, post, ROOT, UPSTREAM_KEY } from './helpers.ts';

let mock: MockUpstream;
let gw: TestGateway;
let tmp: string;

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  tmp = await mkdtemp(join(tmpdir(), 'aurora-budget-clients-'));
  gw = await createTestGateway({
    plugins: [auth({ masterKey: MASTER_KEY, dir: join(tmp, 'auth'), masterBudget: { day: 1 } }), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY })],
  });
  // Spend the day's budget: two requests of $0.56 (1,000,000 × $0.40 + 100,000 × $1.60 per million on gpt-4.1-mini).
  for (let i = 0; i < 2; i++) {
    mock.enqueue({ content: 'spent', usage: { prompt_tokens: 1_000_000, prompt_cache_hit_tokens: 0, completion_tokens: 100_000 } });
    expect((await post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input: 'spend' }, { key: MASTER_KEY })).status).toBe(200);
  }
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Refusals the gateway has answered so far (from its /metrics). */
async function refusals(): Promise<number> {
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  return [...metrics.matchAll(/^aurora_requests_total\{[^}]*status="429"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('a spent budget in the clients', { timeout: 150_000 }, () => {
  it('the Codex CLI says when the limit resets and stops after one request', async () => {
    const home = codexHome(gw.baseUrl, 'gpt-4.1-mini');
    const cwd = await mkdtemp(join(tmp, 'codex-'));
    const before = await refusals();
    const upstreamBefore = mock.requests.length;
    const run = await codexExec(['Reply with exactly ok'], { home, cwd });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/You.ve hit your usage limit\. Try again at /);
    expect(run.stderr).not.toContain('Reconnecting');
    expect(await refusals()).toBe(before + 1);
    expect(mock.requests.length).toBe(upstreamBefore);
    await rm(home, { recursive: true, force: true });
  });

  it('Claude Code shows the gateway’s message and does not retry', async () => {
    const home = join(tmp, 'claude-home');
    const cwd = join(tmp, 'claude-work');
    await mkdir(home, { recursive: true });
    await mkdir(cwd, { recursive: true });
    const before = await refusals();
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(join(ROOT, 'node_modules/.bin/claude'), ['-p', 'Reply with exactly ok', '--model', 'gpt-4.1-mini'], {
        cwd,
        timeout: 120_000,
        env: { PATH: process.env.PATH, HOME: home, ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_API_KEY: MASTER_KEY, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
      }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain("The master key's traffic has spent $1.12 of its daily budget of $1.00 (UTC day)");
    expect(await refusals()).toBe(before + 1);
  });
});
