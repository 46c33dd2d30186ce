/**
 * `/v1/responses/{id}…` for the responses this gateway holds, answered in process: the plugin routes
 * them to a provider whose `forward` reads the store, so auth, limits, the audit and metrics apply
 * as to any request. Only the owner (`principal.id`) sees a response; for anyone else, and for an id
 * nobody holds, it is OpenAI's 404.
 */
import { GatewayError, type JsonObject, type Provider, type RoutedContext, type UpstreamRequest } from 'aurora';
import { guarded } from './failures.ts';
import { includesOf, isResponseId, visibleItem } from './items.ts';
import type { ResponseStore, StoredResponse } from './store/response-store.ts';

export const STORE_PROVIDER_NAME = 'responses-store';

/** A `/responses/{id}[/rest]` path (relative to the provider's base URL), or undefined for another. */
export function resourceOf(path: string | undefined): { id: string; rest: string; query: URLSearchParams } | undefined {
  if (!path?.startsWith('/responses/')) return undefined;
  const q = path.indexOf('?');
  const segments = (q === -1 ? path : path.slice(0, q)).slice('/responses/'.length).split('/');
  let id: string;
  try {
    id = decodeURIComponent(segments[0] ?? '');
  } catch {
    id = segments[0] ?? '';
  }
  // Not a response: the two POST endpoints that hang off /responses itself.
  if (id === '' || (segments.length === 1 && (id === 'compact' || id === 'input_tokens'))) return undefined;
  return { id, rest: segments.slice(1).filter(Boolean).join('/'), query: new URLSearchParams(q === -1 ? '' : path.slice(q + 1)) };
}

export function createStoreProvider(store: () => ResponseStore): Provider {
  return {
    name: STORE_PROVIDER_NAME,
    baseUrl: 'aurora://responses-store',
    apis: ['responses.resource'],
    forward: async (request, ctx) => {
      try {
        return await guarded(() => answer(request, ctx, store()));
      } catch (err) {
        // Answered as an upstream would: the error reaches the client in its status and shape.
        return (err as GatewayError).toResponse();
      }
    },
  };
}

async function answer(request: UpstreamRequest, ctx: RoutedContext, store: ResponseStore): Promise<Response> {
  const target = resourceOf(request.path);
  if (!target) throw new GatewayError('AURORA_ERR_NOT_FOUND', { args: [request.method, ctx.path] });
  const { id, rest, query } = target;
  if (!isResponseId(id)) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'response_id', message: `Invalid 'response_id': ${JSON.stringify(id).slice(0, 120)}. Expected an ID that contains letters, numbers, underscores, or dashes.` });
  }
  const owner = ctx.principal?.id ?? '';
  const notFound = () => new GatewayError('AURORA_ERR_RESPONSE_NOT_FOUND', { args: [id], param: 'response_id' });
  const known = new Set(['', 'input_items', 'cancel']);
  if (!known.has(rest)) throw new GatewayError('AURORA_ERR_NOT_FOUND', { args: [request.method, ctx.path] });

  if (request.method === 'DELETE' && rest === '') {
    if (!(await store.delete(id, owner))) throw notFound();
    return json({ id, object: 'response.deleted', deleted: true });
  }
  const stored = await store.get(id);
  if (!stored || stored.owner !== owner) throw notFound();
  const include = includesOf([...query.getAll('include'), ...query.getAll('include[]')]);
  if (request.method === 'GET' && rest === '') {
    if (query.get('stream') === 'true') {
      throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'stream', message: 'Streaming a stored response is for responses created with background: true; this response is complete: retrieve it without stream.' });
    }
    const response = stored.response;
    return json(Array.isArray(response.output) ? { ...response, output: response.output.map((item: JsonObject) => visibleItem(item, include)) } : response);
  }
  if (request.method === 'GET' && rest === 'input_items') return json(await inputItemsPage(stored, store, query, include));
  if (request.method === 'POST' && rest === 'cancel') {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: null, message: 'Only responses created with background=true can be cancelled.' });
  }
  throw new GatewayError('AURORA_ERR_METHOD_NOT_ALLOWED', { args: [request.method, ctx.path, rest === 'cancel' ? 'POST' : rest === '' ? 'GET, DELETE' : 'GET'] });
}

/**
 * The items the model was given for this response — its chain's inputs and outputs, then its own
 * input — as one list, paged as OpenAI pages it: `order` (default `desc`), `limit` (1–100, default
 * 20), and `after` / `before` an item id of the list.
 */
async function inputItemsPage(stored: StoredResponse, store: ResponseStore, query: URLSearchParams, include: ReadonlySet<string>): Promise<JsonObject> {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'order', message: `Invalid 'order': '${order}'. Expected 'asc' or 'desc'.` });
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'limit', message: `Invalid 'limit': ${limitText}. Expected an integer from 1 to 100.` });

  const items: JsonObject[] = [];
  if (stored.previousId !== null) {
    // What is left of the chain (a response deleted since leaves a gap the listing cannot fill).
    const chain = await store.chain(stored.previousId, stored.depth - 1);
    for (const r of chain.responses) items.push(...r.input, ...(Array.isArray(r.response.output) ? r.response.output : []));
  }
  items.push(...stored.input);
  const ordered = order === 'asc' ? items : items.reverse();

  let start = 0;
  let end = ordered.length;
  const after = query.get('after');
  const before = query.get('before');
  if (after !== null) start = cursorIndex(ordered, after, 'after') + 1;
  if (before !== null) end = cursorIndex(ordered, before, 'before');
  // `before` pages backwards: the page is the items just before the cursor.
  const backwards = before !== null && after === null;
  const from = backwards ? Math.max(start, end - limit) : start;
  const to = backwards ? end : Math.min(end, start + limit);
  const data = ordered.slice(from, Math.max(from, to)).map((item) => visibleItem(item, include));
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: backwards ? from > start : to < end,
  };
}

function cursorIndex(items: JsonObject[], id: string, param: string): number {
  const at = items.findIndex((item) => item.id === id);
  if (at === -1) throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param, message: `Invalid '${param}': no item '${id.slice(0, 120)}' in this response's input items.` });
  return at;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}
