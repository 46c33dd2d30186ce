/** A reconstructed answer: reasoning (folded), final text, tool calls with their arguments as a tree. */
import { h, type ComponentChild } from 'preact';
import { tryParseJson } from './format.ts';
import { JsonTree } from './json-tree.ts';
import type { Reconstructed, ToolCallView } from './types.ts';

export function hasAnswer(rec: Reconstructed | null | undefined): rec is Reconstructed {
  return !!rec && !!(rec.text || rec.reasoning || rec.toolCalls?.length);
}

export function AnswerView({ rec }: { rec: Reconstructed }): ComponentChild {
  const toolCalls = rec.toolCalls ?? [];
  return h(
    'div',
    { class: 'answer' },
    rec.reasoning
      ? h('details', { class: 'reasoning' }, h('summary', null, `Reasoning (${rec.reasoning.length} chars)`), h('pre', { class: 'prose' }, rec.reasoning))
      : null,
    rec.text ? h('pre', { class: 'prose answer-text' }, rec.text) : toolCalls.length ? null : h('p', { class: 'muted' }, 'No text.'),
    toolCalls.length
      ? h(
          'div',
          { class: 'tool-calls' },
          h('h3', null, `Tool calls (${toolCalls.length})`),
          toolCalls.map((c, i) => h(ToolCall, { key: i, call: c })),
        )
      : null,
  );
}

function ToolCall({ call }: { call: ToolCallView }): ComponentChild {
  const raw = call.input !== undefined ? call.input : call.arguments;
  const parsed = typeof raw === 'string' ? tryParseJson(raw) : raw === undefined ? undefined : { value: raw };
  return h(
    'div',
    { class: 'tool-call' },
    h('div', { class: 'tool-name' }, h('span', { class: 'mono' }, call.name || '(unnamed)'), call.id ? h('span', { class: 'muted small' }, ` ${call.id}`) : null),
    parsed ? h(JsonTree, { value: parsed.value, openDepth: 2 }) : h('pre', { class: 'raw' }, typeof raw === 'string' ? raw : ''),
  );
}
