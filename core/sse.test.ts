import { describe, expect, it } from 'vitest';
import { SseParser, formatSseEvent, parseSseText } from './sse.ts';
import type { SseEvent } from './types.ts';

describe('SseParser', () => {
  it('parses named events, data-only events, comments and CRLF', () => {
    const text = ': keep-alive\r\n\r\nevent: a\r\ndata: {"x":1}\r\n\r\ndata: [DONE]\n\n';
    expect(parseSseText(text)).toEqual([{ event: 'a', data: '{"x":1}' }, { data: '[DONE]' }]);
  });

  it('gives the same events whatever the chunk boundaries', () => {
    const text = 'event: one\ndata: {"a":"b"}\n\nevent: two\ndata: line1\ndata: line2\n\ndata: tail\n\n';
    const whole = parseSseText(text);
    for (let split = 1; split < text.length; split++) {
      const parser = new SseParser();
      const out: SseEvent[] = [];
      parser.push(text.slice(0, split), (e) => out.push(e));
      parser.push(text.slice(split), (e) => out.push(e));
      parser.flush((e) => out.push(e));
      expect(out).toEqual(whole);
    }
  });

  it('gives the same events for any split into many chunks, CRLF split across chunks included', () => {
    const text = 'event: one\r\ndata: {"a":"b"}\r\n\r\n: ping\n\nevent: two\ndata: line1\ndata: line2\n\ndata: tail\r\n\r\n';
    const whole = parseSseText(text);
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const out: SseEvent[] = [];
      for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size), (e) => out.push(e));
      parser.flush((e) => out.push(e));
      expect(out).toEqual(whole);
    }
  });

  it('reads a long event that arrives in many chunks', () => {
    const data = JSON.stringify({ delta: 'x'.repeat(200_000) });
    const parser = new SseParser();
    const out: SseEvent[] = [];
    const text = `event: big\ndata: ${data}\n\n`;
    for (let i = 0; i < text.length; i += 1000) parser.push(text.slice(i, i + 1000), (e) => out.push(e));
    expect(out).toEqual([{ event: 'big', data }]);
  });

  it('keeps an event whose final blank line never came', () => {
    expect(parseSseText('data: last')).toEqual([{ data: 'last' }]);
  });

  it('round-trips through formatSseEvent, multi-line data included', () => {
    const events: SseEvent[] = [{ event: 'x', data: 'a\nb' }, { data: '{}' }, { event: 'y', id: '7', data: 'z' }];
    expect(parseSseText(events.map(formatSseEvent).join(''))).toEqual(events);
  });
});

describe('a bounded parser', () => {
  it('throws SseEventTooLargeError for one event past the bound, whether it comes in one piece or many', async () => {
    const { SseParser, SseEventTooLargeError } = await import('./sse.ts');
    const whole = new SseParser(100);
    expect(() => whole.push(`data: ${'x'.repeat(200)}\n\n`, () => {})).toThrow(SseEventTooLargeError);
    const pieces = new SseParser(100);
    expect(() => {
      for (let i = 0; i < 20; i++) pieces.push('data: xxxxxxxxxx\n', () => {});
    }).toThrow(SseEventTooLargeError);
  });

  it('counts each event on its own: many small events in one large chunk pass', async () => {
    const { SseParser } = await import('./sse.ts');
    const parser = new SseParser(100);
    const events: unknown[] = [];
    parser.push('data: 0123456789\n\n'.repeat(50), (e) => events.push(e));
    expect(events).toHaveLength(50);
  });
});
