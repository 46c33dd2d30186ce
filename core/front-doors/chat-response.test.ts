import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../sse.ts';
import type { SseEvent } from '../types.ts';
import { chatToHub } from './chat-request.ts';
import { hubToChatResponse, hubToChatStream } from './chat-response.ts';

async function translate(events: Array<Record<string, unknown> & { type: string }>, includeUsage = false): Promise<string[]> {
  const out: string[] = [];
  const stream = new ReadableStream<SseEvent>({
    start(c) {
      for (const e of events) c.enqueue(jsonEvent(e));
      c.close();
    },
  }).pipeThrough(hubToChatStream({ model: 'm', includeUsage }));
  for await (const e of stream as unknown as AsyncIterable<SseEvent>) out.push(e.data);
  return out;
}

const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 } };

describe('Chat ⇄ hub', () => {
  it('a request: instructions, items in order, custom tool calls, effort, limits', () => {
    const { body, dropped } = chatToHub({
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'https://x/a.png' } }] },
        { role: 'assistant', content: null, reasoning_content: 'hm', tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'Done!' },
        { role: 'developer', content: 'later rule' },
      ],
      reasoning_effort: 'low',
      max_completion_tokens: 99,
      stop: ['x'],
    });
    expect(body).toMatchObject({ instructions: 'sys', reasoning: { effort: 'low' }, max_output_tokens: 99, store: false });
    expect(body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'https://x/a.png', detail: 'auto' }] },
      { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'hm' }], encrypted_content: null },
      { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'function_call_output', call_id: 'c1', output: 'Done!' },
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'later rule' }] },
    ]);
    expect(dropped).toEqual(['stop']);
  });

  it('a stream: role chunk, deltas, tool call fragments, finish reason, usage when asked, [DONE]', async () => {
    const out = await translate([
      { type: 'response.created', response: {} },
      { type: 'response.reasoning_summary_text.delta', output_index: 0, delta: 'r' },
      { type: 'response.output_text.delta', output_index: 1, delta: 'hi' },
      { type: 'response.output_item.added', output_index: 2, item: { type: 'function_call', call_id: 'c', name: 'f' } },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{}' },
      { type: 'response.completed', response: { status: 'completed', usage } },
    ], true);
    const chunks = out.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'r' },
      { content: 'hi' },
      { tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      {},
      null,
    ]);
    expect(chunks[5].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[6].usage).toEqual({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } });
    expect(out.at(-1)).toBe('[DONE]');
  });

  it('a custom tool call input goes out whole, as JSON arguments', async () => {
    const out = await translate([
      { type: 'response.output_item.added', output_index: 0, item: { type: 'custom_tool_call', call_id: 'p', name: 'apply_patch' } },
      { type: 'response.custom_tool_call_input.delta', output_index: 0, delta: '*** Begin' },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'custom_tool_call', call_id: 'p', name: 'apply_patch', input: '*** Begin Patch' } },
      { type: 'response.completed', response: { status: 'completed' } },
    ]);
    const args = out.filter((d) => d.includes('"arguments":"{')).map((d) => JSON.parse(d).choices[0].delta.tool_calls[0].function.arguments);
    expect(args).toEqual([JSON.stringify({ input: '*** Begin Patch' })]);
  });

  it('a failed or cut stream ends with an error chunk and no [DONE]', async () => {
    const failed = await translate([{ type: 'response.created', response: {} }, { type: 'response.failed', response: { error: { code: 'server_error', message: 'boom' } } }]);
    expect(JSON.parse(failed.at(-1)!)).toEqual({ error: { message: 'boom', type: 'upstream_error', param: null, code: 'server_error' } });
    const cut = await translate([{ type: 'response.created', response: {} }, { type: 'response.output_text.delta', output_index: 0, delta: 'par' }]);
    expect(cut).not.toContain('[DONE]');
    expect(JSON.parse(cut.at(-1)!).error.code).toBe('server_error');
  });

  it('a whole response, and a failed one', () => {
    const { body } = hubToChatResponse({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', content: [{ type: 'output_text', text: 'cut' }] }], usage }, { model: 'm', includeUsage: false });
    expect(body.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'cut' }, finish_reason: 'length' });
    expect(hubToChatResponse({ status: 'failed', error: { code: 'x', message: 'y' } }, { model: 'm', includeUsage: false }).failed).toEqual({ code: 'x', message: 'y' });
  });
});
