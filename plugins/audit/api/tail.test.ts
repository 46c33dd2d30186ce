import { describe, expect, it } from 'vitest';
import { makeRecord } from '../record/test-record.ts';
import { summaryOf } from '../store/filters.ts';
import { createTailHub } from './tail.ts';

async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('tail hub', () => {
  it('sends matching records, pings, and ends when the client goes away', async () => {
    const hub = createTailHub({ pingMs: 10 });
    const aborter = new AbortController();
    const body = readText(hub.subscribe({ model: 'a*' }, aborter.signal));
    hub.publish(summaryOf(makeRecord({ id: 'req_1', model: 'abc' })), () => '');
    hub.publish(summaryOf(makeRecord({ id: 'req_2', model: 'zzz' })), () => '');
    await new Promise((r) => setTimeout(r, 30));
    expect(hub.subscribers).toBe(1);
    aborter.abort();
    const text = await body;
    expect(hub.subscribers).toBe(0);
    expect(text.startsWith(': connected\n\nevent: record\ndata: {"id":"req_1"')).toBe(true);
    expect(text).not.toContain('req_2');
    expect(text).toContain(': ping\n\n');
  });

  it('close() ends every stream', async () => {
    const hub = createTailHub();
    const bodies = [readText(hub.subscribe({}, new AbortController().signal)), readText(hub.subscribe({ q: 'x' }, new AbortController().signal))];
    hub.close();
    expect(await Promise.all(bodies)).toEqual([': connected\n\n', ': connected\n\n']);
    expect(hub.subscribers).toBe(0);
  });

  it('drops a subscriber that stops reading instead of queueing without end', async () => {
    const hub = createTailHub();
    const stream = hub.subscribe({}, new AbortController().signal);
    const summary = summaryOf(makeRecord());
    for (let i = 0; i < 1500; i++) hub.publish(summary, () => '');
    expect(hub.subscribers).toBe(0);
    const text = await readText(stream);
    expect(text).toContain(': dropped');
  });
});
