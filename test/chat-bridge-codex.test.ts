/**
 * The real Codex CLI through the chat bridge to three emulated providers, one per reasoning family
 * that DeepSeek's own suite (codex.test.ts) does not cover: `<think>` tags in the content
 * (Ollama-like), `reasoning_details` that must come back signed (OpenRouter-like), thought
 * signatures on tool calls (Gemini-like). Each emulator refuses, as the real provider does, a
 * history whose reasoning or signature was dropped; a tool turn, a session resumed in a new Codex
 * process and an apply_patch that lands a file must all pass it. Codex gets its model metadata
 * (apply_patch, efforts) from the catalog the gateway itself produces.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, Plugin } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream, type MockUpstreamOptions, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import gemini from 'aurora/plugins/gemini';
import ollama from 'aurora/plugins/ollama';
import openrouter from 'aurora/plugins/openrouter';
import { codexHome, codexOk } from './codex-cli.ts';
import { MASTER_KEY, UPSTREAM_KEY } from './helpers.ts';

const PATCH = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+hi\n*** End Patch\n`;

interface Family {
  title: string;
  chat: NonNullable<MockUpstreamOptions['chat']>;
  model: string;
  plugin: (mock: MockUpstream) => Plugin;
  /** What the follow-up request must carry for the first turn's reasoning. */
  replayed: (followUp: JsonObject) => void;
}

const assistants = (body: JsonObject) => (body.messages as JsonObject[]).filter((m) => m.role === 'assistant');

const FAMILIES: Family[] = [
  {
    title: '<think> tags (Ollama-like)',
    chat: 'think-tags',
    model: 'qwen3:8b',
    plugin: (mock) => ollama({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
    replayed(followUp) {
      // The think block was shown as reasoning, never as the answer, and goes back in Ollama's field.
      const turn = assistants(followUp).at(-1)!;
      expect(turn.reasoning).toBe('I will run one command.');
      expect(JSON.stringify(followUp.messages)).not.toContain('<think>');
    },
  },
  {
    title: 'reasoning_details (OpenRouter-like)',
    chat: 'reasoning-details',
    model: 'anthropic/claude-sonnet-4.5',
    plugin: (mock) => openrouter({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
    replayed(followUp) {
      const details = assistants(followUp).at(-1)!.reasoning_details as JsonObject[];
      expect(details).toEqual([{ type: 'reasoning.text', text: 'I will run one command.', signature: expect.any(String), format: 'anthropic-claude-v1', index: 0 }]);
    },
  },
  {
    title: 'thought signatures (Gemini-like)',
    chat: 'thought-signatures',
    model: 'gemini-3-pro-preview',
    plugin: (mock) => gemini({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
    replayed(followUp) {
      const call = (assistants(followUp).at(-1)!.tool_calls as JsonObject[])[0]!;
      expect(call.extra_content.google.thought_signature).toEqual(expect.any(String));
    },
  },
];

describe.each(FAMILIES)('codex exec through the chat bridge: $title', { timeout: 180_000 }, (family) => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let home: string;
  let work: string;

  beforeAll(async () => {
    mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, chat: family.chat });
    gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), family.plugin(mock)] });
    home = codexHome(gw.baseUrl, family.model);
    work = mkdtempSync(join(tmpdir(), 'aurora-bridge-work-'));
    // The catalog as `node core codex-catalog` prints it: GET /v1/models asked for Codex entries.
    const res = await fetch(`${gw.baseUrl}/models`, { headers: { authorization: `Bearer ${MASTER_KEY}`, 'x-aurora-catalog': 'codex' } });
    const models = ((await res.json()) as JsonObject).models as JsonObject[];
    expect(models.map((m) => m.slug)).toContain(family.model);
    writeFileSync(join(home, 'models.json'), JSON.stringify({ models }));
    writeFileSync(join(home, 'config.toml'), `model_catalog_json = "models.json"\n${readFileSync(join(home, 'config.toml'), 'utf8')}`);
  });

  afterAll(async () => {
    await gw?.close();
    await mock?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const run = (args: string[]) => codexOk(args, { home, cwd: work });

  it('runs the tool the model calls and gives the provider its reasoning back on the follow-up', async () => {
    mock.enqueue(
      { reasoning: 'I will run one command.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo one"}' }] },
      { reasoning: 'It ran.', content: 'done one' },
    );
    expect(await run(['Run echo one'])).toContain('done one');
    expect(mock.pending()).toBe(0);
    const followUp = mock.requests.at(-1)!.body;
    expect(mock.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect((followUp.messages as JsonObject[]).find((m) => m.role === 'tool')!.content).toContain('one');
    family.replayed(followUp);
  });

  it('a resumed session (a new Codex process) keeps every earlier turn valid, and apply_patch lands the file', async () => {
    mock.enqueue(
      { reasoning: 'Create the file.', toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: PATCH('bridge.txt') }) }] },
      { reasoning: 'Created.', content: 'created bridge.txt' },
    );
    expect(await run(['resume', '--last', 'Create bridge.txt containing hi'])).toContain('created bridge.txt');
    expect(mock.pending()).toBe(0);
    expect(existsSync(join(work, 'bridge.txt')) && readFileSync(join(work, 'bridge.txt'), 'utf8')).toBe('hi\n');
    const first = mock.requests.at(-2)!.body;
    // The custom apply_patch tool was offered as a one-string function (the catalog says freeform).
    const tool = (first.tools as JsonObject[]).find((t) => t.function.name === 'apply_patch')!;
    expect(tool.function.parameters.required).toEqual(['input']);
    // Both turns are in the resumed history, each with its tool call answered.
    const last = mock.requests.at(-1)!.body;
    expect(assistants(last).filter((m) => Array.isArray(m.tool_calls)).length).toBe(2);
  });
});
