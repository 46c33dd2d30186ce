/**
 * Bad input to the responses-store plugin, end to end: real gateways on 127.0.0.1 in front of the
 * emulated DeepSeek, errors read as raw HTTP so their exact OpenAI shape is checked
 * (`{"error":{message,type,param,code}}`), and the upstream's request log checked to show a refused
 * request never reached the provider.
 *
 * - unknown and malformed ids, read (GET, DELETE, input_items) and continued (previous_response_id,
 *   item_reference);
 * - another key's items and responses: answered exactly as unknown ones, never described;
 * - long chains: refused past `maxChainDepth` before the chain is read (a small limit driven by real
 *   requests; the default 1,000 on a store seeded with a chain of 1,200, where the store's calls are
 *   counted and the longest allowed continuation is timed);
 * - a response deleted in the middle of a chain: continuing past it names it.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { createMemoryLogger, createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import responsesStore, { openFileResponseStore, type ResponseStore, type StoredResponse } from '../plugins/responses-store/index.ts';
import { MASTER_KEY, UPSTREAM_KEY, tempDir } from './helpers.ts';

const DAY = 86_400_000;
const MODEL = 'deepseek-v4-pro';
const SEEDED = 1200;

let dir: string;
let mock: MockUpstream;
/** Default options: file store, maxChainDepth 1000. */
let gw: TestGateway;
/** maxChainDepth 3. */
let shallow: TestGateway;
/** Default maxChainDepth, on a store seeded with one chain of SEEDED responses, its calls counted. */
let seeded: TestGateway;
const storeCalls: Record<string, unknown[][]> = {};

beforeAll(async () => {
  dir = await tempDir('aurora-responses-bad-input-');
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const plugins = (name: string, options: Parameters<typeof responsesStore>[0] = {}) => [
    auth({ masterKey: MASTER_KEY, dir: `${dir}/${name}/auth` }),
    ...responsesStore({ dir: `${dir}/${name}/responses`, ...options }),
    deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
  ];
  gw = await createTestGateway({ plugins: plugins('default') });
  shallow = await createTestGateway({ plugins: plugins('shallow', { maxChainDepth: 3 }) });

  const store = await openFileResponseStore({ dir: `${dir}/seeded/responses`, retentionMs: 30 * DAY, log: createMemoryLogger([]) });
  for (let n = 1; n <= SEEDED; n++) await store.put(seededResponse(n));
  seeded = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY, dir: `${dir}/seeded/auth` }), ...responsesStore({ store: counted(store) }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url })] });
});
afterAll(async () => {
  for (const g of [gw, shallow, seeded]) await g?.close();
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `resp_seed_<n>`: the master key's, continuing `resp_seed_<n-1>`; one user message in, one assistant message out. */
function seededResponse(n: number): StoredResponse {
  const now = Date.now();
  const id = `resp_seed_${n}`;
  return {
    id,
    owner: 'master',
    provider: 'deepseek',
    model: MODEL,
    createdAt: now,
    expiresAt: now + DAY,
    previousId: n === 1 ? null : `resp_seed_${n - 1}`,
    depth: n,
    input: [{ id: `msg_q${n}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: `q${n}` }] }],
    response: {
      id,
      object: 'response',
      status: 'completed',
      model: MODEL,
      output: [{ id: `msg_a${n}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `a${n}`, annotations: [] }] }],
    },
  };
}

/** The store, every call noted in `storeCalls` by method name. */
function counted(store: ResponseStore): ResponseStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        (storeCalls[String(prop)] ??= []).push(args);
        return value.apply(target, args);
      };
    },
  });
}

interface Answer {
  status: number;
  type: string | null;
  body: any;
}

async function send(on: TestGateway, method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${on.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an event stream, kept as text
  }
  return { status: res.status, type: res.headers.get('content-type'), body: parsed };
}

const create = (on: TestGateway, body: JsonObject, key = MASTER_KEY) => send(on, 'POST', '/v1/responses', { model: MODEL, ...body }, key);

/** A stored response made through `on`; fails the test unless it was a 200. */
async function made(on: TestGateway, body: JsonObject, key = MASTER_KEY): Promise<JsonObject> {
  const answer = await create(on, body, key);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.store).toBe(true);
  return answer.body;
}

const error = (status: number, message: string, param: string | null, code: string) => ({ status, body: { error: { message, type: 'invalid_request_error', param, code } } });

/** Runs `work` and says how many requests reached the emulated upstream meanwhile. */
async function upstreamCalls(work: () => Promise<unknown>): Promise<number> {
  const before = mock.requests.length;
  await work();
  return mock.requests.length - before;
}

async function managedKey(name: string): Promise<string> {
  const res = await send(gw, 'POST', '/admin/api/v1/keys', { name });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

describe('an unknown id', () => {
  it('read, listed or deleted: 404 response_not_found, as OpenAI answers', async () => {
    const expected = error(404, "Response with id 'resp_0123456789abcdef' not found.", 'response_id', 'response_not_found');
    for (const [method, path] of [['GET', ''], ['GET', '/input_items'], ['DELETE', '']] as const) {
      expect(await send(gw, method, `/v1/responses/resp_0123456789abcdef${path}`)).toMatchObject(expected);
    }
  });

  it('as previous_response_id: 400 previous_response_not_found, the provider never called', async () => {
    let answer: Answer | undefined;
    expect(await upstreamCalls(async () => (answer = await create(gw, { input: 'go on', previous_response_id: 'resp_0123456789abcdef' })))).toBe(0);
    expect(answer).toMatchObject(error(400, "Previous response with id 'resp_0123456789abcdef' not found.", 'previous_response_id', 'previous_response_not_found'));
  });

  it('as previous_response_id of a stream: the same JSON error, not an event stream', async () => {
    const answer = await create(gw, { input: 'go on', stream: true, previous_response_id: 'resp_0123456789abcdef' });
    expect(answer).toMatchObject(error(400, "Previous response with id 'resp_0123456789abcdef' not found.", 'previous_response_id', 'previous_response_not_found'));
    expect(answer.type).toMatch(/^application\/json/);
  });

  it('as an item_reference: 404 item_not_found, the provider never called', async () => {
    let answer: Answer | undefined;
    expect(await upstreamCalls(async () => (answer = await create(gw, { input: [{ type: 'item_reference', id: 'msg_0123456789abcdef' }] })))).toBe(0);
    expect(answer).toMatchObject(error(404, "Item with id 'msg_0123456789abcdef' not found.", 'input', 'item_not_found'));
  });
});

describe('a malformed id', () => {
  const invalid = (param: string, shown: string) => `Invalid '${param}': ${shown}. Expected an ID that contains letters, numbers, underscores, or dashes.`;

  it('in the path: 400 invalid_value naming response_id', async () => {
    expect(await send(gw, 'GET', '/v1/responses/resp%20with%20spaces')).toMatchObject(error(400, invalid('response_id', '"resp with spaces"'), 'response_id', 'invalid_value'));
    expect(await send(gw, 'GET', '/v1/responses/resp%22%3Bdrop/input_items')).toMatchObject(error(400, invalid('response_id', '"resp\\";drop"'), 'response_id', 'invalid_value'));
    // Longer than any id (200 characters at most).
    const long = `resp_${'x'.repeat(200)}`;
    expect(await send(gw, 'DELETE', `/v1/responses/${long}`)).toMatchObject({ status: 400, body: { error: { param: 'response_id', code: 'invalid_value' } } });
  });

  it('as previous_response_id or item_reference id: 400 invalid_value, the provider never called', async () => {
    const cases: Array<[JsonObject, { status: number; body: unknown }]> = [
      [{ input: 'hi', previous_response_id: 'resp/../../etc' }, error(400, invalid('previous_response_id', '"resp/../../etc"'), 'previous_response_id', 'invalid_value')],
      [{ input: 'hi', previous_response_id: `resp_${'x'.repeat(200)}` }, { status: 400, body: { error: { param: 'previous_response_id', code: 'invalid_value', type: 'invalid_request_error' } } }],
      [{ input: [{ type: 'item_reference', id: 'msg with space' }] }, error(400, invalid('item_reference id', '"msg with space"'), 'input', 'invalid_value')],
      [{ input: [{ type: 'item_reference' }] }, error(400, invalid('item_reference id', 'undefined'), 'input', 'invalid_value')],
    ];
    for (const [body, expected] of cases) {
      let answer: Answer | undefined;
      expect(await upstreamCalls(async () => (answer = await create(gw, body)))).toBe(0);
      expect(answer, JSON.stringify(body)).toMatchObject(expected);
    }
  });
});

describe('another key’s responses and items', () => {
  it('an item_reference to another key’s item is a 404 exactly like an unknown one; nothing reaches the provider', async () => {
    const [alice, bob] = [await managedKey('alice-items'), await managedKey('bob-items')];
    mock.enqueue({ reasoning: 'Alice’s private reasoning.', content: 'Alice’s private answer.' });
    const mine = await made(gw, { input: 'a private question' }, alice);
    const [reasoning, message] = mine.output as JsonObject[];
    expect(reasoning).toMatchObject({ type: 'reasoning' });
    expect(message).toMatchObject({ type: 'message' });
    // The items are real: their owner can reference them.
    mock.enqueue({ content: 'Still Alice.' });
    expect((await create(gw, { input: [{ type: 'item_reference', id: message!.id }, { role: 'user', content: 'and?' }] }, alice)).status).toBe(200);
    expect(JSON.stringify(mock.requests.at(-1)!.body)).toContain('Alice’s private answer.');

    const unknownAnswer = (await create(gw, { input: [{ type: 'item_reference', id: 'msg_neverissued000' }] }, bob)).body;
    for (const [who, key] of [['bob', bob], ['the master key', MASTER_KEY]] as const) {
      for (const item of [reasoning!, message!]) {
        let answer: Answer | undefined;
        expect(await upstreamCalls(async () => (answer = await create(gw, { input: [{ role: 'user', content: 'hi' }, { type: 'item_reference', id: item.id }] }, key))), who).toBe(0);
        expect(answer, who).toMatchObject(error(404, `Item with id '${item.id}' not found.`, 'input', 'item_not_found'));
        // Byte for byte what an id nobody issued gets, the id aside: nothing tells the two apart.
        expect(JSON.stringify(answer!.body).replace(String(item.id), 'ID')).toBe(JSON.stringify(unknownAnswer).replace('msg_neverissued000', 'ID'));
      }
    }
  });

  it('another key’s response as previous_response_id or read: the unknown id’s answers', async () => {
    const [alice, bob] = [await managedKey('alice-chain'), await managedKey('bob-chain')];
    mock.enqueue({ content: 'Alice’s answer.' });
    const mine = await made(gw, { input: 'a private question' }, alice);
    let answer: Answer | undefined;
    expect(await upstreamCalls(async () => (answer = await create(gw, { input: 'go on', previous_response_id: mine.id }, bob)))).toBe(0);
    expect(answer).toMatchObject(error(400, `Previous response with id '${mine.id}' not found.`, 'previous_response_id', 'previous_response_not_found'));
    expect(await send(gw, 'GET', `/v1/responses/${mine.id}`, undefined, bob)).toMatchObject(error(404, `Response with id '${mine.id}' not found.`, 'response_id', 'response_not_found'));
    expect(await send(gw, 'DELETE', `/v1/responses/${mine.id}`, undefined, bob)).toMatchObject({ status: 404 });
    expect((await send(gw, 'GET', `/v1/responses/${mine.id}`, undefined, alice)).status).toBe(200);
  });
});

describe('a long chain of previous_response_id', () => {
  it('past a small maxChainDepth: refused with 400 naming the limit, before the provider is called', async () => {
    const r1 = await made(shallow, { input: 'one' });
    const r2 = await made(shallow, { input: 'two', previous_response_id: r1.id });
    const r3 = await made(shallow, { input: 'three', previous_response_id: r2.id });
    // The third response ends a chain of 3: the provider had it all.
    expect(mock.requests.at(-1)!.body.messages.filter((m: JsonObject) => m.role === 'user').map((m: JsonObject) => m.content)).toEqual(['one', 'two', 'three']);
    for (const stream of [false, true]) {
      let answer: Answer | undefined;
      expect(await upstreamCalls(async () => (answer = await create(shallow, { input: 'four', stream, previous_response_id: r3.id })))).toBe(0);
      expect(answer).toMatchObject(error(
        400,
        `Previous response '${r3.id}' ends a chain of 3 responses; this gateway continues chains of at most 3 (the responses-store plugin's maxChainDepth). Send the conversation in \`input\` without previous_response_id, or start a new chain.`,
        'previous_response_id',
        'invalid_value',
      ));
    }
    // A shorter branch of the same chain still goes on.
    expect((await create(shallow, { input: 'three again', previous_response_id: r2.id })).status).toBe(200);
  });

  it('the default limit on a chain of 1,200: 1,000 responses continue in one bounded read; beyond, refused without reading the chain', async () => {
    const reset = () => {
      for (const key of Object.keys(storeCalls)) delete storeCalls[key];
    };

    // resp_seed_999 + this request = 1,000 responses: the longest chain allowed.
    reset();
    const started = performance.now();
    const longest = await create(seeded, { input: 'q1000', previous_response_id: 'resp_seed_999' });
    const elapsed = performance.now() - started;
    expect(longest.status, JSON.stringify(longest.body)).toBe(200);
    expect(longest.body.previous_response_id).toBe('resp_seed_999');
    const messages = mock.requests.at(-1)!.body.messages as JsonObject[];
    expect(messages).toHaveLength(999 * 2 + 1);
    expect(messages.slice(0, 2)).toEqual([{ role: 'user', content: 'q1' }, expect.objectContaining({ role: 'assistant', content: 'a1' })]);
    expect(messages.slice(-3)).toEqual([{ role: 'user', content: 'q999' }, expect.objectContaining({ role: 'assistant', content: 'a999' }), { role: 'user', content: 'q1000' }]);
    // One look-up of the response, one walk of its chain, bounded by its depth; the new response stored.
    expect(storeCalls.get).toEqual([['resp_seed_999']]);
    expect(storeCalls.chain).toEqual([['resp_seed_999', 999]]);
    expect(storeCalls.put).toHaveLength(1);
    expect(storeCalls.put![0]![0]).toMatchObject({ previousId: 'resp_seed_999', depth: 1000 });
    // Linear work: 2,000 messages read, translated and sent well within a few seconds.
    expect(elapsed).toBeLessThan(5000);

    // resp_seed_1000 ends a chain of 1,000 (so does the response just made): a 1,001st is refused
    // on the stored depth alone; so is anything deeper.
    for (const id of ['resp_seed_1000', String(longest.body.id), `resp_seed_${SEEDED}`]) {
      reset();
      let answer: Answer | undefined;
      expect(await upstreamCalls(async () => (answer = await create(seeded, { input: 'more', previous_response_id: id })))).toBe(0);
      expect(answer, id).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', param: 'previous_response_id', code: 'invalid_value', message: expect.stringContaining('continues chains of at most 1000') } } });
      expect(storeCalls.chain, id).toBeUndefined();
      expect(storeCalls.get, id).toEqual([[id]]);
    }
  });
});

describe('a response deleted in the middle of a chain', () => {
  it('continuing past it is a 400 that names the deleted response; the rest of the chain stays usable', async () => {
    mock.enqueue({ content: 'first answer' }, { content: 'second answer' }, { content: 'third answer' });
    const r1 = await made(gw, { input: 'first' });
    const r2 = await made(gw, { input: 'second', previous_response_id: r1.id });
    const r3 = await made(gw, { input: 'third', previous_response_id: r2.id });
    const r2Answer = (r2.output as JsonObject[]).find((i) => i.type === 'message')!;
    const r3Answer = (r3.output as JsonObject[]).find((i) => i.type === 'message')!;

    expect(await send(gw, 'DELETE', `/v1/responses/${r2.id}`)).toMatchObject({ status: 200, body: { id: r2.id, object: 'response.deleted', deleted: true } });

    let answer: Answer | undefined;
    expect(await upstreamCalls(async () => (answer = await create(gw, { input: 'fourth', previous_response_id: r3.id })))).toBe(0);
    expect(answer).toMatchObject(error(
      400,
      `Previous response with id '${r3.id}' cannot be continued: response '${r2.id}' in its chain was deleted or has expired. Send the conversation in \`input\` instead.`,
      'previous_response_id',
      'previous_response_not_found',
    ));
    // The deleted response itself is unknown now, and its items went with it.
    expect(await create(gw, { input: 'x', previous_response_id: r2.id })).toMatchObject(error(400, `Previous response with id '${r2.id}' not found.`, 'previous_response_id', 'previous_response_not_found'));
    expect(await create(gw, { input: [{ type: 'item_reference', id: r2Answer.id }] })).toMatchObject(error(404, `Item with id '${r2Answer.id}' not found.`, 'input', 'item_not_found'));

    // What is left is still the client's: r3 reads back, its items can be referenced, r1 continues.
    expect(await send(gw, 'GET', `/v1/responses/${r3.id}`)).toMatchObject({ status: 200, body: { id: r3.id, previous_response_id: r2.id } });
    const items = await send(gw, 'GET', `/v1/responses/${r3.id}/input_items?order=asc`);
    expect(items.status).toBe(200);
    expect(items.body.data.at(-1)).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'third' }] });
    mock.enqueue({ content: 'from the third answer' });
    expect((await create(gw, { input: [{ type: 'item_reference', id: r3Answer.id }, { role: 'user', content: 'go on' }] })).status).toBe(200);
    mock.enqueue({ content: 'a new branch' });
    const branch = await create(gw, { input: 'second, again', previous_response_id: r1.id });
    expect(branch.status).toBe(200);
    expect(mock.requests.at(-1)!.body.messages.map((m: JsonObject) => m.content)).toEqual(['first', 'first answer', 'second, again']);
  });

  it('a deleted first response breaks every chain built on it, naming it', async () => {
    const r1 = await made(gw, { input: 'root' });
    const r2 = await made(gw, { input: 'child', previous_response_id: r1.id });
    expect((await send(gw, 'DELETE', `/v1/responses/${r1.id}`)).status).toBe(200);
    expect(await create(gw, { input: 'grandchild', previous_response_id: r2.id })).toMatchObject(error(
      400,
      `Previous response with id '${r2.id}' cannot be continued: response '${r1.id}' in its chain was deleted or has expired. Send the conversation in \`input\` instead.`,
      'previous_response_id',
      'previous_response_not_found',
    ));
  });
});
