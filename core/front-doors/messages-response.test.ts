import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../sse.ts';
import type { SseEvent } from '../types.ts';
import { hubToMessagesResponse, hubToMessagesStream } from './messages-response.ts';
import { openSignature } from './signature.ts';

const options = { model: 'claude-x', omitThinking: false };

async function translate(events: Array<Record<string, unknown> & { type: string }>, opts = options): Promise<Array<Record<string, any>>> {
  const out: SseEvent[] = [];
  const stream = new ReadableStream<SseEvent>({
    start(c) {
      for (const e of events) c.enqueue(jsonEvent(e));
      c.close();
    },
  }).pipeThrough(hubToMessagesStream(opts));
  for await (const e of stream as unknown as AsyncIterable<SseEvent>) out.push(e);
  return out.map((e) => {
    const data = JSON.parse(e.data);
    expect(e.event).toBe(data.type);
    return data;
  });
}

const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 60 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 120 };
const reasoningItem = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'plan' }], encrypted_content: 'gAAAAABx' };
const callItem = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'Bash', arguments: '{"command":"ls"}', status: 'completed' };

const hubStream = [
  { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } },
  { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
  { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta: 'pl' },
  { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, delta: 'an' },
  { type: 'response.output_item.done', output_index: 0, item: reasoningItem },
  { type: 'response.output_item.added', output_index: 1, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } },
  { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Listing.' },
  { type: 'response.output_item.done', output_index: 1, item: { id: 'msg_1', type: 'message', content: [{ type: 'output_text', text: 'Listing.' }] } },
  { type: 'response.output_item.added', output_index: 2, item: { ...callItem, arguments: '' } },
  { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"command":' },
  { type: 'response.function_call_arguments.delta', output_index: 2, delta: '"ls"}' },
  { type: 'response.output_item.done', output_index: 2, item: callItem },
  { type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [reasoningItem, callItem], usage } },
];

describe('hub stream → Messages stream', () => {
  it('keeps the Messages grammar: start, ping, one block per item with its deltas, delta with the stop reason, stop', async () => {
    const out = await translate(hubStream);
    expect(out.map((e) => (e.type === 'content_block_delta' ? `${e.type}:${e.delta.type}` : e.type))).toEqual([
      'message_start', 'ping',
      'content_block_start', 'content_block_delta:thinking_delta', 'content_block_delta:thinking_delta', 'content_block_delta:signature_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta:text_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta:input_json_delta', 'content_block_delta:input_json_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(out.filter((e) => e.type === 'content_block_start').map((e) => [e.index, e.content_block.type])).toEqual([[0, 'thinking'], [1, 'text'], [2, 'tool_use']]);
    expect(out[10]!.content_block).toEqual({ type: 'tool_use', id: 'call_1', name: 'Bash', input: {} });
    const signature = out.find((e) => e.delta?.type === 'signature_delta')!.delta.signature;
    expect(openSignature(signature)).toEqual({ id: 'rs_1', encrypted: 'gAAAAABx' });
    expect(out.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens: 20 } });
  });

  it('with display "omitted" a thinking block carries its signature and no text', async () => {
    const out = await translate(hubStream, { ...options, omitThinking: true });
    expect(out.some((e) => e.delta?.type === 'thinking_delta')).toBe(false);
    expect(out.some((e) => e.delta?.type === 'signature_delta')).toBe(true);
  });

  it('a failure, in band or by a cut, is one error event and never a message_stop', async () => {
    const failed = await translate([hubStream[0]!, hubStream[1]!, { type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } } }]);
    expect(failed.at(-1)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(failed.map((e) => e.type)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_stop', 'error']);
    const cut = await translate(hubStream.slice(0, 7));
    expect(cut.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(cut.some((e) => e.type === 'message_stop')).toBe(false);
  });

  it('max_output_tokens → max_tokens, a plain answer → end_turn', async () => {
    const cutShort = await translate([hubStream[0]!, { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage } }]);
    expect(cutShort.at(-2)!.delta.stop_reason).toBe('max_tokens');
    const plain = await translate([...hubStream.slice(0, 8), { type: 'response.completed', response: { status: 'completed', usage } }]);
    expect(plain.at(-2)!.delta.stop_reason).toBe('end_turn');
  });
});

describe('hub response → Messages response', () => {
  it('blocks in output order, usage in Anthropic\'s terms', () => {
    const { body, failed } = hubToMessagesResponse({ status: 'completed', output: [reasoningItem, { type: 'message', content: [{ type: 'output_text', text: 'hi' }] }, callItem], usage }, options);
    expect(failed).toBeUndefined();
    expect(body).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 20 } });
    expect(body.content).toEqual([
      { type: 'thinking', thinking: 'plan', signature: expect.stringMatching(/^aurora\.sig1:rs_1:/) },
      { type: 'text', text: 'hi' },
      { type: 'tool_use', id: 'call_1', name: 'Bash', input: { command: 'ls' } },
    ]);
  });

  it('a failed hub response is an Anthropic error', () => {
    const { body, failed } = hubToMessagesResponse({ status: 'failed', error: { code: 'server_error', message: 'boom' } }, options);
    expect(failed).toEqual({ code: 'server_error', message: 'boom' });
    expect(body).toEqual({ type: 'error', error: { type: 'api_error', message: 'boom' } });
  });
});
