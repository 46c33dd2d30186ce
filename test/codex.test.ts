/**
 * The real Codex CLI (@openai/codex, a devDependency) through the gateway to the emulated DeepSeek,
 * which enforces DeepSeek's rules (reasoning_content must come back on tool-call turns, no
 * developer role…). No network, no real key: CODEX_HOME is a temp dir with an `aurora` provider.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import type { JsonObject } from 'aurora';
import { codexHome, codexOk } from './codex-cli.ts';
import { MASTER_KEY, ROOT } from './helpers.ts';

const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n';

let mock: MockUpstream;
let gw: TestGateway;
let home: string;
let work: string;

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: 'sk-deepseek-test-0123456789' });
  gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY }),
      // gpt-5.5 is in Codex's bundled catalog, so Codex offers it the custom apply_patch tool; here it is served by DeepSeek.
      deepseek({ apiKey: 'sk-deepseek-test-0123456789', baseUrl: mock.url, models: ['deepseek-v4-pro'], modelMap: { 'gpt-5.5': 'deepseek-v4-pro' } }),
      effort({ 'deepseek-*': { minimal: 'none', low: 'high', medium: 'high', high: 'high', xhigh: 'max' }, 'gpt-5.5': { none: 'none', minimal: 'none', low: 'high', medium: 'high', high: 'high', xhigh: 'max' } }),
    ],
  });
  home = codexHome(gw.baseUrl, 'deepseek-v4-pro');
  work = mkdtempSync(join(tmpdir(), 'aurora-codex-work-'));
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const run = (args: string[], codexHomeDir = home) => codexOk(args, { home: codexHomeDir, cwd: work });

const assistants = (body: JsonObject) => (body.messages as JsonObject[]).filter((m) => m.role === 'assistant');

describe('codex exec through Aurora to DeepSeek', { timeout: 120_000 }, () => {
  it('a plain turn answers ok', async () => {
    const out = await run(['Reply with exactly ok']);
    expect(out.trim()).toBe('ok');
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe('/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-deepseek-test-0123456789');
    expect(sent.body.messages.some((m: JsonObject) => m.role === 'developer')).toBe(false);
  });

  it('runs the shell tool the model calls, then replays its reasoning on the follow-up', async () => {
    mock.enqueue(
      { reasoning: 'I will run two commands.', content: 'Running.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo one"}' }, { name: 'exec_command', arguments: '{"cmd":"echo two"}' }] },
      { reasoning: 'Both ran.', content: 'done one two' },
    );
    expect(await run(['Run echo one and echo two'])).toContain('done one two');
    const followUp = mock.requests.at(-1)!.body;
    // Codex ran both commands and sent their output back as tool messages, right after the calls.
    const tools = (followUp.messages as JsonObject[]).filter((m) => m.role === 'tool');
    expect(tools.map((m) => m.content).join('\n')).toMatch(/one[\s\S]*two/);
    expect(assistants(followUp).at(-1)!.reasoning_content).toBe('I will run two commands.');
  });

  it('a resumed session (a new Codex process) still replays every earlier reasoning', async () => {
    mock.enqueue({ reasoning: 'Third command.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo three"}' }] }, { reasoning: '', content: 'three done' });
    expect(await run(['resume', '--last', 'And echo three'])).toContain('three done');
    const replayed = assistants(mock.requests.at(-1)!.body).map((m) => m.reasoning_content);
    expect(replayed).toEqual(['I will run two commands.', 'Both ran.', 'Third command.']);
  });

  it('an apply_patch call creates the file on disk', async () => {
    mock.enqueue({ reasoning: 'Create the file.', toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) }] }, { reasoning: 'Created.', content: 'created hello.txt' });
    expect(await run(['-m', 'gpt-5.5', 'Create hello.txt containing hi'])).toContain('created hello.txt');
    expect(existsSync(join(work, 'hello.txt')) && readFileSync(join(work, 'hello.txt'), 'utf8')).toBe('hi\n');
    const first = mock.requests.at(-2)!.body;
    // The custom tool was offered to DeepSeek as a one-string function.
    const tool = (first.tools as JsonObject[]).find((t) => t.function.name === 'apply_patch')!;
    expect(tool.function.parameters.required).toEqual(['input']);
  });

  it('a stream that breaks mid-way is retried by Codex and the turn completes', async () => {
    mock.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'abc def', content: 'partial answer' } }, { reasoning: 'retry', content: 'after retry' });
    expect(await run(['Say something'])).toContain('after retry');
  });

  it('reasoning effort none disables thinking through the effort table', async () => {
    mock.enqueue({ reasoning: '', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo four"}' }] }, { reasoning: '', content: 'four done' });
    expect(await run(['-m', 'gpt-5.5', '-c', 'model_reasoning_effort="none"', 'echo four'])).toContain('four done');
    expect(mock.requests.at(-1)!.body.thinking).toEqual({ type: 'disabled' });
    expect(mock.pending()).toBe(0);
  });
});

describe('with examples/codex/deepseek.toml as a user copies it', { timeout: 120_000 }, () => {
  it('deepseek-v4-pro gets apply_patch and reasoning.effort from the model catalog, and the patch lands', async () => {
    const userHome = mkdtempSync(join(tmpdir(), 'aurora-codex-user-'));
    try {
      const toml = readFileSync(join(ROOT, 'examples/codex/deepseek.toml'), 'utf8').replace('http://127.0.0.1:8080/v1', gw.baseUrl);
      writeFileSync(join(userHome, 'config.toml'), toml);
      copyFileSync(join(ROOT, 'examples/codex/deepseek-models.json'), join(userHome, 'deepseek-models.json'));
      const patch = '*** Begin Patch\n*** Add File: catalog.txt\n+from the catalog\n*** End Patch\n';
      mock.enqueue({ reasoning: 'Write it.', toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] }, { reasoning: 'Done.', content: 'wrote catalog.txt' });
      expect(await run(['Create catalog.txt'], userHome)).toContain('wrote catalog.txt');
      expect(readFileSync(join(work, 'catalog.txt'), 'utf8')).toBe('from the catalog\n');
      const first = mock.requests.at(-2)!.body;
      expect(first.model).toBe('deepseek-v4-pro');
      // The config's model_reasoning_effort "high" went through the effort table to DeepSeek.
      expect(first.reasoning_effort).toBe('high');
      expect(first.thinking).toEqual({ type: 'enabled' });
      expect((first.tools as JsonObject[]).some((t) => t.function.name === 'apply_patch')).toBe(true);
    } finally {
      rmSync(userHome, { recursive: true, force: true });
    }
  });
});
