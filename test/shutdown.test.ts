/** Graceful stop: SIGTERM lets an in-flight stream finish, refuses new work, then exits 0. */
import { expect, it } from 'vitest';
import { iterateSseEvents, startMockUpstream } from 'aurora/testing';
import { MASTER_KEY, SEED, UPSTREAM_KEY, post, startCore, tempDir, writeConfig } from './helpers.ts';

it('completes an in-flight stream after SIGTERM and exits cleanly', async () => {
  // 12 events, 80 ms apart: the stream is still running when the signal arrives.
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, chunkDelayMs: 80, streamChunks: 4 });
  const dir = await tempDir();
  const file = await writeConfig(dir, `import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
export default defineConfig({ server: { port: 0 }, plugins: [auth(), openai({ baseUrl: '${mock.url}/v1', apiKey: '${UPSTREAM_KEY}' })] });
`);
  const core = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY });
  try {
    const res = await post(`${core.url}/v1/responses`, { ...SEED, input: 'tell me a story', stream: true });
    const events = iterateSseEvents(res);
    const first = await events.next();
    expect(first.value?.event).toBe('response.created');

    core.child.kill('SIGTERM');
    const rest: string[] = [];
    for await (const event of events) rest.push(event.event!);
    expect(rest.at(-1)).toBe('response.completed');
    expect(rest.filter((e) => e === 'response.output_text.delta').length).toBe(4);

    expect(await core.exited).toBe(0);
    expect(core.output()).toContain('SIGTERM: finishing in-flight requests');
    expect(core.output()).toContain('"msg":"stopped"');
    // Stopped means stopped: nothing listens any more.
    await expect(fetch(`${core.url}/health`)).rejects.toThrow();
  } finally {
    core.child.kill('SIGKILL');
    await mock.close();
  }
});
