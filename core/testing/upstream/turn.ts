import type { FinishReason, MockTurn } from './types.ts';

// A scripted (or default) turn with every default filled in, so the two renderers only
// translate and never decide.

export interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ResolvedTurn {
  /** '' = no reasoning at all. */
  reasoning: string;
  /** null = no text (a tool-call-only turn). */
  content: string | null;
  toolCalls: ResolvedToolCall[];
  finishReason: FinishReason;
}

export interface TurnDefaults {
  /** The ok/echo answer for this request. */
  answer: string;
  /** Reasoning used when the script does not say. */
  reasoning: string;
  /** Id for the index-th tool call when the script gives none. */
  callId: (index: number) => string;
}

export function resolveTurn(spec: MockTurn | undefined, defaults: TurnDefaults): ResolvedTurn {
  const toolCalls = (spec?.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? defaults.callId(i),
    name: call.name,
    arguments: call.arguments,
  }));
  return {
    reasoning: spec?.reasoning ?? defaults.reasoning,
    content: spec?.content ?? (toolCalls.length > 0 ? null : defaults.answer),
    toolCalls,
    finishReason: spec?.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
  };
}
