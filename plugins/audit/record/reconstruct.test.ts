import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isEventStream, parseEvents, reconstructAnswer } from './reconstruct.ts';

// The Codex Responses streams are the shared ones in test/fixtures/codex; the Chat Completions
// one is the audit tests' own.
const codexFixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/codex/${name}`, import.meta.url), 'utf8');
const fixture = (name: string) => readFileSync(new URL(`../../../test/audit/fixtures/${name}`, import.meta.url), 'utf8');

describe('reconstructAnswer', () => {
  it('a Responses stream with a custom tool call (Codex apply_patch)', () => {
    expect(reconstructAnswer(codexFixture('custom-tool-call-response.sse'), 'text/event-stream')).toEqual({
      text: '',
      reasoning: '',
      toolCalls: [{ name: 'apply_patch', input: '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n' }],
    });
  });

  it('a Responses stream with reasoning and a function call', () => {
    expect(reconstructAnswer(codexFixture('reasoning-function-call-response.sse'), 'text/event-stream')).toEqual({
      text: '',
      reasoning: '**Planning reply**\n\nThe user wants a one-word answer.',
      toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo hi"}' }],
    });
  });

  it('a Responses stream cut before output_item.done keeps the arguments streamed so far', () => {
    const cut = codexFixture('reasoning-function-call-response.sse').split('event: response.function_call_arguments.done')[0]!;
    expect(reconstructAnswer(cut).toolCalls).toEqual([{ name: 'exec_command', arguments: '{"cmd":"echo hi"}' }]);
  });

  it('Chat Completions chunks with interleaved tool-call fragments', () => {
    expect(reconstructAnswer(fixture('chat-reasoning-two-tools.sse'), 'text/event-stream; charset=utf-8')).toEqual({
      text: '',
      reasoning: 'List files and read the README.',
      toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }, { name: 'exec_command', arguments: '{"cmd":"cat README.md"}' }],
    });
  });

  it('whole JSON responses of both APIs', () => {
    const responses = { object: 'response', output: [
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }] },
      { type: 'message', content: [{ type: 'output_text', text: 'Hello' }, { type: 'output_text', text: ' world' }] },
      { type: 'function_call', name: 'f', arguments: '{}' },
    ] };
    expect(reconstructAnswer(JSON.stringify(responses), 'application/json')).toEqual({ text: 'Hello world', reasoning: 'think', toolCalls: [{ name: 'f', arguments: '{}' }] });
    const chat = { choices: [{ message: { content: 'Hi', reasoning_content: 'hmm', tool_calls: [{ function: { name: 'g', arguments: '{"a":1}' } }] } }] };
    expect(reconstructAnswer(JSON.stringify(chat))).toEqual({ text: 'Hi', reasoning: 'hmm', toolCalls: [{ name: 'g', arguments: '{"a":1}' }] });
  });

  it('Messages events (Claude Code\'s recorded stream): thinking, tool_use with its JSON input', () => {
    const stream = readFileSync(new URL('../../../test/fixtures/claude-code/thinking_tool_use.turn1.response.sse', import.meta.url), 'utf8');
    expect(reconstructAnswer(stream, 'text/event-stream')).toEqual({
      text: '',
      reasoning: 'The user wants a short answer. STUB_THINKING',
      toolCalls: [{ name: 'Bash', arguments: '{"command":"echo hi","description":"Print hi"}' }],
    });
  });

  it('a whole Messages response', () => {
    const body = JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }, { type: 'text', text: 'hi' }, { type: 'tool_use', id: 't', name: 'Read', input: { path: 'a' } }] });
    expect(reconstructAnswer(body, 'application/json')).toEqual({ text: 'hi', reasoning: 'hm', toolCalls: [{ name: 'Read', arguments: '{"path":"a"}' }] });
  });

  it('nothing to reconstruct in an error or a cut-off body', () => {
    expect(reconstructAnswer('{"error":{"message":"no"}}', 'application/json')).toEqual({ text: '', reasoning: '', toolCalls: [] });
    expect(reconstructAnswer('{"output": [', 'application/json')).toEqual({ text: '', reasoning: '', toolCalls: [] });
  });
});

describe('parseEvents', () => {
  it('names events, parses JSON data and keeps the rest as text', () => {
    expect(parseEvents('event: a\ndata: {"x":1}\n\n: ping\n\ndata: [DONE]\n\n')).toEqual([{ event: 'a', data: { x: 1 } }, { event: null, data: '[DONE]' }]);
  });

  it('tells a stream from JSON when the content type is missing', () => {
    expect(isEventStream(undefined, 'event: response.created\ndata: {}\n\n')).toBe(true);
    expect(isEventStream(undefined, '{"data": 1}')).toBe(false);
    expect(isEventStream('application/json', 'data: x\n')).toBe(false);
  });
});
