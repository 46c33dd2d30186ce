/**
 * The admin API over the audit store. Every route needs an admin principal (plugin routes skip
 * onAuth, so each request is authenticated here) and answers JSON, errors in the OpenAI shape.
 * The dashboard calls exactly these paths: the table below is the one place they are listed.
 */
import { GatewayError, type GatewayServices, type Logger, type PluginRoute, type RequestContext } from 'aurora';
import { describeRecord } from './detail.ts';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportStream, type ExportFormat } from './export.ts';
import { invalid, parseCursor, parseFilters, parseLimit, parseStatsOptions } from './params.ts';
import type { AuditStore } from './store.ts';
import type { TailHub } from './tail.ts';

export const API_PREFIX = '/admin/api/v1';

export interface AuditApiServices {
  store: AuditStore;
  tail: TailHub;
  authenticate: GatewayServices['authenticate'];
  log: Logger;
  now?: () => number;
}

type Handler = (request: Request, url: URL, ctx: RequestContext, api: AuditApiServices) => Response | Promise<Response>;

/** Path (under API_PREFIX) → handler; all GET. `*` ends a prefix route (the record id). */
const ROUTES: ReadonlyArray<readonly [string, Handler]> = [
  ['/requests', listRequests],
  ['/requests/*', getRequest],
  ['/stats', getStats],
  ['/export', exportRequests],
  ['/tail', tailRequests],
];

export function createAuditRoutes(api: AuditApiServices): PluginRoute[] {
  return ROUTES.map(([path, handle]) => ({
    method: 'GET',
    path: API_PREFIX + path,
    handler: (request, ctx) => guard(request, ctx, api, handle),
  }));
}

async function guard(request: Request, ctx: RequestContext, api: AuditApiServices, handle: Handler): Promise<Response> {
  try {
    const principal = await api.authenticate(request.headers, ctx);
    if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
    if (!principal.admin) throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', { args: ['The admin API needs an admin key'] });
    return await handle(request, new URL(request.url), ctx, api);
  } catch (err) {
    if (GatewayError.is(err)) return errorResponse(err);
    api.log.error('audit: admin API request failed', { requestId: ctx.id, path: ctx.path, err });
    return errorResponse(new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] }));
  }
}

/** GET /requests → { data: AuditSummary[], next_cursor } */
async function listRequests(_request: Request, url: URL, _ctx: RequestContext, api: AuditApiServices): Promise<Response> {
  const p = url.searchParams;
  const page = await api.store.query(parseFilters(p), { limit: parseLimit(p), cursor: parseCursor(p) });
  return json({ data: page.data, next_cursor: page.nextCursor });
}

/** GET /requests/:id → the record with parsed events and reconstructed answers (detail.ts). */
async function getRequest(_request: Request, url: URL, _ctx: RequestContext, api: AuditApiServices): Promise<Response> {
  const raw = url.pathname.slice(`${API_PREFIX}/requests/`.length);
  let id = '';
  try {
    id = decodeURIComponent(raw);
  } catch {
    // a malformed escape is no id we have
  }
  const record = id && !id.includes('/') ? await api.store.get(id) : undefined;
  if (!record) throw new GatewayError('AURORA_ERR_NOT_FOUND', { message: `No audit record with id "${id || raw}"`, param: 'id' });
  return json(describeRecord(record));
}

/** GET /stats → { buckets, groups } */
async function getStats(_request: Request, url: URL, _ctx: RequestContext, api: AuditApiServices): Promise<Response> {
  return json(await api.store.stats(parseStatsOptions(url.searchParams, (api.now ?? Date.now)())));
}

/** GET /export?format=jsonl|csv → an attachment, streamed. */
function exportRequests(_request: Request, url: URL, _ctx: RequestContext, api: AuditApiServices): Response {
  const p = url.searchParams;
  const format = (p.get('format') || 'jsonl') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw invalid('format', `format must be one of: ${EXPORT_FORMATS.join(', ')}; got "${format}"`);
  const filters = parseFilters(p);
  const limit = p.get('limit') ? parseLimit(p, Infinity, Number.MAX_SAFE_INTEGER) : Infinity;
  const stamp = new Date((api.now ?? Date.now)()).toISOString().replace(/[-:]|\.\d+/g, '');
  return new Response(exportStream(api.store, filters, format, limit), {
    headers: {
      'content-type': EXPORT_CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="aurora-audit-${stamp}.${format}"`,
      'cache-control': 'no-store',
    },
  });
}

/** GET /tail → text/event-stream of `event: record` (the same filters as /requests, `q` included). */
function tailRequests(_request: Request, url: URL, ctx: RequestContext, api: AuditApiServices): Response {
  return new Response(api.tail.subscribe(parseFilters(url.searchParams), ctx.signal), {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

function errorResponse(err: GatewayError): Response {
  return new Response(JSON.stringify(err.toJSON()), {
    status: err.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...err.headers },
  });
}
