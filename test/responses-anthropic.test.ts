/**
 * A `previous_response_id` chain on a route the anthropic plugin serves, through the
 * responses-store plugin, in front of the emulated Anthropic Messages API (which refuses replayed
 * thinking unless it carries the signature it issued, with the exact text it sealed).
 *
 * Each check reads what the emulated Anthropic received: the earlier turns rebuilt from the store,
 * the thinking block of the tool-calling turn replayed with its own signature (or a
 * `redacted_thinking` block with its own data), not only the answer the client got.
 */
import { rm } from 'node:fs/promises';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import anthropic from 'aurora/plugins/anthropic';
import responsesStore from 'aurora/plugins/responses-store';
import { openThinking } from '../plugins/anthropic/carrier.ts';
import { unsealThinking } from '../core/testing/upstream/messages-signature.ts';
import { MASTER_KEY, UPSTREAM_KEY, tempDir } from './helpers.ts';

const MODEL = 'claude-sonnet-4-5';
const EXEC = { type: 'function' as const, name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false };
const BASE = { model: MODEL, instructions: 'You are a coding agent.', tools: [EXEC], reasoning: { effort: 'high' as const, summary: 'auto' as const } };

let dir: string;
let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  dir = await tempDir('aurora-responses-anthropic-');
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, dir: `${dir}/auth` }),
      ...responsesStore({ dir: `${dir}/responses` }),
      anthropic({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
    ],
  });
});
afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  // A failure inside the gateway shows here with its cause, not only as the client's 500.
  expect(gw.logs.filter((l) => l.level === 'error')).toEqual([]);
  expect(mock.pending()).toBe(0);
  mock.reset();
});

const client = () => new OpenAI({ apiKey: MASTER_KEY, baseURL: gw.baseUrl, maxRetries: 0 });

/** The content blocks of the Messages request the emulated Anthropic received `back` requests ago. */
const sentMessages = (back = 1) => mock.requests.at(-back)!.body.messages as Array<{ role: string; content: JsonObject[] }>;

describe('anthropic route, chained with previous_response_id', () => {
  it('the tool turn’s thinking goes back with its signature, every turn after it', async () => {
    mock.enqueue(
      { reasoning: 'I should run ls first.', toolCalls: [{ id: 'toolu_ls', name: 'exec_command', arguments: '{"cmd":"ls"}' }] },
      { reasoning: 'Two files; say so.', content: 'There are two files.' },
      { content: 'b.txt is empty.' },
    );

    // Turn 1, streamed as Codex streams: thinking, then a tool call. Stored before the stream ended.
    const first = await client().responses.stream({ ...BASE, input: 'List the files.' }).finalResponse();
    expect(first.output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
    const issued = mock.requests.length;
    // The signature Anthropic issued, as the plugin carries it inside the stored reasoning item.
    const stored = await client().responses.retrieve(first.id, { include: ['reasoning.encrypted_content'] });
    const carried = openThinking((stored.output[0] as { encrypted_content: string }).encrypted_content);
    expect(carried?.blocks).toEqual([{ type: 'thinking', thinking: 'I should run ls first.', signature: expect.stringMatching(/^sig_/) }]);
    const signature = (carried!.blocks[0] as { signature: string }).signature;
    expect(unsealThinking(signature)).toBe('I should run ls first.');

    // Turn 2 sends only the tool output and the link.
    const second = await client().responses.create({ ...BASE, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'toolu_ls', output: 'a.txt\nb.txt' }] });
    expect(mock.requests.length).toBe(issued + 1);
    expect(second.output_text).toBe('There are two files.');
    expect(second.previous_response_id).toBe(first.id);
    expect(sentMessages()).toEqual([
      { role: 'user', content: [expect.objectContaining({ type: 'text', text: 'List the files.' })] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'I should run ls first.', signature }, expect.objectContaining({ type: 'tool_use', id: 'toolu_ls', name: 'exec_command', input: { cmd: 'ls' } })] },
      { role: 'user', content: [expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_ls' })] },
    ]);

    // Turn 3 continues turn 2: the whole chain is rebuilt, the first thinking still signed.
    // Streamed: the first event already says what the client asked (stored, continuing turn 2).
    const events: Array<{ type: string; response?: { previous_response_id?: string | null; store?: boolean } }> = [];
    const stream = client().responses.stream({ ...BASE, previous_response_id: second.id, input: 'What is in b.txt?' });
    for await (const event of stream) events.push(event as never);
    const third = await stream.finalResponse();
    expect(third.output_text).toBe('b.txt is empty.');
    expect(events[0]).toMatchObject({ type: 'response.created', response: { previous_response_id: second.id, store: true } });
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { previous_response_id: second.id, store: true } });
    const messages = sentMessages();
    expect(messages.map((m) => [m.role, m.content.map((b) => b.type)])).toEqual([
      ['user', ['text']],
      ['assistant', ['thinking', 'tool_use']],
      ['user', ['tool_result']],
      ['assistant', expect.arrayContaining(['text'])],
      ['user', ['text']],
    ]);
    expect(messages[1]!.content[0]).toEqual({ type: 'thinking', thinking: 'I should run ls first.', signature });
    expect(messages[3]!.content.find((b) => b.type === 'text')).toMatchObject({ text: 'There are two files.' });
  });

  it('redacted thinking goes back as the opaque data Anthropic issued', async () => {
    mock.enqueue(
      { reasoning: 'Something the API keeps hidden.', redactedThinking: true, toolCalls: [{ id: 'toolu_pwd', name: 'exec_command', arguments: '{"cmd":"pwd"}' }] },
      { content: 'You are in /home/dev.' },
    );
    const first = await client().responses.create({ ...BASE, input: 'Where am I?' });
    expect(first.output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
    const stored = await client().responses.retrieve(first.id, { include: ['reasoning.encrypted_content'] });
    const issuedData = openThinking((stored.output[0] as { encrypted_content: string }).encrypted_content);
    expect(issuedData?.blocks).toEqual([{ type: 'redacted_thinking', data: expect.stringMatching(/^rdt_/) }]);

    const second = await client().responses.create({ ...BASE, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'toolu_pwd', output: '/home/dev' }] });
    expect(second.output_text).toBe('You are in /home/dev.');
    expect(sentMessages()[1]!.content[0]).toEqual(issuedData!.blocks[0]);
  });
});
