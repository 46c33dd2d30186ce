/**
 * Stateful Responses clients on a translated route (DeepSeek, emulated: it refuses a tool-call
 * history without its reasoning_content), through the responses-store plugin:
 *
 * - the Vercel AI SDK's Responses provider, which stores by default and sends earlier assistant
 *   messages and reasoning back as `item_reference`s;
 * - the OpenAI Agents SDK chaining turns with `previousResponseId`;
 * - the official openai SDK's stored-response calls (retrieve, input items, delete), and managed
 *   keys that cannot see each other's responses.
 *
 * Each checks what the emulated DeepSeek received (the whole history, the model's own reasoning
 * replayed), not only what the client got.
 */
import { rm } from 'node:fs/promises';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, tool as aiTool, type ModelMessage } from 'ai';
import { Agent, OpenAIResponsesModel, run, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import responsesStore from 'aurora/plugins/responses-store';
import { MASTER_KEY, UPSTREAM_KEY, emulatedGateway, tempDir } from './helpers.ts';

// The Agents SDK traces to OpenAI's servers unless told not to (it is off under NODE_ENV=test; say so anyway).
setTracingDisabled(true);

let dir: string;
beforeAll(async () => {
  dir = await tempDir('aurora-responses-clients-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const suite = emulatedGateway((mock) => [
  auth({ masterKey: MASTER_KEY, dir: `${dir}/auth` }),
  ...responsesStore({ dir: `${dir}/responses` }),
  deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
  openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
]);

/** A fetch that keeps every JSON body the client sends to the gateway. */
function recordingFetch(into: JsonObject[]): typeof fetch {
  return async (url, init) => {
    if (typeof init?.body === 'string') into.push(JSON.parse(init.body));
    return fetch(url, init);
  };
}

/** The Chat Completions messages the emulated DeepSeek received last. */
const lastUpstreamMessages = () => suite.mock.requests.at(-1)!.body.messages as JsonObject[];

describe('Vercel AI SDK, Responses provider, store on (its default)', () => {
  it('a multi-turn tool conversation reaches DeepSeek whole, the real reasoning replayed for each item_reference', async () => {
    const sent: JsonObject[] = [];
    const provider = createOpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, fetch: recordingFetch(sent) });
    const tools = {
      list_files: aiTool({ description: 'list the files of a folder', inputSchema: z.object({ dir: z.string() }), execute: async ({ dir: folder }) => `a.txt b.txt (in ${folder})` }),
    };

    // Turn 1: the model reasons, calls the tool; the SDK runs it and sends the result back (step 2).
    suite.mock.enqueue({ reasoning: 'The user wants the folder listed; call list_files.', toolCalls: [{ id: 'call_ls', name: 'list_files', arguments: '{"dir":"."}' }] });
    suite.mock.enqueue({ reasoning: 'Two files came back; say so.', content: 'There are two files: a.txt and b.txt.' });
    const first = await generateText({ model: provider.responses('deepseek-v4-pro'), prompt: 'What files are here?', tools, stopWhen: stepCountIs(3) });
    expect(first.text).toBe('There are two files: a.txt and b.txt.');

    // The SDK referenced the reasoning it had been given instead of resending it.
    const step2 = sent[1]!;
    expect(step2.store).toBeUndefined(); // OpenAI's default: stored
    expect(step2.input).toContainEqual({ type: 'item_reference', id: expect.stringMatching(/^rs_/) });
    // DeepSeek got the model's own reasoning back on the tool-calling turn, not "".
    expect(lastUpstreamMessages()).toEqual([
      { role: 'user', content: 'What files are here?' },
      expect.objectContaining({ role: 'assistant', reasoning_content: 'The user wants the folder listed; call list_files.', tool_calls: [expect.objectContaining({ id: 'call_ls' })] }),
      { role: 'tool', tool_call_id: 'call_ls', content: 'a.txt b.txt (in .)' },
    ]);

    // Turn 2: the conversation goes on with the SDK's own message history.
    suite.mock.enqueue({ reasoning: 'A follow-up about b.txt.', toolCalls: [{ id: 'call_cat', name: 'list_files', arguments: '{"dir":"b"}' }] });
    suite.mock.enqueue({ reasoning: 'Nothing in b.', content: 'b is empty.' });
    const history: ModelMessage[] = [{ role: 'user', content: 'What files are here?' }, ...first.response.messages, { role: 'user', content: 'And in b?' }];
    const second = await generateText({ model: provider.responses('deepseek-v4-pro'), messages: history, tools, stopWhen: stepCountIs(3) });
    expect(second.text).toBe('b is empty.');
    const references = sent.slice(2).flatMap((body) => (body.input as JsonObject[]).filter((i) => i.type === 'item_reference'));
    expect(references.length).toBeGreaterThanOrEqual(3);
    expect(lastUpstreamMessages()).toEqual([
      { role: 'user', content: 'What files are here?' },
      expect.objectContaining({ role: 'assistant', reasoning_content: 'The user wants the folder listed; call list_files.' }),
      { role: 'tool', tool_call_id: 'call_ls', content: 'a.txt b.txt (in .)' },
      expect.objectContaining({ role: 'assistant', content: 'There are two files: a.txt and b.txt.', reasoning_content: 'Two files came back; say so.' }),
      { role: 'user', content: 'And in b?' },
      expect.objectContaining({ role: 'assistant', reasoning_content: 'A follow-up about b.txt.', tool_calls: [expect.objectContaining({ id: 'call_cat' })] }),
      { role: 'tool', tool_call_id: 'call_cat', content: 'a.txt b.txt (in b)' },
    ]);
  });
});

describe('OpenAI Agents SDK with previousResponseId', () => {
  it('a tool turn chained on a stored response: each call sends only what is new, DeepSeek gets it all', async () => {
    const sent: JsonObject[] = [];
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, maxRetries: 0, fetch: recordingFetch(sent) });
    const weather = agentTool({ name: 'get_weather', description: 'the weather in a city', parameters: z.object({ city: z.string() }), execute: async ({ city }) => `sunny, 24 °C in ${city}` });
    const agent = new Agent({ name: 'assistant', instructions: 'Answer briefly.', model: new OpenAIResponsesModel(client, 'deepseek-v4-pro'), tools: [weather] });

    suite.mock.enqueue({ reasoning: 'A greeting.', content: 'Hello! How can I help?' });
    const greeting = await run(agent, 'Hi there');
    expect(greeting.finalOutput).toBe('Hello! How can I help?');

    suite.mock.enqueue({ reasoning: 'I need the weather tool for Paris.', toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    suite.mock.enqueue({ reasoning: 'Report it.', content: 'It is sunny and 24 °C in Paris.' });
    const answer = await run(agent, 'What is the weather in Paris?', { previousResponseId: greeting.lastResponseId });
    expect(answer.finalOutput).toBe('It is sunny and 24 °C in Paris.');

    // The SDK sent only the new input each time, chained by previous_response_id.
    expect(sent.slice(1).map((b) => [b.previous_response_id, (b.input as JsonObject[]).map((i) => i.type ?? i.role)])).toEqual([
      [greeting.lastResponseId, ['user']],
      [expect.stringMatching(/^resp_/), ['function_call_output']],
    ]);
    expect(lastUpstreamMessages()).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Hi there' },
      expect.objectContaining({ role: 'assistant', content: 'Hello! How can I help?', reasoning_content: 'A greeting.' }),
      { role: 'user', content: 'What is the weather in Paris?' },
      expect.objectContaining({ role: 'assistant', reasoning_content: 'I need the weather tool for Paris.', tool_calls: [expect.objectContaining({ id: 'call_w' })] }),
      { role: 'tool', tool_call_id: 'call_w', content: 'sunny, 24 °C in Paris' },
    ]);
  });
});

describe('openai SDK: stored responses', () => {
  const client = () => new OpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, maxRetries: 0 });

  it('create, retrieve, list input items, delete; then retrieve is a 404', async () => {
    suite.mock.enqueue({ reasoning: 'Simple.', content: 'Paris.' });
    const created = await client().responses.create({ model: 'deepseek-v4-pro', input: [{ role: 'user', content: 'Capital of France?' }] });
    expect(created).toMatchObject({ store: true });

    const got = await client().responses.retrieve(created.id);
    expect(got).toMatchObject({ id: created.id, status: 'completed', model: 'deepseek-v4-pro', output_text: 'Paris.' });
    // encrypted_content only when asked for, as OpenAI answers.
    expect(got.output[0]).toMatchObject({ type: 'reasoning' });
    expect(got.output[0]).not.toHaveProperty('encrypted_content');
    const withReasoning = await client().responses.retrieve(created.id, { include: ['reasoning.encrypted_content'] });
    expect(withReasoning.output[0]).toMatchObject({ encrypted_content: expect.stringMatching(/^aurora\.r1\./) });

    suite.mock.enqueue({ content: 'About 2.1 million.' });
    const next = await client().responses.create({ model: 'deepseek-v4-pro', previous_response_id: created.id, input: 'Its population?' });
    const page = await client().responses.inputItems.list(next.id, { limit: 2 });
    // Newest first by default; the SDK's pager follows `after`.
    expect(page.data.map((i) => i.type)).toEqual(['message', 'message']);
    expect((page.data[0] as { content: Array<{ text: string }> }).content[0]!.text).toBe('Its population?');
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const item of client().responses.inputItems.list(next.id, { limit: 2, order: 'asc' })) all.push(`${item.type}:${'role' in item ? item.role : ''}`);
    expect(all).toEqual(['message:user', 'reasoning:', 'message:assistant', 'message:user']);

    await client().responses.delete(next.id);
    await expect(client().responses.retrieve(next.id)).rejects.toMatchObject({ status: 404, error: { type: 'invalid_request_error' } });
    await expect(client().responses.delete(next.id)).rejects.toMatchObject({ status: 404 });
    // The earlier response is still there.
    expect((await client().responses.retrieve(created.id)).id).toBe(created.id);
  });

  it('store: false keeps nothing', async () => {
    suite.mock.enqueue({ content: 'Not kept.' });
    const created = await client().responses.create({ model: 'deepseek-v4-pro', input: 'hello', store: false });
    expect(created).toMatchObject({ store: false });
    await expect(client().responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(client().responses.create({ model: 'deepseek-v4-pro', previous_response_id: created.id, input: 'again' }))
      .rejects.toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' });
  });

  it('one key never sees another key’s responses; the master key sees its own', async () => {
    const createKey = async (name: string) => {
      const res = await fetch(`${suite.gw.url}/admin/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { key: string }).key;
    };
    const alice = new OpenAI({ apiKey: await createKey('alice'), baseURL: suite.gw.baseUrl, maxRetries: 0 });
    const bob = new OpenAI({ apiKey: await createKey('bob'), baseURL: suite.gw.baseUrl, maxRetries: 0 });

    suite.mock.enqueue({ reasoning: 'Secret stuff.', content: 'Alice’s answer.' });
    const mine = await alice.responses.create({ model: 'deepseek-v4-pro', input: 'a private question' });
    expect((await alice.responses.retrieve(mine.id)).output_text).toBe('Alice’s answer.');

    const asOthers = [
      () => bob.responses.retrieve(mine.id),
      () => bob.responses.inputItems.list(mine.id),
      () => bob.responses.delete(mine.id),
      () => client().responses.retrieve(mine.id),
    ];
    for (const attempt of asOthers) await expect(attempt()).rejects.toMatchObject({ status: 404, error: { message: `Response with id '${mine.id}' not found.` } });
    await expect(bob.responses.create({ model: 'deepseek-v4-pro', previous_response_id: mine.id, input: 'go on' })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
    await expect(bob.responses.create({ model: 'deepseek-v4-pro', input: [{ type: 'item_reference', id: mine.output[0]!.id! }] as never })).rejects.toMatchObject({ status: 404, code: 'item_not_found' });
    // Still Alice's, untouched.
    expect((await alice.responses.retrieve(mine.id)).id).toBe(mine.id);
  });
});
