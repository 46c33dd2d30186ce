/** Managed keys end to end: the admin API, using keys, allow-lists, rpm/tpm limits, persistence. */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestGateway, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import type { Plugin } from 'aurora';
import { emulatedUpstream, MASTER_KEY, SEED, UPSTREAM_KEY, post, tempDir } from './helpers.ts';

const KEYS = '/admin/api/v1/keys';
const upstream = emulatedUpstream();
const cleanup: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function gateway(dir?: string, extra: Plugin[] = []): Promise<{ gw: TestGateway; dir: string }> {
  const where = dir ?? (await tempDir('aurora-keys-'));
  if (!dir) cleanup.push(() => rm(where, { recursive: true, force: true }));
  const gw = await createTestGateway({
    plugins: [auth({ masterKey: MASTER_KEY, dir: where }), openai({ baseUrl: `${upstream.mock.url}/v1`, apiKey: UPSTREAM_KEY, models: ['gpt-*', 'o4-*'] }), ...extra],
  });
  cleanup.push(() => gw.close());
  return { gw, dir: where };
}

function admin(gw: TestGateway, method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function createKey(gw: TestGateway, body: Record<string, unknown>, key = MASTER_KEY): Promise<{ key: string; id: string } & Record<string, unknown>> {
  const res = await admin(gw, 'POST', KEYS, body, key);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const ask = (gw: TestGateway, key: string, model = SEED.model) => post(`${gw.baseUrl}/responses`, { ...SEED, model }, { key });

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  return body.error as { message: string; param: string | null; type: string };
}

describe('admin API and key use', () => {
  it('creates a key (shown once), uses it, lists it without secret or hash, revokes it', async () => {
    const { gw } = await gateway();
    const created = await createKey(gw, { name: 'alice', models: ['gpt-*'], rpm: 60 });
    expect(created.key).toMatch(/^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`ak_${created.id}_`)).toBe(true);
    expect(created).toMatchObject({ name: 'alice', models: ['gpt-*'], rpm: 60, tpm: null, admin: false, status: 'active', revokedAt: null, expiresAt: null, createdBy: 'master' });
    expect(created).not.toHaveProperty('hash');

    expect((await ask(gw, created.key)).status).toBe(200);

    const list = await (await admin(gw, 'GET', KEYS)).json();
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ id: created.id, name: 'alice', status: 'active' });
    const listed = JSON.stringify(list);
    expect(listed).not.toContain(created.key);
    expect(listed).not.toContain(created.key.split('_').slice(2).join('_'));
    expect(list.data[0]).not.toHaveProperty('hash');
    expect(list.data[0]).not.toHaveProperty('key');

    const one = await admin(gw, 'GET', `${KEYS}/${created.id}`);
    expect(await one.json()).toMatchObject({ id: created.id, name: 'alice' });

    const revoked = await admin(gw, 'DELETE', `${KEYS}/${created.id}`);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id: created.id, status: 'revoked', revokedAt: expect.any(String) });
    const error = await expectError(await ask(gw, created.key), 401, 'invalid_api_key');
    expect(error.message).toContain('revoked');

    await expectError(await admin(gw, 'DELETE', `${KEYS}/0123456789ab`), 404, 'unknown_url');
    await expectError(await admin(gw, 'DELETE', `${KEYS}/not-an-id`), 404, 'unknown_url');
  });

  it('never logs a managed key or its hash, and keeps the principal free of it', async () => {
    const principals: unknown[] = [];
    const { gw, dir } = await gateway(undefined, [{ name: 'spy', onAudit: (record) => void principals.push(record.principal) }]);
    const { key, id } = await createKey(gw, { name: 'bob' });
    expect((await ask(gw, key)).status).toBe(200);
    await vi.waitFor(() => expect(principals).toHaveLength(1));
    expect(principals[0]).toEqual({ id, name: 'bob', admin: false });
    const hash = JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8')).keys[0].hash as string;
    const logs = JSON.stringify(gw.logs);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(hash);
  });

  it('refuses unknown, malformed, wrong-secret and expired keys with 401', async () => {
    const { gw } = await gateway();
    const { key, id } = await createKey(gw, { name: 'short-lived', expiresAt: Date.now() + 1500 });
    expect((await ask(gw, key)).status).toBe(200);
    await expectError(await ask(gw, `ak_${id}_${'x'.repeat(43)}`), 401, 'invalid_api_key');
    await expectError(await ask(gw, `ak_0123456789ab_${'x'.repeat(43)}`), 401, 'invalid_api_key');
    await expectError(await ask(gw, 'ak_nonsense'), 401, 'invalid_api_key');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const error = await expectError(await ask(gw, key), 401, 'invalid_api_key');
    expect(error.message).toContain('expired');
    const list = await (await admin(gw, 'GET', KEYS)).json();
    expect(list.data[0].status).toBe('expired');
  });

  it('needs an admin principal: 401 without a key, 403 for a non-admin key, allowed for an admin key', async () => {
    const { gw } = await gateway();
    const user = await createKey(gw, { name: 'user' });
    const boss = await createKey(gw, { name: 'boss', admin: true });
    await expectError(await fetch(`${gw.url}${KEYS}`), 401, 'invalid_api_key');
    await expectError(await admin(gw, 'GET', KEYS, undefined, 'wrong-key'), 401, 'invalid_api_key');
    const denied = await expectError(await admin(gw, 'GET', KEYS, undefined, user.key), 403, 'permission_denied');
    expect(denied.message).toMatch(/admin/);
    await expectError(await admin(gw, 'POST', KEYS, { name: 'sneaky', admin: true }, user.key), 403, 'permission_denied');
    await expectError(await admin(gw, 'DELETE', `${KEYS}/${boss.id}`, undefined, user.key), 403, 'permission_denied');

    expect((await admin(gw, 'GET', KEYS, undefined, boss.key)).status).toBe(200);
    const made = await createKey(gw, { name: 'made-by-boss' }, boss.key);
    expect(made.createdBy).toBe(boss.id);
    expect((await ask(gw, made.key)).status).toBe(200);
  });

  it('400 on bad input, naming the field', async () => {
    const { gw } = await gateway();
    const cases: Array<[unknown, number, string, string | null]> = [
      ['{"name":', 400, 'invalid_json', null],
      [[1, 2], 400, 'invalid_body', null],
      [{}, 400, 'missing_required_parameter', 'name'],
      [{ name: '' }, 400, 'invalid_value', 'name'],
      [{ name: 'a', rpm: 0 }, 400, 'invalid_value', 'rpm'],
      [{ name: 'a', tpm: 1.5 }, 400, 'invalid_value', 'tpm'],
      [{ name: 'a', models: [] }, 400, 'invalid_value', 'models'],
      [{ name: 'a', models: 'gpt-*' }, 400, 'invalid_value', 'models'],
      [{ name: 'a', expiresAt: 'tomorrow' }, 400, 'invalid_value', 'expiresAt'],
      [{ name: 'a', expiresAt: '2001-01-01' }, 400, 'invalid_value', 'expiresAt'],
      [{ name: 'a', admin: 'yes' }, 400, 'invalid_value', 'admin'],
      [{ name: 'a', colour: 'red' }, 400, 'invalid_value', 'colour'],
    ];
    for (const [body, status, code, param] of cases) {
      const error = await expectError(await admin(gw, 'POST', KEYS, body), status, code);
      expect(error.param, JSON.stringify(body)).toBe(param);
    }
    expect((await (await admin(gw, 'GET', KEYS)).json()).data).toEqual([]);
    const ok = await createKey(gw, { name: 'dated', expiresAt: '2099-01-01' });
    expect(ok.expiresAt).toBe('2099-01-01T00:00:00.000Z');
  });
});

describe('model allow-list', () => {
  it('serves allowed models, refuses others with 403 before anything goes upstream, and lists models', async () => {
    const { gw } = await gateway();
    const { key } = await createKey(gw, { name: 'gpt-only', models: ['gpt-*'] });
    expect((await ask(gw, key, 'gpt-4.1-mini')).status).toBe(200);
    const before = upstream.mock.requests.length;
    const error = await expectError(await ask(gw, key, 'o4-mini'), 403, 'permission_denied');
    expect(error.param).toBe('model');
    expect(error.message).toContain('o4-mini');
    expect(error.message).toContain('gpt-*');
    expect(upstream.mock.requests.length).toBe(before);
    // Chat Completions too.
    const chat = await post(`${gw.baseUrl}/chat/completions`, { model: 'o4-mini', messages: [{ role: 'user', content: 'hi' }] }, { key });
    await expectError(chat, 403, 'permission_denied');
    expect(upstream.mock.requests.length).toBe(before);
    // GET /v1/models names no model: not refused.
    const models = await fetch(`${gw.baseUrl}/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
    // The master key is not restricted.
    expect((await ask(gw, MASTER_KEY, 'o4-mini')).status).toBe(200);
  });
});

describe('model allow-list with routing', () => {
  it('a key allowed an alias uses it and its fallback, not the model behind it by that model\'s own name', async () => {
    const dir = await tempDir('aurora-keys-');
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const gw = await createTestGateway({
      routing: { aliases: { 'team-default': 'gpt-4.1-mini' }, fallbacks: { 'gpt-4.1-mini': ['o4-mini'] } },
      plugins: [auth({ masterKey: MASTER_KEY, dir }), openai({ baseUrl: `${upstream.mock.url}/v1`, apiKey: UPSTREAM_KEY, models: ['gpt-*', 'o4-*'] })],
    });
    cleanup.push(() => gw.close());
    const { key } = await createKey(gw, { name: 'alias-only', models: ['team-default'] });
    expect((await ask(gw, key, 'team-default')).status).toBe(200);
    expect(upstream.mock.requests.at(-1)!.body.model).toBe('gpt-4.1-mini');
    upstream.mock.enqueue({ http: { status: 503, body: { error: { message: 'busy' } } } });
    expect((await ask(gw, key, 'team-default')).status).toBe(200);
    expect(upstream.mock.requests.at(-1)!.body.model).toBe('o4-mini');
    await expectError(await ask(gw, key, 'gpt-4.1-mini'), 403, 'permission_denied');
    await expectError(await ask(gw, key, 'o4-mini'), 403, 'permission_denied');
  });
});

describe('rate limits', () => {
  it('rpm: the request over the limit gets 429 with a Retry-After in seconds', async () => {
    const { gw } = await gateway();
    const { key } = await createKey(gw, { name: 'slow', rpm: 3 });
    for (let i = 0; i < 3; i++) expect((await ask(gw, key)).status).toBe(200);
    const before = upstream.mock.requests.length;
    const res = await ask(gw, key);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = await expectError(res, 429, 'rate_limit_exceeded');
    expect(error.message).toContain('3 requests per minute');
    expect(upstream.mock.requests.length).toBe(before);
    // Other keys and the admin API are not affected.
    const other = await createKey(gw, { name: 'other', rpm: 3 });
    expect((await ask(gw, other.key)).status).toBe(200);
  });

  it('tpm: the tokens an embeddings request reports count too', async () => {
    const { gw } = await gateway();
    const { key } = await createKey(gw, { name: 'embedder', tpm: 5 });
    const embed = () => post(`${gw.baseUrl}/embeddings`, { model: 'gpt-embed-small', input: 'a sentence long enough to cost more than five tokens' }, { key });
    const first = await embed();
    expect(first.status).toBe(200);
    expect((await first.json()).usage.prompt_tokens).toBeGreaterThan(5);
    await vi.waitFor(async () => expect((await embed()).status).toBe(429));
  });

  it('tpm: once the tokens used in the minute reach the limit, the next request gets 429', async () => {
    const { gw } = await gateway();
    const { key } = await createKey(gw, { name: 'thrifty', tpm: 5 });
    const first = await ask(gw, key);
    expect(first.status).toBe(200);
    expect((await first.json()).usage.total_tokens).toBeGreaterThan(5);
    // Tokens are counted when the audit record is out, just after the client has its answer.
    await vi.waitFor(async () => {
      const res = await ask(gw, key);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const error = await expectError(res, 429, 'rate_limit_exceeded');
      expect(error.message).toContain('5 tokens per minute');
    });
  });
});

describe('persistence', () => {
  it('keys survive closing and recreating the gateway on the same folder', async () => {
    const { gw, dir } = await gateway();
    const { key, id } = await createKey(gw, { name: 'durable', models: ['gpt-*'] });
    const gone = await createKey(gw, { name: 'gone' });
    expect((await admin(gw, 'DELETE', `${KEYS}/${gone.id}`)).status).toBe(200);
    await gw.close();
    const again = await gateway(dir);
    expect((await ask(again.gw, key)).status).toBe(200);
    expect((await ask(again.gw, gone.key)).status).toBe(401);
    const list = await (await admin(again.gw, 'GET', KEYS)).json();
    expect(list.data.map((k: { id: string; status: string }) => [k.id, k.status])).toEqual([[id, 'active'], [gone.id, 'revoked']]);
  });

  it('50 keys created concurrently are all stored and all work; the file holds no plaintext key', async () => {
    const { gw, dir } = await gateway();
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => createKey(gw, { name: `k${i}` })));
    expect(new Set(created.map((c) => c.id)).size).toBe(50);
    const list = await (await admin(gw, 'GET', KEYS)).json();
    expect(list.data).toHaveLength(50);
    const statuses = await Promise.all(created.map(async (c) => (await ask(gw, c.key)).status));
    expect(statuses.every((s) => s === 200)).toBe(true);

    const file = await readFile(join(dir, 'keys.json'), 'utf8');
    expect(JSON.parse(file).keys).toHaveLength(50);
    expect(file).not.toMatch(/ak_[0-9a-f]+_/);
    for (const c of created) expect(file).not.toContain(c.key.split('_').slice(2).join('_'));
  });
});
