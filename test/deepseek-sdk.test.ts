/**
 * The official openai SDK against the DeepSeek translation: its stream helper validates event order
 * and accumulates the final response, so a missing or misplaced event fails here.
 */
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import { MASTER_KEY, UPSTREAM_KEY, emulatedGateway } from './helpers.ts';

const suite = emulatedGateway((mock) => [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url })]);
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, maxRetries: 0 });
});

const tools = [
  { type: 'function' as const, name: 'exec_command', description: 'run', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false },
  { type: 'custom' as const, name: 'apply_patch', description: 'patch files' },
];

describe('openai SDK on a translated DeepSeek stream', () => {
  it('responses.stream() accumulates reasoning, text, tool calls and usage', async () => {
    suite.mock.enqueue({
      reasoning: 'Let me check both directories.',
      content: 'Looking now.',
      toolCalls: [{ id: 'call_a', name: 'exec_command', arguments: '{"cmd":"ls a"}' }, { id: 'call_b', name: 'exec_command', arguments: '{"cmd":"ls b"}' }],
      usage: { prompt_tokens: 1200, prompt_cache_hit_tokens: 1024, completion_tokens: 300, reasoning_tokens: 180 },
    });
    const stream = client.responses.stream({ model: 'deepseek-v4-pro', input: 'list a and b', tools });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();

    expect(final.status).toBe('completed');
    expect(final.model).toBe('deepseek-v4-pro');
    expect(final.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    expect(final.output_text).toBe('Looking now.');
    expect(deltas.join('')).toBe('Looking now.');
    const calls = final.output.filter((i) => i.type === 'function_call');
    expect(calls.map((c) => [c.call_id, c.name, c.arguments])).toEqual([['call_a', 'exec_command', '{"cmd":"ls a"}'], ['call_b', 'exec_command', '{"cmd":"ls b"}']]);
    const reasoning = final.output[0] as { summary: Array<{ text: string }>; encrypted_content?: string };
    expect(reasoning.summary[0]!.text).toBe('Let me check both directories.');
    expect(reasoning.encrypted_content).toMatch(/^aurora\.r1\./);
    expect(final.usage).toEqual({
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024 },
      output_tokens: 300,
      output_tokens_details: { reasoning_tokens: 180 },
      total_tokens: 1500,
    });
  });

  it('a custom tool (apply_patch) comes back as custom_tool_call with the raw input', async () => {
    const patch = '*** Begin Patch\n*** Add File: x.txt\n+x\n*** End Patch\n';
    suite.mock.enqueue({ reasoning: 'Patch it.', toolCalls: [{ id: 'call_p', name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] });
    const final = await client.responses.stream({ model: 'deepseek-v4-pro', input: 'add x.txt', tools }).finalResponse();
    const call = final.output.find((i) => i.type === 'custom_tool_call') as { name: string; input: string; call_id: string };
    expect(call).toMatchObject({ name: 'apply_patch', input: patch, call_id: 'call_p' });
    // Offered to DeepSeek as a function with one string argument.
    const sent = suite.mock.requests.at(-1)!.body;
    expect(sent.tools.find((t: { function: { name: string } }) => t.function.name === 'apply_patch').function.parameters.required).toEqual(['input']);
  });

  it('responses.create (non-stream) gives the same final shape', async () => {
    suite.mock.enqueue({ reasoning: 'Short.', content: 'Plain answer.', usage: { prompt_tokens: 50, prompt_cache_hit_tokens: 10, completion_tokens: 5, reasoning_tokens: 2 } });
    const response = await client.responses.create({ model: 'deepseek-v4-pro', input: 'hi' });
    expect(response.output_text).toBe('Plain answer.');
    expect(response.usage).toMatchObject({ input_tokens: 50, input_tokens_details: { cached_tokens: 10 }, output_tokens_details: { reasoning_tokens: 2 } });
  });

  it('a length cut ends as incomplete with max_output_tokens', async () => {
    suite.mock.enqueue({ reasoning: '', content: 'cut he', finishReason: 'length' });
    const response = await client.responses.create({ model: 'deepseek-v4-pro', input: 'long', max_output_tokens: 3 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(suite.mock.requests.at(-1)!.body.max_tokens).toBe(3);
  });
});
