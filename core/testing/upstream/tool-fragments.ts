import type { ResolvedToolCall } from './turn.ts';
import { splitPieces } from './text.ts';

// Chat `delta.tool_calls` fragments. The first fragment of a call carries id, type and
// name with empty arguments; later ones only `index` and more arguments. With several
// calls the fragments are interleaved (call 0 starts, call 1 starts before call 0 ends,
// then round-robin) to catch gateways that assume one call at a time or index order.

export interface ToolCallFragment {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export function toolCallFragments(calls: ResolvedToolCall[], pieces: number): ToolCallFragment[] {
  const queues = calls.map((call, index) => [
    { index, id: call.id, type: 'function' as const, function: { name: call.name, arguments: '' } },
    ...splitPieces(call.arguments, pieces).map((piece) => ({ index, function: { arguments: piece } })),
  ]);
  const out: ToolCallFragment[] = [];
  // Call 0 gets its head and first argument piece before anyone else speaks.
  out.push(...(queues[0]?.splice(0, 2) ?? []));
  for (let turn = 1; queues.some((q) => q.length > 0); turn++) {
    const next = queues[turn % queues.length]!.shift();
    if (next) out.push(next);
  }
  return out;
}
