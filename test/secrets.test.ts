/**
 * No key leaves the gateway. A representative slice of real traffic — passthrough stream and
 * non-stream, DeepSeek translation with tool calls (and a tool output that pastes keys, as an agent
 * reading a .env file does), Chat Completions, wrong keys that look real, upstream 401s that echo
 * the provider key, managed keys created and used, the admin API, the dashboard — runs with
 * recognisable fake keys; then every log line, every file the audit and auth plugins wrote (gzip
 * bodies unpacked), every admin API answer and every model-API answer is searched for them.
 * Also: the admin API refuses a non-admin managed key (403) and serves an admin one.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestGateway, parseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import { tempDir } from './helpers.ts';

const PROVIDER_KEY = 'sk-fake-provider-SECRET-123456';
const MASTER_KEY = 'fake-master-SECRET-654321';
/** Wrong keys a client might send: they must not be kept either (one may be a real key for something else). */
const WRONG_KEYS = ['sk-fake-client-SECRET-777777', 'ak_0123456789ab_WRONGSECRETwrongsecretWRONGSECRETwrongsecre'];

let mock: MockUpstream;
let gw: TestGateway;
let auditDir: string;
let authDir: string;

/** Managed keys made through the admin API. */
const managed: Record<'user' | 'admin', { key: string; id: string }> = {} as never;
/** Every answer the admin API gave (key creation answers apart: they carry the new key by design). */
const adminTexts: Array<{ what: string; text: string }> = [];
const creationTexts: Array<{ what: string; text: string }> = [];
/** Every model-API answer a client got. */
const clientTexts: Array<{ what: string; text: string }> = [];
/** Admin routes: status for the non-admin managed key and for the admin managed key. */
const access: Array<{ route: string; user: number; admin: number; userBody: string }> = [];
let logText = '';
const files: Array<{ file: string; text: string }> = [];

function forbidden(): Array<[string, string]> {
  const list: Array<[string, string]> = [
    ['provider key', PROVIDER_KEY],
    ['master key', MASTER_KEY],
    // the distinctive parts too, in case a key is cut or re-encoded around them
    ['provider key tail', 'SECRET-123456'],
    ['master key tail', 'SECRET-654321'],
    ...WRONG_KEYS.map((k, i): [string, string] => [`wrong key ${i}`, k]),
    ['wrong key tail', 'SECRET-777777'],
  ];
  for (const [who, { key }] of Object.entries(managed)) {
    list.push([`managed ${who} key`, key], [`managed ${who} key secret`, key.split('_').slice(2).join('_')]);
  }
  return list;
}

function hits(texts: Array<{ what: string; text: string }>, keys = forbidden()): string[] {
  const found: string[] = [];
  for (const { what, text } of texts) {
    for (const [name, key] of keys) {
      const at = text.indexOf(key);
      if (at !== -1) found.push(`${name} in ${what}: …${text.slice(Math.max(0, at - 120), at + key.length + 40)}…`);
    }
  }
  return found;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function model(path: string, body: unknown, key = MASTER_KEY, headers: Record<string, string> = bearer(key)): Promise<Response> {
  const res = await fetch(`${gw.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.clone().text();
  const head = [...res.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  clientTexts.push({ what: `POST ${path} (${JSON.stringify(body).slice(0, 60)}…) → ${res.status}`, text: `${head}\n\n${text}` });
  return res;
}

async function admin(path: string, key = MASTER_KEY, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${gw.url}${path}`, { ...init, headers: { ...bearer(key), ...(init.headers as Record<string, string>) } });
  const text = await res.clone().text();
  (init.method === 'POST' && path.endsWith('/keys') ? creationTexts : adminTexts).push({ what: `${init.method ?? 'GET'} ${path} → ${res.status}`, text });
  return res;
}

async function readTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    // Body files are concatenated gzip members: gunzipSync reads them all.
    files.push({ file, text: file.endsWith('.gz') && bytes.length ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8') });
  }
}

const TOOLS = [
  { type: 'function', name: 'exec_command', description: 'Run a shell command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } },
  { type: 'custom', name: 'apply_patch', description: 'Apply a patch' },
];
const DOTENV = `OPENAI_API_KEY=${PROVIDER_KEY}\nAURORA_MASTER_KEY=${MASTER_KEY}\nDEBUG=1\n`;

beforeAll(async () => {
  auditDir = await tempDir('aurora-secrets-audit-');
  authDir = await tempDir('aurora-secrets-auth-');
  mock = await startMockUpstream({ apiKey: PROVIDER_KEY });
  gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, dir: authDir, watch: false }),
      effort(),
      deepseek({ apiKey: PROVIDER_KEY, baseUrl: mock.url }),
      openai({ baseUrl: `${mock.url}/v1`, apiKey: PROVIDER_KEY }),
      audit({ dir: auditDir }),
    ],
  });

  // Passthrough, non-stream and stream.
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'Reply with exactly ok' })).status).toBe(200);
  const streamed = await model('/responses', { model: 'gpt-4.1-mini', input: 'Reply with exactly ok', stream: true });
  expect(parseEvents(await streamed.text()).at(-1)?.event).toBe('response.completed');

  // DeepSeek translation with tool calls, then the follow-up turn carrying the tool output (a .env file).
  const ask = { model: 'deepseek-v4-pro', input: [{ role: 'user', content: 'List the files, then show .env' }], tools: TOOLS, include: ['reasoning.encrypted_content'], reasoning: { effort: 'high' }, store: false };
  mock.enqueue({ reasoning: 'I should list the files first.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls -a"}' }] });
  const first = await (await model('/responses', ask)).json();
  const call = first.output.find((item: { type: string }) => item.type === 'function_call');
  expect(call?.name).toBe('exec_command');
  const history = [...ask.input, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: `.env\nsrc\n$ cat .env\n${DOTENV}` }];
  mock.enqueue({ reasoning: 'The user pasted their keys; do not repeat them.', toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) }] });
  const second = await model('/responses', { ...ask, input: history, stream: true });
  expect(second.status).toBe(200);
  const events = parseEvents(await second.text());
  expect(events.at(-1)?.event).toBe('response.completed');
  expect(events.some((e) => e.json?.item?.type === 'custom_tool_call')).toBe(true);

  // Chat Completions: DeepSeek (stream) and the passthrough (non-stream).
  const chat = await model('/chat/completions', { model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'Reply with exactly ok' }], stream: true, stream_options: { include_usage: true } });
  expect(parseEvents(await chat.text()).at(-1)?.data).toBe('[DONE]');
  expect((await model('/chat/completions', { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Reply with exactly ok' }] })).status).toBe(200);

  // Wrong keys that look real, as Bearer and as x-api-key.
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'hi' }, WRONG_KEYS[0])).status).toBe(401);
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'hi' }, undefined, { 'x-api-key': WRONG_KEYS[1]!, 'content-type': 'application/json' })).status).toBe(401);

  // Upstream 401s that echo the provider key: JSON (passthrough) and plain text (DeepSeek).
  mock.enqueue({ http: { status: 401, body: { error: { message: `Incorrect API key provided: ${PROVIDER_KEY}. You can find your API key at https://platform.example/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } });
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'hi' })).status).toBe(401);
  mock.enqueue({ http: { status: 401, body: `Authentication Fails (Bearer ${PROVIDER_KEY} is invalid)` } });
  expect((await model('/responses', { model: 'deepseek-v4-pro', input: 'hi', stream: true })).status).toBe(401);

  // Successful answers that echo the provider key in a header and in the body, whole and streamed.
  const echoHeaders = { 'x-upstream-echo': PROVIDER_KEY, 'openai-organization': `org-for ${PROVIDER_KEY}` };
  mock.enqueue({ http: { status: 200, headers: echoHeaders, body: { id: 'resp_echo', object: 'response', status: 'completed', output: [], note: `called with ${PROVIDER_KEY}` } } });
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'hi' })).status).toBe(200);
  const echoStream = `event: response.created\ndata: {"type":"response.created","note":"${PROVIDER_KEY}"}\n\nevent: response.completed\ndata: {"type":"response.completed","response":{"id":"r","output":[]}}\n\n`;
  mock.enqueue({ http: { status: 200, headers: { ...echoHeaders, 'content-type': 'text/event-stream' }, body: echoStream } });
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'hi', stream: true })).status).toBe(200);

  // Managed keys: created through the admin API, then used.
  for (const [who, admin_] of [['user', false], ['admin', true]] as const) {
    const res = await admin('/admin/api/v1/keys', MASTER_KEY, { method: 'POST', body: JSON.stringify({ name: `${who}-key`, admin: admin_ }) });
    expect(res.status).toBe(201);
    const created = await res.json();
    managed[who] = { key: created.key, id: created.id };
  }
  expect((await model('/responses', { model: 'gpt-4.1-mini', input: 'Reply with exactly ok' }, managed.user.key)).status).toBe(200);
  expect((await model('/responses', { model: 'deepseek-v4-flash', input: 'Reply with exactly ok', stream: true }, managed.admin.key)).status).toBe(200);
  expect((await model('/chat/completions', { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }, managed.user.key)).status).toBe(200);

  // The admin API: every record, in list, detail and both exports; stats; the keys; a live tail.
  let ids: string[] = [];
  await vi.waitFor(async () => {
    const list = await (await admin('/admin/api/v1/requests?limit=500')).json();
    ids = list.data.map((r: { id: string }) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(clientTexts.length);
  }, { timeout: 10_000, interval: 100 });
  for (const id of ids) expect((await admin(`/admin/api/v1/requests/${id}`)).status).toBe(200);
  for (const query of ['/export', '/export?format=csv', '/stats', '/stats?group=principal&bucket=minute', '/requests?q=env', '/requests?outcome=error']) {
    expect((await admin(`/admin/api/v1${query}`)).status).toBe(200);
  }
  expect((await admin('/admin/api/v1/keys')).status).toBe(200);
  for (const { id } of Object.values(managed)) expect((await admin(`/admin/api/v1/keys/${id}`)).status).toBe(200);
  const tail = new AbortController();
  const live = await fetch(`${gw.url}/admin/api/v1/tail`, { headers: bearer(managed.admin.key), signal: tail.signal });
  const reader = live.body!.getReader();
  let tailText = '';
  await reader.read(); // ": connected"
  await model('/responses', { model: 'gpt-4.1-mini', input: 'Reply with exactly ok' }, managed.user.key);
  while (!tailText.includes('event: record')) tailText += new TextDecoder().decode((await reader.read()).value);
  tail.abort();
  adminTexts.push({ what: 'GET /admin/api/v1/tail', text: tailText });

  // The dashboard shell (it carries no data, and must carry no key either).
  const page = await fetch(`${gw.url}/admin/dashboard/audit`);
  expect(page.status).toBe(200);
  adminTexts.push({ what: 'GET /admin/dashboard/audit', text: await page.text() });

  // Who may read the admin API: a non-admin managed key may not, an admin one may.
  const someId = ids[0]!;
  for (const route of ['/admin/api/v1/requests', `/admin/api/v1/requests/${someId}`, '/admin/api/v1/stats', '/admin/api/v1/export', '/admin/api/v1/tail', '/admin/api/v1/keys', `/admin/api/v1/keys/${managed.user.id}`]) {
    const asUser = await admin(route, managed.user.key);
    const userBody = await asUser.text();
    const controller = new AbortController();
    const asAdmin = await fetch(`${gw.url}${route}`, { headers: bearer(managed.admin.key), signal: controller.signal });
    controller.abort(); // the tail never ends
    access.push({ route, user: asUser.status, admin: asAdmin.status, userBody });
  }
  const createAsUser = await admin('/admin/api/v1/keys', managed.user.key, { method: 'POST', body: JSON.stringify({ name: 'sneaky' }) });
  access.push({ route: 'POST /admin/api/v1/keys', user: createAsUser.status, admin: 201, userBody: await createAsUser.text() });

  // Close first: pending audit records and the key store are flushed to disk; logs are complete.
  await gw.close();
  logText = gw.logs.map((line) => JSON.stringify(line)).join('\n');
  await readTree(auditDir);
  await readTree(authDir);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(auditDir, { recursive: true, force: true });
  await rm(authDir, { recursive: true, force: true });
});

describe('no key in anything the gateway keeps or serves', () => {
  it('the traffic really carried the keys (the search can find them)', () => {
    // The upstream got the provider key and the pasted .env; the creation answers carry the managed keys.
    expect(JSON.stringify(mock.requests.map((r) => r.headers.authorization))).toContain(PROVIDER_KEY);
    expect(JSON.stringify(mock.requests.map((r) => r.body))).toContain(MASTER_KEY);
    expect(hits(creationTexts).length).toBeGreaterThanOrEqual(4);
    expect(files.some((f) => f.file.endsWith('.gz'))).toBe(true);
    expect(files.some((f) => f.file.endsWith('keys.json'))).toBe(true);
    expect(gw.logs.length).toBeGreaterThanOrEqual(clientTexts.length);
  });

  it('log lines', () => {
    expect(hits([{ what: 'logs', text: logText }])).toEqual([]);
  });

  it('audit store files (index, ids, manifest, gzip bodies)', () => {
    expect(hits(files.filter((f) => f.file.startsWith(auditDir)).map((f) => ({ what: f.file, text: f.text })))).toEqual([]);
  });

  it('auth store files', () => {
    expect(hits(files.filter((f) => f.file.startsWith(authDir)).map((f) => ({ what: f.file, text: f.text })))).toEqual([]);
  });

  it('admin API answers and the dashboard', () => {
    expect(adminTexts.length).toBeGreaterThan(20);
    expect(hits(adminTexts)).toEqual([]);
    // A new key is shown once, in its creation answer, and nothing else is in there.
    expect(hits(creationTexts, forbidden().filter(([name]) => !name.startsWith('managed')))).toEqual([]);
  });

  it('answers to clients (upstream echoes of the provider key included)', () => {
    expect(hits(clientTexts)).toEqual([]);
  });
});

describe('admin API access', () => {
  it('refuses a non-admin managed key (403 permission_denied) and serves an admin one', () => {
    for (const { route, user, admin: asAdmin, userBody } of access) {
      expect(user, route).toBe(403);
      expect(JSON.parse(userBody).error.code, route).toBe('permission_denied');
      expect(asAdmin, route).toBeLessThan(300);
    }
    expect(access.map((a) => a.route)).toHaveLength(8);
  });
});
