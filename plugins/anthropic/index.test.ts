import { describe, expect, it } from 'vitest';
import { createGateway, type GatewayServices, type JsonObject, type Plugin, type RequestContext, type Route, type RoutedContext, type UpstreamRequest } from 'aurora';
import { callTransform } from 'aurora/testing';
import anthropic from './index.ts';

function context(endpoint: RequestContext['endpoint'], body: JsonObject | undefined, route?: Route, clientApi: RequestContext['endpoint'] = endpoint): RoutedContext {
  return { endpoint, clientApi, body, route, annotations: {}, stream: body?.stream === true } as unknown as RoutedContext;
}

function services(secrets: string[] = [], warnings: string[] = []): GatewayServices {
  return { addSecret: (value: string | undefined) => void (value && secrets.push(value)), log: { warn: (m: string) => void warnings.push(m) } } as unknown as GatewayServices;
}

async function setUp(options: Parameters<typeof anthropic>[0] = {}): Promise<Plugin> {
  const plugin = anthropic({ apiKey: 'sk-ant-test', ...options });
  await plugin.setup?.(services());
  return plugin;
}

const route = (plugin: Plugin, model: string, endpoint: RequestContext['endpoint'] = 'responses') => plugin.resolveModel!(model, context(endpoint, { model }));

describe('anthropic plugin wiring', () => {
  it('has its name, options and a strict schema', async () => {
    const plugin = anthropic();
    expect(plugin.name).toBe('anthropic');
    expect(plugin.optionsSchema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(anthropic({ name: 'claude-eu' }).name).toBe('claude-eu');
    const start = (p: Plugin) => createGateway({ log: { level: 'silent' }, plugins: [p] }).then((gw) => gw.close());
    await expect(start(anthropic({ apiKey: 'k', maxTokens: { 'claude-*': 1000 } }))).resolves.toBeUndefined();
    await expect(start(anthropic({ apikey: 'k' } as never))).rejects.toThrow(/unknown option "apikey"/);
    await expect(start(anthropic({ maxTokens: 0 }))).rejects.toThrow(/maxTokens/);
    await expect(start(anthropic({ apiVersion: 'latest' }))).rejects.toThrow(/apiVersion/);
  });

  it('claims claude-* by default, maps modelMap names, leaves others and GET /v1/models', async () => {
    const plugin = await setUp({ modelMap: { 'gpt-5.5': 'claude-opus-5-5' }, baseUrl: 'https://example.test/v1/', headersTimeoutMs: 5000, retry: { attempts: 2 } });
    const opus = (await route(plugin, 'claude-opus-5-5'))!;
    expect(opus.model).toBe('claude-opus-5-5');
    expect(opus.provider).toMatchObject({ name: 'anthropic', baseUrl: 'https://example.test/v1', apiKey: 'sk-ant-test', apiKeyEnv: 'ANTHROPIC_API_KEY', headersTimeoutMs: 5000, retry: { attempts: 2 }, apis: ['responses', 'messages'] });
    expect(typeof opus.provider.forward).toBe('function');
    expect((await route(plugin, 'gpt-5.5'))?.model).toBe('claude-opus-5-5');
    expect((await route(plugin, 'gpt-5.5'))?.provider).toBe(opus.provider);
    expect(await route(plugin, 'deepseek-v4-pro')).toBeUndefined();
    expect(await route(plugin, 'claude-opus-5-5', 'models')).toBeUndefined();
    expect(plugin.describe!()).toEqual({ providers: [{ name: 'anthropic', baseUrl: 'https://example.test/v1', models: ['claude-*', 'gpt-5.5'], keySet: true, targets: ['anthropic'] }] });
    await plugin.close?.();
  });

  it('the key from ANTHROPIC_API_KEY, registered as a secret; without one a warning', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    try {
      process.env.ANTHROPIC_API_KEY = 'sk-ant-env';
      const secrets: string[] = [];
      const plugin = anthropic();
      await plugin.setup!(services(secrets));
      expect(secrets).toEqual(['sk-ant-env']);
      expect((await route(plugin, 'claude-sonnet-5-5'))?.provider).toMatchObject({ baseUrl: 'https://api.anthropic.com/v1', apiKey: 'sk-ant-env' });
      await plugin.close?.();
      delete process.env.ANTHROPIC_API_KEY;
      const warnings: string[] = [];
      const keyless = anthropic();
      await keyless.setup!(services([], warnings));
      expect(warnings[0]).toContain('set ANTHROPIC_API_KEY');
      expect(keyless.describe!().providers![0]!.keySet).toBe(false);
      await keyless.close?.();
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it('transformRequest: the hub → POST /messages with the translated body, annotations for what was dropped; the client body untouched', async () => {
    const plugin = await setUp();
    const r = (await route(plugin, 'claude-opus-4-8'))!;
    const hub = { model: 'claude-opus-4-8', input: 'hi', tools: [{ type: 'web_search' }], reasoning: { effort: 'max' }, temperature: 0.3 };
    const ctx = context('responses', hub, r);
    const request: UpstreamRequest = { method: 'POST', path: '/responses', headers: new Headers({ accept: 'text/event-stream' }), body: hub };
    const out = await callTransform(plugin.transformRequest, request, ctx);
    expect(out.path).toBe('/messages');
    expect(out.headers).toBe(request.headers);
    expect(out.body).toMatchObject({ model: 'claude-opus-4-8', max_tokens: 64000, thinking: { type: 'adaptive' }, output_config: { effort: 'max' }, messages: [{ role: 'user' }] });
    expect(ctx.annotations.anthropic).toEqual({ dropped: ['tool web_search'], adjusted: ['temperature/top_p left out: claude-opus-4-8 takes no sampling parameters'] });
    expect(hub).toEqual({ model: 'claude-opus-4-8', input: 'hi', tools: [{ type: 'web_search' }], reasoning: { effort: 'max' }, temperature: 0.3 });
    await plugin.close?.();
  });

  it('a Messages request and another provider\'s request are not touched', async () => {
    const plugin = await setUp();
    const r = (await route(plugin, 'claude-opus-4-8'))!;
    const body = { model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const request: UpstreamRequest = { method: 'POST', path: '/messages', headers: new Headers(), body };
    expect(await callTransform(plugin.transformRequest, request, context('messages', body, r))).toBe(request);
    const other = { provider: { name: 'x', baseUrl: 'http://x' }, model: 'claude-opus-4-8' };
    expect(await callTransform(plugin.transformRequest, request, context('responses', body, other))).toBe(request);
    await plugin.close?.();
  });

  it('GET /v1/models: exact model names are added to whichever list answers', async () => {
    const plugin = await setUp({ models: ['claude-opus-5-5', 'claude-sonnet-*'] });
    const list = await callTransform(plugin.transformResponse, { object: 'list', data: [{ id: 'gpt-5.5' }] }, context('models', undefined, { provider: { name: 'openai', baseUrl: 'x' }, model: '' }));
    expect(list.data.map((m: JsonObject) => m.id)).toEqual(['gpt-5.5', 'claude-opus-5-5']);
    await plugin.close?.();
  });
});
