/**
 * The admin API for managed keys. Plugin routes skip onAuth, so each request authenticates here and
 * needs an admin principal (the master key or an admin managed key). JSON in and out; errors in the
 * OpenAI shape.
 *
 *   POST   /admin/api/v1/keys       {name, models?, rpm?, tpm?, budgetDay?, budgetMonth?, expiresAt?, admin?} → 201 {key, ...metadata}
 *   GET    /admin/api/v1/keys       → {data: metadata[]}   (each with `spend`: USD spent this UTC day and month)
 *   GET    /admin/api/v1/keys/:id   → metadata
 *   PATCH  /admin/api/v1/keys/:id   {the fields to change; null removes a limit} → 200 metadata
 *   DELETE /admin/api/v1/keys/:id   → revokes; 200 metadata
 */
import { GatewayError, adminRoutes, jsonResponse, pathParam, readJsonBody, type AdminRequest, type AdminRoute, type GatewayServices, type PluginRoute } from 'aurora';
import { parseKeyChanges, parseNewKey } from './input.ts';
import { toMetadata, type KeyMetadata, type KeyRecord, type KeyStore } from './keys.ts';
import { KEY_ID_FORMAT } from './secret.ts';
import { NO_SPEND, type Spent, type SpendLedger } from './spend.ts';

export const KEYS_PATH = '/admin/api/v1/keys';
const BODY_LIMIT = 64 * 1024;

export interface KeyApiServices {
  store: KeyStore;
  /** What each key spent, shown beside its budgets. */
  spend?: SpendLedger;
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
    route('PATCH', '/keys/*', updateKey),
    route('DELETE', '/keys/*', revokeKey),
  ], { forbidden: 'Managing keys needs the master key or an admin key', logAs: 'auth' });
}

/** A key as the API shows it: its metadata and what it spent this UTC day and month. */
export type KeyListing = KeyMetadata & { spend: Spent };

async function listKeys(_admin: AdminRequest, api: KeyApiServices): Promise<Response> {
  await api.store.refresh();
  const now = Date.now();
  const spent = (await api.spend?.spentAll()) ?? new Map<string, Spent>();
  const data: KeyListing[] = api.store.list()
    .map((k) => ({ ...toMetadata(k, now), spend: spent.get(k.id) ?? NO_SPEND }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return jsonResponse({ data });
}

async function listing(record: KeyRecord, api: KeyApiServices): Promise<KeyListing> {
  return { ...toMetadata(record), spend: (await api.spend?.spent(record.id)) ?? NO_SPEND };
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
  return jsonResponse(await listing(record, api));
}

async function updateKey({ request, url, principal, ctx }: AdminRequest, api: KeyApiServices): Promise<Response> {
  const id = keyIdOf(url);
  const changes = parseKeyChanges(await readJsonBody(request, BODY_LIMIT));
  const record = await api.store.update(id, changes);
  if (!record) throw notFound(id);
  ctx.log.info('auth: key updated', { keyId: id, fields: Object.keys(changes), by: principal.id });
  return jsonResponse(await listing(record, api));
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
