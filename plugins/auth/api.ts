/**
 * The admin API for managed keys. Plugin routes skip onAuth, so each request authenticates here and
 * needs an admin principal (the master key or an admin managed key). JSON in and out; errors in the
 * OpenAI shape.
 *
 *   POST   /admin/api/v1/keys       {name, models?, rpm?, tpm?, expiresAt?, admin?} → 201 {key, ...metadata}
 *   GET    /admin/api/v1/keys       → {data: metadata[]}
 *   GET    /admin/api/v1/keys/:id   → metadata
 *   DELETE /admin/api/v1/keys/:id   → revokes; 200 metadata
 */
import { GatewayError, type GatewayServices, type Logger, type PluginRoute, type Principal, type RequestContext } from 'aurora';
import { parseNewKey } from './input.ts';
import { toMetadata, type KeyRecord, type KeyStore } from './keys.ts';
import { KEY_ID_FORMAT } from './secret.ts';

export const KEYS_PATH = '/admin/api/v1/keys';
const BODY_LIMIT = 64 * 1024;

export interface KeyApiServices {
  store: KeyStore;
  authenticate: GatewayServices['authenticate'];
  log: Logger;
  /** Told when a key is revoked (its rate-limit state can go). */
  onRevoke?: (record: KeyRecord) => void;
}

type Handler = (request: Request, principal: Principal, api: KeyApiServices) => Promise<Response>;

export function createKeyRoutes(api: KeyApiServices): PluginRoute[] {
  const route = (method: PluginRoute['method'], path: string, handle: Handler): PluginRoute => ({
    method,
    path,
    handler: (request, ctx) => guard(request, ctx, api, handle),
  });
  return [
    route('GET', KEYS_PATH, listKeys),
    route('POST', KEYS_PATH, createKey),
    route('GET', `${KEYS_PATH}/*`, getKey),
    route('DELETE', `${KEYS_PATH}/*`, revokeKey),
  ];
}

async function guard(request: Request, ctx: RequestContext, api: KeyApiServices, handle: Handler): Promise<Response> {
  try {
    const principal = await api.authenticate(request.headers, ctx);
    if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
    if (!principal.admin) throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', { args: ['Managing keys needs the master key or an admin key'] });
    return await handle(request, principal, api);
  } catch (err) {
    if (GatewayError.is(err)) return json(err.status, err.toJSON(), err.headers);
    api.log.error('auth: key API request failed', { requestId: ctx.id, path: ctx.path, err });
    const error = new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] });
    return json(error.status, error.toJSON());
  }
}

async function listKeys(_request: Request, _principal: Principal, api: KeyApiServices): Promise<Response> {
  await api.store.refresh();
  const now = Date.now();
  const data = api.store.list().map((k) => toMetadata(k, now)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return json(200, { data });
}

async function createKey(request: Request, principal: Principal, api: KeyApiServices): Promise<Response> {
  const input = parseNewKey(await readJson(request));
  const { key, record } = await api.store.create({ ...input, createdBy: principal.id });
  api.log.info('auth: key created', { keyId: record.id, name: record.name, by: principal.id });
  // The key is in this body and nowhere else: keep it out of every cache.
  return json(201, { key, ...toMetadata(record) }, { 'cache-control': 'no-store' });
}

async function getKey(request: Request, _principal: Principal, api: KeyApiServices): Promise<Response> {
  const id = keyIdOf(request);
  await api.store.refresh();
  const record = api.store.get(id);
  if (!record) throw notFound(id);
  return json(200, toMetadata(record));
}

async function revokeKey(request: Request, principal: Principal, api: KeyApiServices): Promise<Response> {
  const id = keyIdOf(request);
  const record = await api.store.revoke(id);
  if (!record) throw notFound(id);
  api.onRevoke?.(record);
  api.log.info('auth: key revoked', { keyId: id, by: principal.id });
  return json(200, toMetadata(record));
}

function keyIdOf(request: Request): string {
  const raw = new URL(request.url).pathname.slice(KEYS_PATH.length + 1);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // a malformed escape is no id we have
  }
  if (!KEY_ID_FORMAT.test(id)) throw notFound(id);
  return id;
}

function notFound(id: string): GatewayError {
  return new GatewayError('AURORA_ERR_NOT_FOUND', { message: `No key with id "${id}"`, param: 'id' });
}

async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > BODY_LIMIT) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [BODY_LIMIT] });
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > BODY_LIMIT) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [BODY_LIMIT] });
      chunks.push(chunk);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new GatewayError('AURORA_ERR_INVALID_JSON', { args: [(err as Error).message] });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...headers, 'content-type': 'application/json' } });
}
