import { describe, expect, it } from 'vitest';
import { parseSse } from './sse.ts';

describe('parseSse', () => {
  it('returns complete frames and keeps the unfinished rest', () => {
    const { events, rest } = parseSse(': connected\n\nevent: record\ndata: {"id":"a"}\n\nevent: record\ndata: {"id"');
    expect(events).toEqual([{ event: 'record', data: '{"id":"a"}' }]);
    expect(rest).toBe('event: record\ndata: {"id"');
  });

  it('joins multi-line data, accepts CRLF, and waits for a CR split across chunks', () => {
    expect(parseSse('data: a\r\ndata: b\r\n\r\n').events).toEqual([{ event: undefined, data: 'a\nb' }]);
    const first = parseSse('data: x\r');
    expect(first.events).toEqual([]);
    expect(parseSse(`${first.rest}\n\r\n`).events).toEqual([{ event: undefined, data: 'x' }]);
  });
});
