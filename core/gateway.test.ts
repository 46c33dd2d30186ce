/** The hook machinery through the public entry point: ordering, freezing, error tagging. */
import { describe, expect, it } from 'vitest';
import { createGateway, definePlugin, GatewayError, type Plugin } from './index.ts';
import { createMemoryLogger, startMockUpstream } from './testing/index.ts';

const allow: Plugin = { name: 'allow-all', onAuth: () => ({ id: 'test' }) };

function json(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

describe('createGateway', () => {
  it('runs pre, normal, post in that order, config order within each', async () => {
    const calls: string[] = [];
    const mark = (name: string, enforce?: 'pre' | 'post'): Plugin => ({
      name,
      enforce,
      transformRequest(request) {
        calls.push(name);
        return request;
      },
    });
    const mock = await startMockUpstream();
    const upstream: Plugin = { name: 'up', resolveModel: () => ({ provider: { name: 'up', baseUrl: `${mock.url}/v1`, apiKey: 'k' }, model: 'm' }) };
    const gw = await createGateway({ plugins: [allow, mark('post-1', 'post'), mark('n1'), mark('pre-1', 'pre'), mark('n2'), mark('pre-2', 'pre'), upstream] }, { logger: createMemoryLogger([]) });
    const res = await gw.request('/v1/responses', json({ model: 'x', input: 'hi' }));
    expect(res.status).toBe(200);
    expect(calls).toEqual(['pre-1', 'pre-2', 'n1', 'n2', 'post-1']);
    await gw.close();
    await mock.close();
  });

  it('freezes the hooks after setup', async () => {
    const gw = await createGateway({ plugins: [allow] }, { logger: createMemoryLogger([]) });
    expect(() => gw.hooks.onAuth.tapPromise('late', async () => undefined)).toThrow(/frozen/);
    expect(Object.isFrozen(gw.hooks)).toBe(true);
    await gw.close();
  });

  it('a GatewayError from a hook reaches the client; any other throw is a 500 with the detail only in the log', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const thrower = definePlugin({
      name: 'thrower',
      resolveModel(model) {
        if (model === 'bad') throw new GatewayError('AURORA_ERR_INVALID_PARAM', { args: ['bad model'], param: 'model' });
        throw new Error('secret internal detail');
      },
    });
    const gw = await createGateway({ plugins: [allow, thrower] }, { logger: createMemoryLogger(logs) });
    const bad = await gw.request('/v1/responses', json({ model: 'bad' }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe('bad model');
    const boom = await gw.request('/v1/responses', json({ model: 'x' }));
    expect(boom.status).toBe(500);
    const body = await boom.json();
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).not.toContain('secret internal detail');
    expect(body.error.message).toContain(boom.headers.get('x-request-id')!);
    const logged = logs.find((l) => l.msg === 'unhandled error in request')!;
    expect(logged).toMatchObject({ plugin: 'thrower', hook: 'resolveModel' });
    await gw.close();
  });

  it('answers 401 when no plugin authenticates the caller', async () => {
    const gw = await createGateway({ plugins: [] }, { logger: createMemoryLogger([]) });
    const res = await gw.request('/v1/responses', json({ model: 'x' }));
    expect(res.status).toBe(401);
    await gw.close();
  });

  it('awaits pending onAudit work and closes plugins in reverse order on close()', async () => {
    const order: string[] = [];
    let audited = 0;
    const slowAudit: Plugin = {
      name: 'slow-audit',
      async onAudit() {
        await new Promise((r) => setTimeout(r, 50));
        audited++;
      },
      close: () => void order.push('slow-audit'),
    };
    const gw = await createGateway({ plugins: [{ ...allow, close: () => void order.push('allow-all') }, slowAudit] }, { logger: createMemoryLogger([]) });
    await gw.request('/v1/models', { headers: {} });
    await gw.close();
    expect(audited).toBe(1);
    expect(order).toEqual(['slow-audit', 'allow-all']);
  });

  it('a filtered onAudit tap gets records, with the context, only for the requests its filter accepts', async () => {
    const seen: Array<{ model: string | null; ctxId: string; recordId: string }> = [];
    const mock = await startMockUpstream();
    const upstream: Plugin = { name: 'up', resolveModel: (model) => ({ provider: { name: 'up', baseUrl: `${mock.url}/v1`, apiKey: 'k' }, model }) };
    const picky: Plugin = {
      name: 'picky-audit',
      onAudit: {
        filter: (ctx) => ctx.body?.model === 'watched',
        handler: (record, ctx) => void seen.push({ model: record.model, ctxId: ctx.id, recordId: record.id }),
      },
    };
    const gw = await createGateway({ plugins: [allow, upstream, picky] }, { logger: createMemoryLogger([]) });
    for (const model of ['other', 'watched', 'other']) expect((await gw.request('/v1/responses', json({ model, input: 'hi' }))).status).toBe(200);
    await gw.close();
    await mock.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.model).toBe('watched');
    expect(seen[0]!.ctxId).toBe(seen[0]!.recordId);
  });

  it('sends a web body from a forward of its own, and ends one that stalls with the idle error', async () => {
    const sse = (events: string[], stall: boolean) => new ReadableStream<Uint8Array>({
      start(controller) {
        for (const e of events) controller.enqueue(new TextEncoder().encode(e));
        if (!stall) controller.close();
      },
    });
    let stall = false;
    const own: Plugin = {
      name: 'own-forward',
      resolveModel: (model) => ({
        provider: {
          name: 'own',
          baseUrl: 'http://unused.invalid',
          apiKey: 'k',
          idleTimeoutMs: 50,
          forward: async (request) => request.body?.stream
            ? new Response(sse(['event: response.output_text.delta\ndata: {"delta":"hi"}\n\n'], stall), { headers: { 'content-type': 'text/event-stream' } })
            : new Response(JSON.stringify({ id: 'resp_1', output: [] }), { headers: { 'content-type': 'application/json' } }),
        },
        model,
      }),
    };
    const gw = await createGateway({ plugins: [allow, own] }, { logger: createMemoryLogger([]) });
    const plain = await gw.request('/v1/responses', json({ model: 'm', input: 'hi' }));
    expect(await plain.json()).toEqual({ id: 'resp_1', output: [] });
    const whole = await (await gw.request('/v1/responses', json({ model: 'm', input: 'hi', stream: true }))).text();
    expect(whole).toBe('event: response.output_text.delta\ndata: {"delta":"hi"}\n\n');
    stall = true;
    const stalled = await (await gw.request('/v1/responses', json({ model: 'm', input: 'hi', stream: true }))).text();
    expect(stalled).toContain('data: {"delta":"hi"}');
    expect(stalled).toContain('event: response.failed');
    expect(stalled).toContain('upstream_idle_timeout');
    await gw.close();
  });

  it('a client that leaves cancels a web body its forward returned, even one that ignores ctx.signal', async () => {
    let cancelled!: () => void;
    const cancel = new Promise<void>((resolve) => (cancelled = resolve));
    const endless = (): ReadableStream<Uint8Array> => new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('event: response.output_text.delta\ndata: {"delta":"hi"}\n\n'));
      },
      cancel: () => cancelled(),
    });
    const own: Plugin = {
      name: 'endless',
      resolveModel: (model) => ({ provider: { name: 'endless', baseUrl: 'http://unused.invalid', apiKey: 'k', forward: async () => new Response(endless(), { headers: { 'content-type': 'text/event-stream' } }) }, model }),
    };
    const gw = await createGateway({ plugins: [allow, own] }, { logger: createMemoryLogger([]) });
    const { url } = await gw.listen({ port: 0, host: '127.0.0.1' });
    try {
      const controller = new AbortController();
      const res = await fetch(`${url}/v1/responses`, { ...json({ model: 'm', input: 'hi', stream: true }), signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await cancel; // hangs (and the test times out) if the gateway kept reading the body
    } finally {
      await gw.close();
    }
  });

  it('refuses a filter on a hook that takes none', async () => {
    const bad = { name: 'bad', onAuth: { filter: () => true, handler: () => undefined } } as unknown as Plugin;
    await expect(createGateway({ plugins: [bad] }, { logger: createMemoryLogger([]) })).rejects.toThrow('onAuth must be a function');
  });

  it('a plugin whose setup throws stops startup and earlier plugins are closed', async () => {
    let closed = false;
    await expect(createGateway({ plugins: [{ name: 'a', close: () => void (closed = true) }, { name: 'b', setup: () => { throw new Error('no store'); } }] }, { logger: createMemoryLogger([]) }))
      .rejects.toThrow('plugin b failed in setup(): no store');
    expect(closed).toBe(true);
  });
});
