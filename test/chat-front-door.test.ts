/**
 * The Chat Completions front door: a Chat client (the official `openai` SDK) served by a provider
 * that takes only the Responses API. The core translates the request to the hub and the answer
 * back, stream and not, tool calls included; the emulated Responses API checks what arrives.
 */
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, type Provider } from 'aurora';
import auth from 'aurora/plugins/auth';
import { MASTER_KEY, UPSTREAM_KEY, emulatedGateway } from './helpers.ts';

/** A provider for an upstream that speaks only the Responses API (as a Responses-only server would). */
function responsesOnly(baseUrl: () => string) {
  let provider: Provider;
  return definePlugin({
    name: 'responses-only',
    setup() {
      provider = { name: 'responses-only', baseUrl: baseUrl(), apiKey: UPSTREAM_KEY, apis: ['responses'] };
    },
    resolveModel: (model, ctx) => (ctx.endpoint !== 'models' && model.startsWith('gpt-') ? { provider, model } : undefined),
  });
}

const suite = emulatedGateway((mock) => [auth({ masterKey: MASTER_KEY }), responsesOnly(() => `${mock.url}/v1`)]);
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, maxRetries: 0 });
});

const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'ls', description: 'list', parameters: { type: 'object', properties: { dir: { type: 'string' } } } } }];
const upstream = () => suite.mock.requests.at(-1)!;

describe('a Chat client on a Responses-only provider', () => {
  it('a plain answer, with usage, from a Responses upstream', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Reply with exactly ok' }], max_tokens: 50 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('ok');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(upstream().path).toBe('/v1/responses');
    expect(upstream().body).toMatchObject({ model: 'gpt-5.5', instructions: 'Be brief.', max_output_tokens: 50, store: false });
  });

  it('a tool round trip, non-stream: tool_calls out, the tool message back as a function_call_output', async () => {
    suite.mock.enqueue({ toolCalls: [{ id: 'call_c1', name: 'ls', arguments: '{"dir":"."}' }] });
    const first = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'list' }], tools });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toEqual([{ id: 'call_c1', type: 'function', function: { name: 'ls', arguments: '{"dir":"."}' } }]);
    suite.mock.enqueue({ content: 'a.txt and b.txt' });
    const second = await client.chat.completions.create({ model: 'gpt-5.5', tools, messages: [{ role: 'user', content: 'list' }, message, { role: 'tool', tool_call_id: 'call_c1', content: 'a.txt\nb.txt' }] });
    expect(second.choices[0]!.message.content).toBe('a.txt and b.txt');
    expect(upstream().body.input.slice(1)).toEqual([
      { type: 'function_call', call_id: 'call_c1', name: 'ls', arguments: '{"dir":"."}' },
      { type: 'function_call_output', call_id: 'call_c1', output: 'a.txt\nb.txt' },
    ]);
  });

  it('a streamed tool turn reads as Chat chunks; the usage chunk only when asked', async () => {
    suite.mock.enqueue({ reasoning: 'think', toolCalls: [{ id: 'call_s1', name: 'ls', arguments: '{"dir":"/tmp"}' }, { id: 'call_s2', name: 'ls', arguments: '{"dir":"/"}' }] });
    const stream = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'list two' }], tools, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    for (const c of chunks) {
      for (const t of c.choices[0]?.delta.tool_calls ?? []) {
        const call = calls.get(t.index) ?? { args: '' };
        call.id ??= t.id;
        call.name ??= t.function?.name;
        call.args += t.function?.arguments ?? '';
        calls.set(t.index, call);
      }
    }
    expect([...calls.values()]).toEqual([{ id: 'call_s1', name: 'ls', args: '{"dir":"/tmp"}' }, { id: 'call_s2', name: 'ls', args: '{"dir":"/"}' }]);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0);

    suite.mock.enqueue({ content: 'done' });
    const plain = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const text: string[] = [];
    let usageChunks = 0;
    for await (const c of plain) {
      text.push(c.choices[0]?.delta.content ?? '');
      if (c.usage) usageChunks++;
    }
    expect(text.join('')).toBe('done');
    expect(usageChunks).toBe(0);
  });

  it('a stream that breaks ends with an error chunk, never a clean [DONE]', async () => {
    suite.mock.enqueue({ fault: 'reset-after', events: 4, turn: { content: 'a long answer cut short' } });
    const res = await fetch(`${suite.gw.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], stream: true }) });
    const text = await res.text();
    expect(text).toContain('"error"');
    expect(text).not.toContain('[DONE]');
  });

  it('n > 1 cannot be served through the hub: a 400 saying so', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], n: 2 })).rejects.toMatchObject({ status: 400, param: 'n' });
  });
});
