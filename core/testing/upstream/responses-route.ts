import type { Exchange } from './exchange.ts';
import type { RouteEnv, ScriptedTurn } from './route-env.ts';
import { deliverJson, deliverStream } from './deliver.ts';
import { isObject, sendError } from './http-io.ts';
import { validateResponsesRequest } from './responses-validate.ts';
import { responseJson, responseStream, type ResponsesRenderContext } from './responses-render.ts';
import { contentText, defaultAnswer } from './text.ts';
import { resolveTurn } from './turn.ts';
import { countTokens } from './usage.ts';

// POST /v1/responses (and DeepSeek's native /responses): the OpenAI Responses API, with the
// checks OpenAI makes that a translating gateway could fail (responses-validate.ts).

export async function handleResponses(ex: Exchange, body: Record<string, any>, env: RouteEnv, scripted: ScriptedTurn): Promise<void> {
  if (typeof body.model !== 'string' || body.model === '') return sendError(ex.res, 400, "Missing required parameter: 'model'.", 'invalid_request_error', 'missing_required_parameter');
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return sendError(ex.res, 400, "Invalid type for 'input': expected a string or an array of input items.", 'invalid_request_error', 'invalid_type');
  }
  const problem = validateResponsesRequest(body);
  if (problem) return sendError(ex.res, 400, problem.message, 'invalid_request_error', problem.code, problem.param);

  const turn = resolveTurn(scripted.turn, {
    answer: defaultAnswer(lastUserText(body.input)),
    reasoning: '',
    callId: () => env.ids.next('call_'),
  });
  const ctx: ResponsesRenderContext = {
    id: env.ids.next('resp_'),
    model: body.model,
    request: body,
    pieces: env.pieces,
    tokens: countTokens(env.requestBytes, turn, scripted.turn?.usage),
    ids: env.ids,
  };
  const whole = body.stream === true ? undefined : responseJson(turn, ctx);
  // Stored as OpenAI does by default, for GET /v1/responses/{id} and its input items.
  if (body.store !== false && !scripted.fault) env.store?.(whole ?? responseJson(turn, ctx), typeof body.input === 'string' ? [body.input] : body.input);
  if (whole === undefined) await deliverStream(ex, responseStream(turn, ctx), env.delayMs, scripted.fault);
  else await deliverJson(ex, whole, scripted.fault);
}

/** The string input, or the text of the last user message item (typed or bare `{role, content}`). */
function lastUserText(input: string | unknown[]): string {
  if (typeof input === 'string') return input;
  const last = input.findLast((item) => isObject(item) && item.role === 'user' && (item.type === undefined || item.type === 'message'));
  return isObject(last) ? contentText(last.content) : '';
}
