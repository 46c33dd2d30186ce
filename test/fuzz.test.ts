/**
 * Property-based fuzzing of the two model endpoints through a gateway with every built-in plugin
 * (auth, effort, deepseek → emulator, openai → emulator, audit to a temp dir). Whatever the body —
 * any JSON value, objects with known keys of the wrong type, garbage tools, random efforts, deep
 * nesting, huge strings, raw bytes, invalid UTF-8 — the client gets a well-formed answer: a status
 * below 500 unless the upstream itself answered 5xx, the OpenAI error shape for every 4xx, a valid
 * JSON body or event stream for every 2xx; nothing is logged at level error (an onAudit handler
 * that throws on a strange body never reaches the client, only the log); /health still answers.
 *
 * Bounded: FUZZ_RUNS (default 300) runs per endpoint, fixed seed FUZZ_SEED (printed on failure,
 * with the counterexample) so a failure replays exactly. FUZZ_VERBOSE=1 prints an error-code histogram.
 */
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, type AuditRecord } from 'aurora';
import { createTestGateway, parseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import { tempDir } from './helpers.ts';

const MASTER = 'fuzz-master-key-0123456789';
const PROVIDER_KEY = 'sk-fuzz-provider-0123456789';
const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const BODY_LIMIT = 256 * 1024;

let mock: MockUpstream;
let gw: TestGateway;
let auditDir: string;
let authDir: string;
/** The upstream's status for every finished request (null: never reached it), by request id, from the audit record: tells a 5xx the upstream sent from one the gateway made. */
const upstreamStatus = new Map<string, number | null>();
const stats = { sent: 0, byStatus: new Map<string, number>(), codes: new Map<string, number>(), upstream5xx: 0 };

beforeAll(async () => {
  auditDir = await tempDir('aurora-fuzz-audit-');
  authDir = await tempDir('aurora-fuzz-auth-');
  mock = await startMockUpstream({ apiKey: PROVIDER_KEY });
  gw = await createTestGateway({
    server: { bodyLimit: BODY_LIMIT },
    plugins: [
      auth({ masterKey: MASTER, dir: authDir, watch: false }),
      effort(),
      deepseek({ apiKey: PROVIDER_KEY, baseUrl: mock.url }),
      openai({ baseUrl: `${mock.url}/v1`, apiKey: PROVIDER_KEY }),
      audit({ dir: auditDir }),
      definePlugin({ name: 'fuzz-recorder', onAudit: (record: AuditRecord) => void upstreamStatus.set(record.id, record.trail?.upstreamResponse?.status ?? null) }),
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(auditDir, { recursive: true, force: true });
  await rm(authDir, { recursive: true, force: true });
  const fromUpstream = [...upstreamStatus.values()].filter((s) => s !== null).length;
  const statuses = [...stats.byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`).join(' ');
  if (process.env.FUZZ_VERBOSE) console.log([...stats.codes].sort(([, a], [, b]) => b - a).map(([c, n]) => `${c} ×${n}`).join('\n'));
  console.log(`fuzz: seed ${SEED}, ${stats.sent} requests (${fromUpstream} reached the emulator); statuses ${statuses}; upstream 5xx passed on: ${stats.upstream5xx} (R/C = endpoint, s = stream)`);
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Any JSON value, small. */
const garbage = fc.jsonValue({ maxDepth: 3 });
const longString = fc
  .tuple(fc.integer({ min: 1_000, max: 120_000 }), fc.constantFrom('a', 'é', '😀', '\u0000', '"', '\\', '\n', '\ud800', ' '))
  .map(([n, c]) => c.repeat(n));
const text = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }, { weight: 1, arbitrary: longString });
/** Mostly the right type, sometimes any JSON value: most bodies get past validation and reach a translator. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: garbage });

const MODELS = ['gpt-4.1-mini', 'gpt-5.5', 'deepseek-v4-pro', 'deepseek-v4-flash', 'deepseek-chat', 'o4-mini'];
const model = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom(...MODELS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.array(fc.string()), fc.constant(''), longString, fc.object({ maxDepth: 1 })) },
);
const streamFlag = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(true, false, undefined) }, { weight: 1, arbitrary: garbage });
const effortValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', 'ultra', '', 'HIGH') },
  { weight: 1, arbitrary: garbage },
);
const role = maybe(fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool', 'function', 'critic'));
const part = maybe(
  fc.record(
    {
      type: maybe(fc.constantFrom('input_text', 'output_text', 'text', 'input_image', 'input_file', 'reasoning_text', 'refusal', 'summary_text')),
      text: maybe(text),
      refusal: maybe(fc.string()),
      filename: maybe(fc.string()),
    },
    { requiredKeys: [] },
  ),
);
const content = fc.oneof(text, fc.array(part, { maxLength: 4 }), garbage);
const callId = maybe(fc.constantFrom('call_1', 'call_2', 'call_3', ''));
const toolName = maybe(fc.oneof(fc.constantFrom('exec_command', 'apply_patch', 'shell', 'mcp__fs__read'), fc.string({ maxLength: 80 })));

const responsesItem = fc.oneof(
  { weight: 3, arbitrary: fc.record({ role: fc.constantFrom('user', 'developer', 'assistant'), content: text }) },
  fc.record({ type: fc.constantFrom('message', undefined), role, content }, { requiredKeys: ['role'] }),
  fc.record({ type: fc.constant('function_call'), call_id: callId, name: toolName, arguments: maybe(fc.string()), namespace: maybe(fc.string()) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('function_call_output', 'custom_tool_call_output'), call_id: callId, output: maybe(fc.oneof(fc.string(), fc.array(part))) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('custom_tool_call'), call_id: callId, name: toolName, input: maybe(fc.string()) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('reasoning'), encrypted_content: maybe(fc.string()), summary: garbage, content: fc.array(part, { maxLength: 2 }) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('web_search_call', 'local_shell_call', 'item_reference', 'compaction'), id: fc.string() }),
  garbage,
);
const responsesTool = maybe(
  fc.record(
    {
      type: maybe(fc.constantFrom('function', 'custom', 'namespace', 'web_search', 'local_shell', 'mcp')),
      name: toolName,
      description: maybe(fc.string()),
      parameters: garbage,
      format: garbage,
      tools: fc.array(fc.record({ type: maybe(fc.constantFrom('function', 'custom')), name: toolName }, { requiredKeys: [] }), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
);
const toolChoice = fc.oneof(
  fc.constantFrom('auto', 'none', 'required'),
  fc.record({ type: maybe(fc.constantFrom('function', 'custom', 'allowed_tools', 'web_search')), name: toolName, namespace: maybe(fc.string()), mode: maybe(fc.constantFrom('auto', 'required')), tools: garbage }, { requiredKeys: [] }),
  garbage,
);

const responsesBody = fc.record(
  {
    model,
    input: fc.oneof({ weight: 3, arbitrary: text }, { weight: 4, arbitrary: fc.array(responsesItem, { maxLength: 8 }) }, { weight: 1, arbitrary: garbage }),
    instructions: maybe(text),
    stream: streamFlag,
    reasoning: maybe(fc.record({ effort: effortValue, summary: maybe(fc.constantFrom('auto', 'detailed')) }, { requiredKeys: [] })),
    tools: maybe(fc.array(responsesTool, { maxLength: 5 })),
    tool_choice: toolChoice,
    text: maybe(fc.record({ format: maybe(fc.record({ type: maybe(fc.constantFrom('json_object', 'json_schema', 'text')), name: maybe(fc.string()), schema: garbage, description: maybe(fc.string()) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
    max_output_tokens: maybe(fc.oneof(fc.integer(), fc.integer({ min: 1, max: 5000 }))),
    include: maybe(fc.array(fc.constantFrom('reasoning.encrypted_content', 'x'), { maxLength: 2 })),
    previous_response_id: maybe(fc.string({ maxLength: 8 })),
    background: maybe(fc.boolean()),
    store: garbage,
    temperature: maybe(fc.double()),
    metadata: garbage,
  },
  { requiredKeys: ['model', 'input'] },
);

const fuzzyChatMessage = maybe(
  fc.record(
    {
      role,
      content: fc.oneof(text, fc.constant(null), fc.array(part, { maxLength: 3 }), garbage),
      tool_calls: maybe(fc.array(fc.record({ id: callId, type: maybe(fc.constant('function')), function: maybe(fc.record({ name: toolName, arguments: maybe(fc.string()) })) }), { maxLength: 3 })),
      tool_call_id: callId,
      reasoning_content: maybe(fc.string()),
      name: maybe(fc.string()),
    },
    { requiredKeys: [] },
  ),
);
/** Plausible messages too, so that a fair share of bodies passes DeepSeek's validation and is answered. */
const plainChatMessage = fc.record({ role: fc.constantFrom('user', 'system', 'developer', 'assistant'), content: text });
const chatMessage = fc.oneof({ weight: 8, arbitrary: plainChatMessage }, { weight: 1, arbitrary: fuzzyChatMessage });
const fuzzyChatBody = fc.record(
  {
    model,
    messages: fc.oneof({ weight: 12, arbitrary: fc.array(chatMessage, { minLength: 1, maxLength: 6 }) }, { weight: 1, arbitrary: fc.oneof(text, garbage, fc.constant([])) }),
    stream: streamFlag,
    stream_options: maybe(fc.record({ include_usage: maybe(fc.boolean()) }, { requiredKeys: [] })),
    reasoning_effort: effortValue,
    thinking: maybe(fc.record({ type: maybe(fc.constantFrom('enabled', 'disabled')) }, { requiredKeys: [] })),
    tools: maybe(fc.array(maybe(fc.record({ type: maybe(fc.constant('function')), function: maybe(fc.record({ name: toolName, parameters: garbage }, { requiredKeys: [] })) }, { requiredKeys: [] })), { maxLength: 4 })),
    tool_choice: toolChoice,
    response_format: maybe(fc.record({ type: maybe(fc.constantFrom('json_object', 'json_schema', 'text')) }, { requiredKeys: [] })),
    max_tokens: maybe(fc.integer()),
    max_completion_tokens: maybe(fc.integer()),
    temperature: maybe(fc.double()),
    user: maybe(fc.string()),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** A body DeepSeek's validation accepts, so that Chat answers (and streams) are fuzzed too, not only refusals. */
const plausibleChatBody = fc.record(
  {
    model: fc.constantFrom(...MODELS),
    messages: fc.array(plainChatMessage, { minLength: 1, maxLength: 4 }).map((m) => [...m, { role: 'user', content: 'hi' }]),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    reasoning_effort: fc.constantFrom('low', 'high', 'max'),
    thinking: fc.record({ type: fc.constantFrom('enabled', 'disabled') }),
    tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('exec_command', 'read_file'), parameters: fc.constant({ type: 'object' }) }) }), { maxLength: 2 }),
    max_tokens: fc.integer({ min: 1, max: 4096 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    metadata: garbage,
  },
  { requiredKeys: ['model', 'messages'] },
);
const chatBody = fc.oneof(plausibleChatBody, fuzzyChatBody, fuzzyChatBody);

/** How deep the fuzzer nests: past the core's depth limit (512) and past where JSON.stringify overflows (~4,000). */
const MAX_FUZZ_DEPTH = 20_000;

/** JSON text of a request body with one key's value nested `depth` levels deep (arrays or objects). */
function nested(body: Record<string, unknown>, key: string, depth: number, arrays: boolean): string {
  const nest = arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const base = JSON.stringify({ ...body, [key]: null });
  return base.replace(`"${key}":null`, `"${key}":${nest}`);
}
const deepBody = (shape: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(shape, fc.constantFrom('input', 'messages', 'tools', 'metadata', 'reasoning', 'instructions', 'temperature', 'user'), fc.integer({ min: 50, max: MAX_FUZZ_DEPTH }), fc.boolean())
    .map(([body, key, depth, arrays]) => nested(body, key, depth, arrays));

/** A valid body's bytes, cut or with stray bytes (invalid UTF-8, NUL, high bytes) inserted. */
const brokenBytes = (shape: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(shape, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 6, min: 0x80, max: 0xff }), fc.boolean()).map(([body, at, junk, cut]) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const i = bytes.length ? at % bytes.length : 0;
    return cut ? bytes.subarray(0, i) : Buffer.concat([bytes.subarray(0, i), junk, bytes.subarray(i)]);
  });

type Payload = { body: string | Uint8Array; headers: Record<string, string> };

const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data; boundary=x') },
);
const credentials = fc.oneof(
  { weight: 20, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${MASTER}` }) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': MASTER }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer sk-proj-0000000000000000000000000000' }, { authorization: MASTER }, { authorization: 'Bearer ' }, { 'x-api-key': 'ak_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { authorization: 'Bearer ak_zz' }),
  },
);

function payloads(shape: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Payload> {
  const body = fc.oneof(
    { weight: 14, arbitrary: shape.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: garbage.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.record({ model: fc.constantFrom(...MODELS), stream: fc.boolean() }).chain((b) => longString.map((s) => JSON.stringify({ ...b, input: s, messages: [{ role: 'user', content: s }] }))) },
    { weight: 2, arbitrary: deepBody(shape) },
    { weight: 2, arbitrary: brokenBytes(shape) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
  return fc.record({ body, contentType, credentials }).map(({ body, contentType, credentials }) => {
    const payload: Payload = { body, headers: { ...credentials, ...(contentType ? { 'content-type': contentType } : {}) } };
    // A counterexample can be 200 KB: show its head and tail (the seed replays it whole).
    Object.defineProperty(payload, fc.toStringMethod, { value: () => describePayload(payload) });
    return payload;
  });
}

function describePayload({ body, headers }: Payload): string {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  const shown = text.length > 700 ? `${text.slice(0, 400)} …(${text.length - 600} more)… ${text.slice(-200)}` : text;
  return `${JSON.stringify(headers)} ${typeof body === 'string' ? 'text' : 'bytes'}[${text.length}] ${JSON.stringify(shown)}`;
}

// ---------------------------------------------------------------------------------------------
// The oracle

function isErrorShape(body: unknown): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return false;
  const e = (body as { error: Record<string, unknown> }).error;
  if (!e || typeof e !== 'object') return false;
  return (
    Object.keys(e).sort().join() === 'code,message,param,type' &&
    typeof e.message === 'string' &&
    typeof e.type === 'string' &&
    (e.param === null || typeof e.param === 'string') &&
    (e.code === null || typeof e.code === 'string')
  );
}

async function upstreamStatusOf(id: string): Promise<number | null | undefined> {
  for (let i = 0; i < 200 && !upstreamStatus.has(id); i++) await new Promise((r) => setTimeout(r, 10));
  return upstreamStatus.get(id);
}

async function check(endpoint: 'responses' | 'chat/completions', payload: Payload): Promise<void> {
  stats.sent++;
  const res = await fetch(`${gw.baseUrl}/${endpoint}`, { method: 'POST', headers: payload.headers, body: payload.body as BodyInit, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  const id = res.headers.get('x-request-id');
  const type = res.headers.get('content-type') ?? '';
  const what = `${res.status} ${type} ${text.slice(0, 600)}`;
  const bucket = `${endpoint === 'responses' ? 'R' : 'C'}${res.status}${type.includes('event-stream') ? 's' : ''}`;
  stats.byStatus.set(bucket, (stats.byStatus.get(bucket) ?? 0) + 1);
  expect(id, what).toMatch(/^req_[0-9a-f]{32}$/);

  if (res.status >= 500) {
    // Only when the upstream answered so itself (its status and body are passed on).
    expect(await upstreamStatusOf(id!), `gateway-made ${what}`).toBe(res.status);
    stats.upstream5xx++;
  }
  if (res.status >= 400) {
    expect(type, what).toContain('application/json');
    const error = JSON.parse(text);
    expect(isErrorShape(error), what).toBe(true);
    // FUZZ_VERBOSE=1: a histogram of error codes at the end (tells whether bodies reach the translators).
    const code = `${bucket} ${error.error.code ?? error.error.type} param=${error.error.param}`;
    stats.codes.set(code, (stats.codes.get(code) ?? 0) + 1);
    return;
  }
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  if (type.includes('text/event-stream')) {
    const events = parseEvents(text);
    expect(events.length, what).toBeGreaterThan(0);
    if (endpoint === 'responses') {
      for (const e of events) expect(e.json?.type, `event ${e.event}: ${e.data.slice(0, 300)}`).toBe(e.event);
      expect(events.at(-1)!.event, what.slice(0, 200) + text.slice(-600)).toMatch(/^response\.(completed|incomplete)$/);
    } else {
      expect(events.at(-1)!.data, text.slice(-600)).toBe('[DONE]');
      for (const e of events.slice(0, -1)) {
        expect(e.json, e.data.slice(0, 300)).toBeTypeOf('object');
        expect(e.json.error, e.data.slice(0, 300)).toBeUndefined();
        expect(e.json.object, e.data.slice(0, 300)).toBe('chat.completion.chunk');
      }
    }
    return;
  }
  expect(type, what).toContain('application/json');
  const body = JSON.parse(text);
  if (endpoint === 'responses') {
    expect(body.object, what).toBe('response');
    expect(Array.isArray(body.output), what).toBe(true);
    expect(['completed', 'incomplete'], what).toContain(body.status);
  } else {
    expect(body.object, what).toBe('chat.completion');
    expect(body.choices?.length, what).toBeGreaterThan(0);
  }
}

async function fuzz(endpoint: 'responses' | 'chat/completions', shape: fc.Arbitrary<Record<string, unknown>>, seedOffset: number) {
  const seed = SEED + seedOffset;
  try {
    await fc.assert(
      fc.asyncProperty(payloads(shape), (payload) => check(endpoint, payload)),
      { seed, numRuns: RUNS, endOnFailure: true },
    );
  } catch (err) {
    // fast-check's message already carries the seed, path and counterexample; say how to replay.
    (err as Error).message = `fuzz /v1/${endpoint} failed (replay: FUZZ_SEED=${SEED} npx vitest run test/fuzz.test.ts)\n${(err as Error).message}`;
    throw err;
  }
  const health = await fetch(`${gw.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const errors = gw.logs.filter((line) => line.level === 'error');
  expect(errors.map((l) => `${l.msg} ${JSON.stringify(l.err ?? l).slice(0, 400)}`)).toEqual([]);
}

describe('fuzzed request bodies get a well-formed answer', () => {
  it('POST /v1/responses', async () => {
    await fuzz('responses', responsesBody as fc.Arbitrary<Record<string, unknown>>, 0);
  }, 60_000);

  it('POST /v1/chat/completions', async () => {
    await fuzz('chat/completions', chatBody as fc.Arbitrary<Record<string, unknown>>, 1);
  }, 60_000);
});

// A bug the fuzzer found: JSON.parse accepts any depth, but re-serialising a body (when a plugin
// rewrote it, or a transformed answer echoes request fields) overflowed the stack near 4,000 levels
// and the client got a 500. parseJsonBody now refuses bodies nested over 512 levels with a 400.
describe('deeply nested bodies', () => {
  it('a body nested 20,000 levels deep gets a 400 in the OpenAI shape, not a 500', async () => {
    const cases: Array<[string, string]> = [
      // deepseek translates the request, then transformResponse echoes `metadata`: jsonReply throws.
      ['responses', nested({ model: 'deepseek-v4-pro', input: 'hi' }, 'metadata', 20_000, true)],
      // deepseek rebuilds the Chat body (cleanChatBody): serializeBody throws.
      ['chat/completions', nested({ model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'hi' }] }, 'temperature', 20_000, false)],
    ];
    const seen: string[] = [];
    for (const [endpoint, body] of cases) {
      const res = await fetch(`${gw.baseUrl}/${endpoint}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body });
      const answer = await res.json();
      seen.push(`${endpoint}: ${res.status} ${JSON.stringify(answer).slice(0, 160)}`);
      expect(isErrorShape(answer)).toBe(true);
      expect(res.status, seen.join('\n')).toBe(400);
    }
  });
});
