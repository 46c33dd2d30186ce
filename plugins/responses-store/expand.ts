/**
 * The request side. On a translated route, `previous_response_id` and `item_reference` become the
 * items they stand for, so the provider plugin translates a whole conversation exactly as if the
 * client had resent it — reasoning items with their `encrypted_content` included, which is what
 * carries DeepSeek's `reasoning_content` and Claude's signed thinking back. On a passthrough route
 * the provider keeps its own state; a `previous_response_id` that another provider (or this
 * gateway's store) holds is refused with a message that names it, before the upstream is confused.
 */
import { GatewayError, type JsonObject, type RoutedContext, type UpstreamRequest } from 'aurora';
import { inputItems, isResponseId } from './items.ts';
import type { ResponseHolder, ResponseStore } from './store/response-store.ts';

/** What the store needs to know of a request it may keep: the link it continues and its own input. */
export interface Continuation {
  previousId: string | null;
  /** Responses in the chain this response ends, itself included. */
  depth: number;
  /** The request's input items, references resolved (not yet given ids). */
  input: JsonObject[];
}

export interface ExpandOptions {
  store: ResponseStore;
  maxChainDepth: number;
}

/** Whether a Responses body leans on stored state: a previous response or item references. */
export function leansOnState(body: JsonObject | undefined): boolean {
  if (!body) return false;
  const previous = body.previous_response_id;
  if (previous !== undefined && previous !== null && previous !== '') return true;
  const input = body.input;
  if (!Array.isArray(input)) return false;
  for (const item of input) if (item?.type === 'item_reference') return true;
  return false;
}

/** The translated route's request with the chain and the references in `input`, and what to store of it. */
export async function expandRequest(request: UpstreamRequest, ctx: RoutedContext, options: ExpandOptions): Promise<{ request: UpstreamRequest; continuation: Continuation }> {
  const body = request.body ?? {};
  const owner = ctx.principal?.id ?? '';
  const { store } = options;
  let context: JsonObject[] = [];
  let previousId: string | null = null;
  let depth = 1;

  const asked = body.previous_response_id;
  if (asked !== undefined && asked !== null && asked !== '') {
    if (!isResponseId(asked)) throw invalidId('previous_response_id', asked);
    const previous = await store.get(asked);
    if (!previous || previous.owner !== owner) throw previousNotFound(asked, previous ? undefined : await store.holder(asked), owner);
    if (previous.depth >= options.maxChainDepth) {
      throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
        param: 'previous_response_id',
        message: `Previous response '${asked}' ends a chain of ${previous.depth} responses; this gateway continues chains of at most ${options.maxChainDepth} (the responses-store plugin's maxChainDepth). Send the conversation in \`input\` without previous_response_id, or start a new chain.`,
      });
    }
    const chain = await store.chain(asked, previous.depth);
    if (chain.missing !== undefined || chain.responses.some((r) => r.owner !== owner)) {
      throw new GatewayError('AURORA_ERR_PREVIOUS_RESPONSE_NOT_FOUND', {
        param: 'previous_response_id',
        message: `Previous response with id '${asked}' cannot be continued: response '${chain.missing ?? asked}' in its chain was deleted or has expired. Send the conversation in \`input\` instead.`,
      });
    }
    for (const r of chain.responses) context.push(...r.input, ...(Array.isArray(r.response.output) ? r.response.output : []));
    previousId = asked;
    depth = previous.depth + 1;
  }

  const items = inputItems(body.input);
  let input = items;
  const references = items.filter((i) => i.type === 'item_reference');
  if (references.length > 0) {
    for (const ref of references) if (!isResponseId(ref.id)) throw invalidId('input', ref.id, 'item_reference id');
    // An item of the chain just loaded needs no second look-up.
    const local = new Map<string, JsonObject>();
    for (const item of context) if (typeof item.id === 'string') local.set(item.id, item);
    const wanted = references.map((r) => r.id as string).filter((id) => !local.has(id));
    const found = wanted.length > 0 ? await store.items(owner, wanted) : new Map<string, JsonObject>();
    input = items.map((item) => {
      if (item.type !== 'item_reference') return item;
      const resolved = local.get(item.id) ?? found.get(item.id);
      if (!resolved) throw new GatewayError('AURORA_ERR_ITEM_NOT_FOUND', { args: [String(item.id)], param: 'input' });
      return resolved;
    });
  }

  const { previous_response_id: _continued, ...rest } = body;
  context = previousId === null ? input : [...context, ...input];
  return { request: { ...request, body: { ...rest, input: context } }, continuation: { previousId, depth, input } };
}

/**
 * A passthrough route's `previous_response_id`: the provider's own, unless this gateway knows it is
 * held elsewhere (its store, another provider) or by another key. Returns the request unchanged.
 */
export async function checkPassthroughChain(request: UpstreamRequest, ctx: RoutedContext, store: ResponseStore): Promise<UpstreamRequest> {
  const id = request.body?.previous_response_id;
  // A malformed or unknown id is the provider's to answer, as it would without this gateway.
  if (!isResponseId(id)) return request;
  const holder = await store.holder(id);
  if (!holder) return request;
  const owner = ctx.principal?.id ?? '';
  if (holder.owner !== owner) throw previousNotFound(id, undefined, owner);
  const here = ctx.route.provider.name;
  if (holder.kind === 'passthrough' && holder.provider === here) return request;
  throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
    param: 'previous_response_id',
    message: holder.kind === 'stored'
      ? `Previous response '${id}' was answered by ${holder.provider}, and this gateway keeps it; ${here}, which serves ${ctx.route.model}, keeps its own responses and cannot continue it. Continue it with a model ${holder.provider} serves, or send the conversation in \`input\`.`
      : `Previous response '${id}' is kept by ${holder.provider}; this request goes to ${here} (model ${ctx.route.model}), which does not hold it. Continue it with a model ${holder.provider} serves, or send the conversation in \`input\`.`,
  });
}

function previousNotFound(id: string, holder: ResponseHolder | undefined, owner: string): GatewayError {
  // Only the key's own responses are described: another key's look exactly like unknown ones.
  const elsewhere = holder?.kind === 'passthrough' && holder.owner === owner
    ? ` It was answered by ${holder.provider}, which keeps it itself: continue it with a model ${holder.provider} serves.`
    : '';
  return new GatewayError('AURORA_ERR_PREVIOUS_RESPONSE_NOT_FOUND', { args: [id], param: 'previous_response_id', ...(elsewhere ? { message: `Previous response with id '${id}' not found.${elsewhere}` } : {}) });
}

function invalidId(param: string, value: unknown, what = param): GatewayError {
  return new GatewayError('AURORA_ERR_INVALID_PARAM', {
    param,
    message: `Invalid '${what}': ${JSON.stringify(value)?.slice(0, 120) ?? String(value)}. Expected an ID that contains letters, numbers, underscores, or dashes.`,
  });
}
