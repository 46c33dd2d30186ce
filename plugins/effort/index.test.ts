import { createGateway, type JsonObject, type Plugin } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import effort from './index.ts';

const KEY = 'test-master-key';
const DEEPSEEK = { 'deepseek-*': { minimal: 'none', low: 'high', medium: 'high', high: 'high', xhigh: 'max' } };

let mock: MockUpstream;
let gw: TestGateway | undefined;

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  mock.reset();
});

function upstream(): Plugin {
  return openai({ baseUrl: `${mock.url}/v1`, apiKey: 'k' });
}

async function start(...plugins: Plugin[]): Promise<TestGateway> {
  gw = await createTestGateway({ plugins: [auth({ masterKey: KEY }), ...plugins] });
  return gw;
}

function post(path: 'responses' | 'chat/completions', body: JsonObject): Promise<Response> {
  return fetch(`${gw!.baseUrl}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const ask = (model: string, effortValue?: unknown) =>
  post('responses', { model, input: 'hi', ...(effortValue === undefined ? {} : { reasoning: { effort: effortValue, summary: 'auto' } }) });

/** Stands in for a provider translator: records what its transformRequest sees. */
function probe(seen: JsonObject[]): Plugin {
  return {
    name: 'probe',
    transformRequest(request, ctx) {
      seen.push({ upstream: request.body?.reasoning?.effort, client: ctx.body?.reasoning?.effort, annotation: ctx.annotations.effort });
      return request;
    },
  };
}

describe('effort: Responses', () => {
  it.each([
    ['low', 'high'],
    ['medium', 'high'],
    ['high', 'high'],
    ['xhigh', 'max'],
    ['minimal', 'none'],
  ])('%s → %s upstream', async (from, to) => {
    await start(effort(DEEPSEEK), upstream());
    const res = await ask('deepseek-v4-pro', from);
    expect(res.status).toBe(200);
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.body.reasoning).toEqual({ effort: to, summary: 'auto' });
  });

  it('rejects an effort missing from the table with a 400 naming the accepted values; nothing goes upstream', async () => {
    await start(effort(DEEPSEEK), upstream());
    const res = await ask('deepseek-v4-pro', 'bogus');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual({
      error: {
        message: expect.stringContaining('reasoning.effort "bogus" is not accepted for deepseek-v4-pro'),
        type: 'invalid_request_error',
        param: 'reasoning.effort',
        code: 'invalid_value',
      },
    });
    expect(body.error.message).toContain('"deepseek-*"');
    expect(body.error.message).toContain('use one of: minimal, low, medium, high, xhigh');
    expect(mock.requests).toHaveLength(0);
  });

  it('leaves models outside the table and requests without an effort unchanged', async () => {
    await start(effort(DEEPSEEK), upstream());
    expect((await ask('gpt-5.5', 'bogus')).status).toBe(200);
    expect((await ask('deepseek-v4-pro')).status).toBe(200);
    expect(mock.requests[0]!.body.reasoning).toEqual({ effort: 'bogus', summary: 'auto' });
    expect(mock.requests[1]!.body).not.toHaveProperty('reasoning');
  });

  it('applies the DeepSeek V4 table by default', async () => {
    await start(effort(), upstream());
    for (const e of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']) expect((await ask('deepseek-v4-flash', e)).status).toBe(200);
    expect((await ask('deepseek-chat', 'xhigh')).status).toBe(200);
    expect((await ask('gpt-5', 'xhigh')).status).toBe(200);
    expect(mock.requests.map((r) => r.body.reasoning.effort)).toEqual(['none', 'none', 'high', 'high', 'high', 'max', 'max', 'max', 'xhigh']);
    const res = await ask('deepseek-v4-pro', 'ultra');
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('use one of: none, minimal, low, medium, high, xhigh, max');
  });
});

describe('effort: the default Claude table', () => {
  const efforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
  it.each([
    ['claude-opus-4-8', ['none', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-sonnet-5-5', ['none', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-sonnet-4-5-20250929', ['none', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-opus-4-6', ['none', 'low', 'low', 'medium', 'high', 'high', 'max']],
    ['claude-sonnet-4-6', ['none', 'low', 'low', 'medium', 'high', 'high', 'max']],
    ['claude-opus-5-5', ['low', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-fable-5-1', ['low', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-haiku-5-5', ['low', 'low', 'low', 'medium', 'high', 'xhigh', 'max']],
    ['claude-3-5-haiku-20241022', ['none', 'none', 'none', 'none', 'none', 'none', 'none']],
  ])('%s', async (model, expected) => {
    // Stands in for the anthropic plugin: records the mapped effort (the emulated OpenAI upstream
    // refuses reasoning for a model it does not know as a reasoning one).
    const seen: unknown[] = [];
    const recorder: Plugin = {
      name: 'recorder',
      transformRequest(request) {
        const { reasoning, ...body } = request.body ?? {};
        seen.push(reasoning?.effort);
        return { ...request, body };
      },
    };
    await start(effort(), recorder, upstream());
    for (const e of efforts) expect((await ask(model, e)).status).toBe(200);
    expect(seen).toEqual(expected);
  });

  it('refuses an effort outside the Claude vocabulary, naming the accepted ones', async () => {
    await start(effort(), upstream());
    const res = await ask('claude-opus-5-5', 'ultra');
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toContain('(effort table entry "claude-opus-5-5*"); use one of: none, minimal, low, medium, high, xhigh, max');
    expect(mock.requests).toHaveLength(0);
  });
});

describe('effort: Chat Completions', () => {
  it('maps reasoning_effort and names that param when rejecting', async () => {
    await start(effort(DEEPSEEK), upstream());
    const messages = [{ role: 'user', content: 'hi' }];
    const ok = await post('chat/completions', { model: 'deepseek-v4-pro', messages, reasoning_effort: 'low' });
    expect(ok.status).toBe(200);
    expect(mock.requests[0]!.body.reasoning_effort).toBe('high');

    const bad = await post('chat/completions', { model: 'deepseek-v4-pro', messages, reasoning_effort: 'bogus' });
    expect(bad.status).toBe(400);
    const { error } = await bad.json();
    expect(error.param).toBe('reasoning_effort');
    expect(error.message).toContain('reasoning_effort "bogus" is not accepted for deepseek-v4-pro');
    expect(mock.requests).toHaveLength(1);
  });
});

describe('effort: ordering and audit', () => {
  it('runs before the provider even when listed after it, keeps the client body, and annotates the mapping', async () => {
    const seen: JsonObject[] = [];
    await start(probe(seen), upstream(), effort(DEEPSEEK));
    expect((await ask('deepseek-v4-pro', 'xhigh')).status).toBe(200);
    expect(seen).toEqual([{ upstream: 'max', client: 'xhigh', annotation: { from: 'xhigh', to: 'max', pattern: 'deepseek-*' } }]);
    expect(mock.requests[0]!.body.reasoning.effort).toBe('max');
  });

  it('hands the annotation to onAudit', async () => {
    const records: JsonObject[] = [];
    await start(effort(DEEPSEEK), upstream(), { name: 'audit-probe', onAudit: (record) => void records.push(record) });
    expect((await ask('deepseek-v4-pro', 'minimal')).status).toBe(200);
    await gw!.close();
    gw = undefined;
    expect(records[0]!.annotations.effort).toEqual({ from: 'minimal', to: 'none', pattern: 'deepseek-*' });
  });

  it('matches the first entry in table order', async () => {
    await start(effort({ 'deepseek-v4-flash': { low: 'low' }, 'deepseek-*': DEEPSEEK['deepseek-*'] }), upstream());
    expect((await ask('deepseek-v4-flash', 'low')).status).toBe(200);
    expect((await ask('deepseek-v4-pro', 'low')).status).toBe(200);
    expect(mock.requests.map((r) => r.body.reasoning.effort)).toEqual(['low', 'high']);
  });
});

describe('effort: options', () => {
  it('a gateway refuses to start with a table whose values are not strings', async () => {
    const start = (plugin: Plugin) => createGateway({ log: { level: 'silent' }, plugins: [plugin] }).then((gw) => gw.close());
    await expect(start(effort({ x: { low: 5 } as any }))).rejects.toThrow(/plugins\[0\] effort: x\.low must be a string/);
    await expect(start(effort({ x: 'high' as any }))).rejects.toThrow(/plugins\[0\] effort: x must be an object/);
    await expect(start(effort({ x: {} }))).rejects.toThrow(/plugins\[0\] effort: x must NOT have fewer than 1 properties/);
    await expect(start(effort(DEEPSEEK))).resolves.toBeUndefined();
    await expect(start(effort())).resolves.toBeUndefined();
  });
});
