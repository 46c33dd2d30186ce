import type { Exchange } from './exchange.ts';
import type { RouteEnv, ScriptedTurn } from './route-env.ts';
import type { ChatRenderContext } from './chat-render.ts';
import { FAMILIES } from './chat-families.ts';
import { deliverJson, deliverStream } from './deliver.ts';
import { contentText, defaultAnswer } from './text.ts';
import { resolveTurn } from './turn.ts';
import { countTokens } from './usage.ts';

// POST /chat/completions and /v1/chat/completions, answered the way DeepSeek does (or the
// provider family the emulator plays: chat-families.ts).

/** What DeepSeek "thinks" when a script does not say: short, so usage stays small. */
const DEFAULT_REASONING = 'Considering the request.';

export async function handleChat(ex: Exchange, body: Record<string, any>, env: RouteEnv, scripted: ScriptedTurn): Promise<void> {
  const family = FAMILIES[env.chat];
  const invalid = family.validate(body, env.reasoningEfforts);
  if (invalid) return family.refuse(ex.res, invalid);

  const thinking = family.thinking(body);
  const turn = resolveTurn(scripted.turn, {
    answer: defaultAnswer(lastUserText(body.messages)),
    reasoning: thinking ? DEFAULT_REASONING : '',
    // DeepSeek numbers its call ids: call_00_…, call_01_…
    callId: (i) => env.ids.next(`call_${String(i).padStart(2, '0')}_`),
  });
  const ctx: ChatRenderContext = {
    id: env.ids.uuid(),
    model: body.model,
    thinking,
    includeUsage: body.stream_options?.include_usage === true,
    pieces: env.pieces,
    tokens: countTokens(env.requestBytes, turn, scripted.turn?.usage),
  };
  if (body.stream === true) await deliverStream(ex, family.stream(turn, ctx), env.delayMs, scripted.fault);
  else await deliverJson(ex, family.json(turn, ctx), scripted.fault);
}

function lastUserText(messages: Array<Record<string, any>>): string {
  const last = messages.findLast((m) => m.role === 'user');
  return last ? contentText(last.content) : '';
}
