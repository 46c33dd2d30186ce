import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.ts';
import { parseJsonBody, rememberRawBody, serializeBody } from './request-body.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('parseJsonBody', () => {
  it('accepts a body that starts with a byte-order mark, and refuses bytes that are not UTF-8', () => {
    expect(parseJsonBody(bytes('\uFEFF{"model":"m","input":"hi"}'), 'application/json', 'responses')).toEqual({ model: 'm', input: 'hi' });
    const broken = new Uint8Array([...Buffer.from('{"model":"m","input":"'), 0xc3, 0x28, ...Buffer.from('"}')]);
    expect(() => parseJsonBody(broken, 'application/json', 'responses')).toThrow(GatewayError);
    expect(() => parseJsonBody(broken, 'application/json', 'responses')).toThrow('not valid UTF-8');
  });

  it('reads a body that is a view into a larger buffer (node hands out pooled slices)', () => {
    const pool = Buffer.from('xxxx{"model":"m","messages":[]}yyyy');
    expect(parseJsonBody(pool.subarray(4, pool.length - 4), 'application/json', 'chat.completions')).toEqual({ model: 'm', messages: [] });
  });
});

describe('serializeBody', () => {
  it('sends the client\'s own bytes for the body it sent, and fresh JSON for any copy of it', () => {
    const sent = bytes('{ "model": "m",   "input": "spacing kept" }');
    const body = parseJsonBody(sent, 'application/json', 'responses');
    rememberRawBody(body, sent);
    expect(serializeBody(body)).toBe(sent);
    const copy = { ...body, model: 'other' };
    expect(Buffer.from(serializeBody(copy)).toString()).toBe('{"model":"other","input":"spacing kept"}');
    expect(JSON.stringify(body)).toBe('{"model":"m","input":"spacing kept"}');
  });
});
