/**
 * The admin API over the audit store, under the core's admin shell (`adminRoutes`: admin
 * principal only, JSON answers, errors in the OpenAI shape). The dashboard calls exactly these
 * paths: the table below is the one place they are listed.
 */
import { GatewayError, adminRoutes, jsonResponse, pathParam, type AdminRequest, type AdminRoute, type GatewayServices } from 'aurora';
import { describeRecord } from './detail.ts';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportStream, type ExportFormat } from './export.ts';
import { invalid, parseCursor, parseFilters, parseLimit, parseStatsOptions } from './params.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { TailHub } from './tail.ts';

export interface AuditApiServices {
  store: AuditStore;
  tail: TailHub;
  now?: () => number;
}

type Handler = (admin: AdminRequest, api: AuditApiServices) => Response | Promise<Response>;

/** Path (under the admin prefix) → handler; all GET. `*` ends a prefix route (the record id). */
const ROUTES: ReadonlyArray<readonly [string, Handler]> = [
  ['/requests', listRequests],
  ['/requests/*', getRequest],
  ['/stats', getStats],
  ['/export', exportRequests],
  ['/tail', tailRequests],
];

export function createAuditRoutes(gateway: Pick<GatewayServices, 'authenticate' | 'log'>, api: AuditApiServices) {
  const routes: AdminRoute[] = ROUTES.map(([path, handle]) => ({ method: 'GET', path, handler: (admin) => handle(admin, api) }));
  return adminRoutes(gateway, routes, { logAs: 'audit' });
}

/** GET /requests → { data: AuditSummary[], next_cursor } */
async function listRequests({ url }: AdminRequest, api: AuditApiServices): Promise<Response> {
  const p = url.searchParams;
  const page = await api.store.query(parseFilters(p), { limit: parseLimit(p), cursor: parseCursor(p) });
  return jsonResponse({ data: page.data, next_cursor: page.nextCursor });
}

/** GET /requests/:id → the record with parsed events and reconstructed answers (detail.ts). */
async function getRequest({ url }: AdminRequest, api: AuditApiServices): Promise<Response> {
  const id = pathParam(url, '/requests');
  const record = id ? await api.store.get(id) : undefined;
  if (!record) throw new GatewayError('AURORA_ERR_NOT_FOUND', { message: `No audit record with id "${id || url.pathname.split('/').pop()}"`, param: 'id' });
  return jsonResponse(describeRecord(record));
}

/** GET /stats → { buckets, groups } */
async function getStats({ url }: AdminRequest, api: AuditApiServices): Promise<Response> {
  return jsonResponse(await api.store.stats(parseStatsOptions(url.searchParams, (api.now ?? Date.now)())));
}

/** GET /export?format=jsonl|csv → an attachment, streamed. */
function exportRequests({ url }: AdminRequest, api: AuditApiServices): Response {
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
function tailRequests({ url, ctx }: AdminRequest, api: AuditApiServices): Response {
  return new Response(api.tail.subscribe(parseFilters(url.searchParams), ctx.signal), {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
}
