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
import { GatewayError, adminRoutes, jsonResponse, pathParam, readJsonBody, type AdminRequest, type AdminRoute, type GatewayServices, type PluginRoute } from 'aurora';
import { parseNewKey } from './input.ts';
import { toMetadata, type KeyRecord, type KeyStore } from './keys.ts';
import { KEY_ID_FORMAT } from './secret.ts';

export const KEYS_PATH = '/admin/api/v1/keys';
const BODY_LIMIT = 64 * 1024;

export interface KeyApiServices {
  store: KeyStore;
  /** Told when a key is revoked (its rate-limit state can go). */
  onRevoke?: (record: KeyRecord) => void;
}

type Handler = (admin: AdminRequest, api: KeyApiServices) => Promise<Response>;

export function createKeyRoutes(gateway: Pick<GatewayServices, 'authenticate' | 'log'>, api: KeyApiServices): PluginRoute[] {
  const route = (method: AdminRoute['method'], path: string, handle: Handler): AdminRoute => ({ method, path, handler: (admin) => handle(admin, api) });
  return adminRoutes(gateway, [
    route('GET', '/keys', listKeys),
    route('POST', '/keys', createKey),
    route('GET', '/keys/*', getKey),
    route('DELETE', '/keys/*', revokeKey),
  ], { forbidden: 'Managing keys needs the master key or an admin key', logAs: 'auth' });
}

async function listKeys(_admin: AdminRequest, api: KeyApiServices): Promise<Response> {
  await api.store.refresh();
  const now = Date.now();
  const data = api.store.list().map((k) => toMetadata(k, now)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return jsonResponse({ data });
}

async function createKey({ request, principal, ctx }: AdminRequest, api: KeyApiServices): Promise<Response> {
  const input = parseNewKey(await readJsonBody(request, BODY_LIMIT));
  const { key, record } = await api.store.create({ ...input, createdBy: principal.id });
  ctx.log.info('auth: key created', { keyId: record.id, name: record.name, by: principal.id });
  // The key is in this body and nowhere else: kept out of every cache (jsonResponse says no-store).
  return jsonResponse({ key, ...toMetadata(record) }, 201);
}

async function getKey({ url }: AdminRequest, api: KeyApiServices): Promise<Response> {
  const id = keyIdOf(url);
  await api.store.refresh();
  const record = api.store.get(id);
  if (!record) throw notFound(id);
  return jsonResponse(toMetadata(record));
}

async function revokeKey({ url, principal, ctx }: AdminRequest, api: KeyApiServices): Promise<Response> {
  const id = keyIdOf(url);
  const record = await api.store.revoke(id);
  if (!record) throw notFound(id);
  api.onRevoke?.(record);
  ctx.log.info('auth: key revoked', { keyId: id, by: principal.id });
  return jsonResponse(toMetadata(record));
}

function keyIdOf(url: URL): string {
  const id = pathParam(url, '/keys');
  if (!KEY_ID_FORMAT.test(id)) throw notFound(id || url.pathname.split('/').pop() || '');
  return id;
}

function notFound(id: string): GatewayError {
  return new GatewayError('AURORA_ERR_NOT_FOUND', { message: `No key with id "${id}"`, param: 'id' });
}
