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

  it('keeps an event whose final blank line never came', () => {
    expect(parseSseText('data: last')).toEqual([{ data: 'last' }]);
  });

  it('round-trips through formatSseEvent, multi-line data included', () => {
    const events: SseEvent[] = [{ event: 'x', data: 'a\nb' }, { data: '{}' }, { event: 'y', id: '7', data: 'z' }];
    expect(parseSseText(events.map(formatSseEvent).join(''))).toEqual(events);
  });
});
