/**
 * The Responses stream events every translator emits alike, whatever the upstream dialect: the
 * sequence numbers, the lifecycle events, the deltas and done events of reasoning, message and
 * tool-call items, and the terminal event. A translator decides when an item opens and closes;
 * this says what goes on the wire, so that this plugin's and the anthropic plugin's streams cannot
 * drift apart (Codex acts on the exact event sequence).
 */
import { jsonEvent, type JsonObject, type SseEvent } from 'aurora';
import { type ItemStatus, type TerminalState, callItem } from './items.ts';
import type { ToolTarget } from './tools.ts';

export class ResponsesEvents {
  private controller!: TransformStreamDefaultController<SseEvent>;
  private seq = 0;
  /** The finished items by output index (holes where an item was added but never done). */
  readonly output: JsonObject[] = [];

  /** `response`: the skeleton every lifecycle event carries. */
  constructor(private readonly response: JsonObject) {}

  emit(payload: { type: string } & Record<string, unknown>): void {
    payload.sequence_number = this.seq++;
    this.controller.enqueue(jsonEvent(payload));
  }

  /** The stream's first events, from the TransformStream's `start`. */
  open(controller: TransformStreamDefaultController<SseEvent>): void {
    this.controller = controller;
    this.lifecycle('response.created');
    this.lifecycle('response.in_progress');
  }

  /** The one terminal event (`response.completed`, `.incomplete` or `.failed`), with every finished item. */
  close(state: TerminalState, error: TerminalState['error'], usage: JsonObject | null): void {
    this.lifecycle(`response.${state.status}`, {
      status: state.status,
      error,
      incomplete_details: state.incomplete_details,
      output: this.output.filter(Boolean),
      usage,
    });
  }

  private lifecycle(type: string, extra?: JsonObject): void {
    this.emit({ type, response: extra ? { ...this.response, ...extra } : this.response });
  }

  // --- items ------------------------------------------------------------------------------------

  added(outputIndex: number, item: JsonObject): void {
    this.emit({ type: 'response.output_item.added', output_index: outputIndex, item });
  }

  /** A reasoning item opens empty: its encrypted content exists only once it is done. */
  reasoningAdded(id: string, outputIndex: number): void {
    this.added(outputIndex, { id, type: 'reasoning', summary: [], encrypted_content: null });
  }

  done(outputIndex: number, item: JsonObject): void {
    this.output[outputIndex] = item;
    this.emit({ type: 'response.output_item.done', output_index: outputIndex, item });
  }

  // --- reasoning summary and message text --------------------------------------------------------

  summaryPartAdded(id: string, outputIndex: number): void {
    this.emit({ type: 'response.reasoning_summary_part.added', item_id: id, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
  }

  // The deltas of nearly every upstream event are written as text: building the object and walking
  // it in JSON.stringify was a third of the translator's own cost per chunk (bench/translator.mjs).
  // The same JSON as emit() would make; ids are ours (letters, digits, underscores) and need no escaping.
  summaryDelta(id: string, outputIndex: number, delta: string): void {
    this.controller.enqueue({
      event: 'response.reasoning_summary_text.delta',
      data: `{"type":"response.reasoning_summary_text.delta","item_id":"${id}","output_index":${outputIndex},"summary_index":0,"delta":${JSON.stringify(delta)},"sequence_number":${this.seq++}}`,
    });
  }

  textDelta(id: string, outputIndex: number, delta: string): void {
    this.controller.enqueue({
      event: 'response.output_text.delta',
      data: `{"type":"response.output_text.delta","item_id":"${id}","output_index":${outputIndex},"content_index":0,"delta":${JSON.stringify(delta)},"logprobs":[],"sequence_number":${this.seq++}}`,
    });
  }

  summaryDone(id: string, outputIndex: number, text: string): void {
    const base = { item_id: id, output_index: outputIndex };
    this.emit({ type: 'response.reasoning_summary_text.done', ...base, summary_index: 0, text });
    this.emit({ type: 'response.reasoning_summary_part.done', ...base, summary_index: 0, part: { type: 'summary_text', text } });
  }

  textDone(id: string, outputIndex: number, text: string): void {
    const base = { item_id: id, output_index: outputIndex };
    this.emit({ type: 'response.output_text.done', ...base, content_index: 0, text, logprobs: [] });
    this.emit({ type: 'response.content_part.done', ...base, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
  }

  // --- tool calls ---------------------------------------------------------------------------------

  argumentsDelta(id: string, outputIndex: number, delta: string): void {
    this.emit({ type: 'response.function_call_arguments.delta', item_id: id, output_index: outputIndex, delta });
  }

  /**
   * A call's last events and its done item. `payload`: the final arguments, or a custom tool's raw
   * input, which goes out only now (whole, as one delta) since it exists only once unwrapped.
   */
  callDone(id: string, callId: string, outputIndex: number, target: ToolTarget, payload: string, status: ItemStatus): void {
    const base = { item_id: id, output_index: outputIndex };
    if (target.custom) {
      if (payload !== '') this.emit({ type: 'response.custom_tool_call_input.delta', ...base, delta: payload });
      this.emit({ type: 'response.custom_tool_call_input.done', ...base, input: payload });
    } else {
      this.emit({ type: 'response.function_call_arguments.done', ...base, name: target.name, arguments: payload });
    }
    this.done(outputIndex, callItem(id, callId, target, payload, status));
  }
}
