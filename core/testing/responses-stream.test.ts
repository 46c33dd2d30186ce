import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../types.ts';
import { checkResponsesStream } from './responses-stream.ts';

const item = { id: 'msg_1', type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'ok' }] };
function stream(): JsonObject[] {
  const events: JsonObject[] = [
    { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } },
    { type: 'response.in_progress', response: { id: 'resp_1', status: 'in_progress', output: [] } },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.output_text.delta', output_index: 0, item_id: 'msg_1', delta: 'ok' },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [item] } },
  ];
  return events.map((e, i) => ({ ...e, sequence_number: i }));
}

describe('checkResponsesStream', () => {
  it('returns the final response of a stream Codex accepts', () => {
    expect(checkResponsesStream(stream())).toMatchObject({ id: 'resp_1', status: 'completed', output: [item] });
  });

  it('names each broken rule', () => {
    const broken = (edit: (events: JsonObject[]) => void) => {
      const events = stream();
      edit(events);
      return () => checkResponsesStream(events);
    };
    expect(broken((e) => (e[3]!.sequence_number = 7))).toThrow('event 3 (response.output_text.delta) has sequence_number 7');
    expect(broken((e) => e.splice(4, 1))).toThrow(/sequence_number|never done/);
    expect(broken((e) => (e[3]!.item_id = 'msg_2'))).toThrow('names item msg_2');
    expect(broken((e) => (e[5]!.response.id = 'resp_2'))).toThrow('names response resp_2');
    expect(broken((e) => (e[5]!.response.output = []))).toThrow('the final output differs');
    expect(broken((e) => e.push({ type: 'response.failed', sequence_number: 6, response: { id: 'resp_1' } }))).toThrow('2 terminal events');
  });
});
