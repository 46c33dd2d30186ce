import { callTransform } from 'aurora/testing';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSseText } from 'aurora';
import type { EventStream, GatewayServices, JsonObject, Plugin, RequestContext, Route, RoutedContext, SseEvent, UpstreamRequest } from 'aurora';
import deepseek from './index.ts';

const CODEX = new URL('../../test/fixtures/codex/', import.meta.url);
const codexRequest = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, CODEX), 'utf8'));

function context(endpoint: RequestContext['endpoint'], body: JsonObject | undefined, route?: Route): RoutedContext {
  return { endpoint, body, route, annotations: {}, stream: body?.stream === true } as unknown as RoutedContext;
}

function services(secrets: string[] = []): GatewayServices {
  return { addSecret: (value: string | undefined) => void (value && secrets.push(value)) } as unknown as GatewayServices;
}

async function setUp(options: Parameters<typeof deepseek>[0] = {}): Promise<Plugin> {
  const plugin = deepseek({ apiKey: 'sk-test', ...options });
  await plugin.setup?.(services());
  return plugin;
}

async function route(plugin: Plugin, model: string, endpoint: RequestContext['endpoint'] = 'responses'): Promise<Route | undefined> {
  return plugin.resolveModel!(model, context(endpoint, { model }));
}

describe('deepseek plugin wiring', () => {
  it('has its name, options and schema', () => {
    const plugin = deepseek();
    expect(plugin.name).toBe('deepseek');
    expect(plugin.options).toEqual({});
    expect(plugin.optionsSchema).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('resolveModel claims configured names and globs, maps names, leaves others', async () => {
    const plugin = await setUp({ models: ['deepseek-v4-pro', 'ds-*'], modelMap: { 'ds-fast': 'deepseek-v4-flash', 'gpt-5.5': 'deepseek-v4-pro' }, baseUrl: 'https://example.test/', headersTimeoutMs: 5000 });
    const pro = await route(plugin, 'deepseek-v4-pro');
    expect(pro?.model).toBe('deepseek-v4-pro');
    expect(pro?.provider).toEqual({ name: 'deepseek', baseUrl: 'https://example.test', apiKey: 'sk-test', apiKeyEnv: 'DEEPSEEK_API_KEY', headersTimeoutMs: 5000, prices: expect.any(Function) });
    // Its own price table: a cache hit at the cache-hit rate.
    expect(pro?.provider.prices?.('deepseek-v4-pro')).toMatchObject({ input: 0.435, cachedInput: 0.003625, output: 0.87 });
    expect((await route(plugin, 'ds-fast'))?.model).toBe('deepseek-v4-flash');
    expect((await route(plugin, 'ds-anything'))?.model).toBe('ds-anything');
    expect((await route(plugin, 'gpt-5.5'))?.model).toBe('deepseek-v4-pro');
    expect((await route(plugin, 'ds-fast'))?.provider).toBe(pro?.provider); // one provider object
    expect(await route(plugin, 'gpt-4.1-mini')).toBeUndefined();
    expect(await route(plugin, 'xds-1')).toBeUndefined();
    expect(await route(plugin, 'deepseek-v4-pro', 'models')).toBeUndefined();
  });

  it('defaults: the two V4 models, key from DEEPSEEK_API_KEY', async () => {
    const saved = process.env.DEEPSEEK_API_KEY;
    process.env.DEEPSEEK_API_KEY = 'sk-env';
    try {
      const plugin = deepseek();
      const secrets: string[] = [];
      await plugin.setup?.(services(secrets));
      expect(secrets).toEqual(['sk-env']);
      const r = await route(plugin, 'deepseek-v4-flash');
      expect(r?.provider).toMatchObject({ baseUrl: 'https://api.deepseek.com', apiKey: 'sk-env' });
      expect(await route(plugin, 'deepseek-flash')).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.DEEPSEEK_API_KEY;
      else process.env.DEEPSEEK_API_KEY = saved;
    }
  });

  it('transformRequest: Responses → /chat/completions with the translated (possibly modified) body; key never in it', async () => {
    const plugin = await setUp({ modelMap: { 'gpt-5.5': 'deepseek-v4-pro' }, models: ['gpt-5.5'] });
    const clientBody = codexRequest('simple-request-gpt-5.5.json');
    const r = (await route(plugin, 'gpt-5.5'))!;
    const ctx = context('responses', clientBody, r);
    // An earlier plugin (effort) changed the effort: the translation must use request.body.
    const request: UpstreamRequest = { method: 'POST', path: '/responses', headers: new Headers({ accept: 'text/event-stream' }), body: { ...clientBody, model: r.model, reasoning: { effort: 'max' } } };
    const out = await callTransform(plugin.transformRequest, request, ctx);
    expect(out.path).toBe('/chat/completions');
    expect(out.method).toBe('POST');
    expect(out.headers).toBe(request.headers);
    expect(out.body?.model).toBe('deepseek-v4-pro');
    expect(out.body?.reasoning_effort).toBe('max');
    expect(out.body?.messages[0].role).toBe('system');
    expect(JSON.stringify(out.body)).not.toContain('sk-test');
  });

  it('transformRequest: Chat Completions stays on /chat/completions, normalised for DeepSeek with the upstream model', async () => {
    const plugin = await setUp({ modelMap: { alias: 'deepseek-v4-flash' }, models: ['alias'] });
    const r = (await route(plugin, 'alias', 'chat.completions'))!;
    const body = { model: 'alias', messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: 'hi' }], n: 1, store: true, max_completion_tokens: 10, stream: true, stream_options: { include_usage: true }, thinking: { type: 'disabled' } };
    const out = await callTransform(plugin.transformRequest, { method: 'POST', path: '/chat/completions', headers: new Headers(), body }, context('chat.completions', body, r));
    expect(out.path).toBe('/chat/completions');
    expect(out.body).toEqual({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
      thinking: { type: 'disabled' },
    });
  });

  it('transformRequest: Chat Completions reads the effort from the (possibly modified) request body', async () => {
    const plugin = await setUp();
    const r = (await route(plugin, 'deepseek-v4-pro', 'chat.completions'))!;
    const clientBody = { model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'low' };
    // An earlier plugin (effort) mapped the client's effort: the request body is what counts.
    const request: UpstreamRequest = { method: 'POST', path: '/chat/completions', headers: new Headers(), body: { ...clientBody, reasoning_effort: 'none' } };
    const out = await callTransform(plugin.transformRequest, request, context('chat.completions', clientBody, r));
    expect(out.body?.thinking).toEqual({ type: 'disabled' });
    expect(out.body).not.toHaveProperty('reasoning_effort');
    expect(clientBody.reasoning_effort).toBe('low');
  });

  it('leaves other providers\' requests, streams and responses alone', async () => {
    const plugin = await setUp();
    const other: Route = { provider: { name: 'openai', baseUrl: 'https://api.openai.com/v1' }, model: 'gpt-5.5' };
    const ctx = context('responses', { model: 'gpt-5.5', input: 'hi' }, other);
    const request: UpstreamRequest = { method: 'POST', path: '/responses', headers: new Headers(), body: ctx.body };
    expect(await callTransform(plugin.transformRequest, request, ctx)).toBe(request);
    const stream: EventStream = new ReadableStream<SseEvent>();
    expect(callTransform(plugin.transformStream, stream, ctx)).toBe(stream);
    const response = { id: 'resp_1', object: 'response' };
    expect(await callTransform(plugin.transformResponse, response, ctx)).toBe(response);
    // Ours, but a Chat Completions stream: untouched too.
    const ours = (await route(plugin, 'deepseek-v4-pro', 'chat.completions'))!;
    expect(callTransform(plugin.transformStream, stream, context('chat.completions', { model: 'deepseek-v4-pro' }, ours))).toBe(stream);
  });

  it('transformStream translates our Responses streams, echoing the model the client asked for', async () => {
    const plugin = await setUp({ models: ['gpt-5.5'], modelMap: { 'gpt-5.5': 'deepseek-v4-pro' } });
    const body = codexRequest('simple-request-gpt-5.5.json');
    const r = (await route(plugin, 'gpt-5.5'))!;
    const sse = readFileSync(new URL('./fixtures/custom-apply-patch.sse', import.meta.url), 'utf8');
    const source = new ReadableStream<SseEvent>({
      start(c) {
        for (const e of parseSseText(sse)) c.enqueue(e);
        c.close();
      },
    });
    const reader = callTransform(plugin.transformStream, source, context('responses', body, r)).getReader();
    const events: JsonObject[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      events.push(JSON.parse(value.data));
    }
    const last = events[events.length - 1]!;
    expect(last.type).toBe('response.completed');
    expect(last.response.model).toBe('gpt-5.5');
    expect(last.response.output.map((i: JsonObject) => i.type)).toEqual(['reasoning', 'custom_tool_call']);
  });

  it('transformResponse: our non-stream Responses answer is translated', async () => {
    const plugin = await setUp();
    const body = { model: 'deepseek-v4-pro', input: 'hi' };
    const r = (await route(plugin, 'deepseek-v4-pro'))!;
    const chat = { id: 'x', object: 'chat.completion', created: 1, model: 'deepseek-v4-pro', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hello' } }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    const res = await callTransform(plugin.transformResponse, chat, context('responses', body, r));
    expect(res).toMatchObject({ object: 'response', status: 'completed', model: 'deepseek-v4-pro', output: [{ type: 'message', content: [{ text: 'hello' }] }] });
  });

  it('transformResponse on /v1/models adds the configured (non-glob) names once, for any route', async () => {
    const plugin = await setUp({ models: ['deepseek-v4-pro', 'deepseek-*'], modelMap: { 'gpt-5.5': 'deepseek-v4-pro' } });
    const anyRoute: Route = { provider: { name: 'aurora', baseUrl: 'aurora://local' }, model: '' };
    const list = { object: 'list', data: [{ id: 'gpt-4.1-mini', object: 'model', created: 1, owned_by: 'openai' }, { id: 'deepseek-v4-pro', object: 'model', created: 0, owned_by: 'deepseek' }] };
    const out = await callTransform(plugin.transformResponse, list, context('models', undefined, anyRoute));
    expect(out.data.map((m: JsonObject) => m.id)).toEqual(['gpt-4.1-mini', 'deepseek-v4-pro', 'gpt-5.5']);
    expect(out.data[2]).toEqual({ id: 'gpt-5.5', object: 'model', created: 0, owned_by: 'deepseek' });
    const empty = await callTransform(plugin.transformResponse, { object: 'list', data: [] }, context('models', undefined, anyRoute));
    expect(empty.data.map((m: JsonObject) => m.id)).toEqual(['deepseek-v4-pro', 'gpt-5.5']);
  });
});
