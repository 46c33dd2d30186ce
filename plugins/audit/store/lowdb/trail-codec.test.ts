import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AuditTrail } from 'aurora';
import { BLOCK_BYTES, decodeTrail, encodeTrail, inflate, packTrails, trailAt, type TrailRef } from './trail-codec.ts';

function trail(request: string, response: string, upstreamRequest = request, upstreamResponse = response): AuditTrail {
  const body = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  return {
    clientRequest: { headers: { 'content-type': 'application/json' }, body: body(request) },
    upstreamRequest: { url: 'http://up/v1/responses', headers: {}, body: body(upstreamRequest) },
    upstreamResponse: { status: 200, headers: {}, body: body(upstreamResponse) },
    clientResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: body(response) },
  };
}

/** What a reader gets back for each packed trail. */
async function roundTrip(trails: AuditTrail[]): Promise<{ back: AuditTrail[]; refs: TrailRef[]; members: number }> {
  const { bytes, refs } = await packTrails(trails, () => undefined);
  const back: AuditTrail[] = [];
  for (const ref of refs as TrailRef[]) back.push(trailAt(await inflate(bytes.subarray(ref[0], ref[0] + ref[1])), ref));
  return { back, refs: refs as TrailRef[], members: new Set(refs.map((r) => r![0])).size };
}

describe('trail codec', () => {
  it('keeps a body that passed through unchanged once, and gives both copies back', () => {
    const t = trail('{"model":"m","input":"HELLO-REQUEST"}', '{"output":"ANSWER-RESPONSE"}');
    const json = encodeTrail(t);
    expect(json.split('HELLO-REQUEST').length - 1).toBe(1);
    expect(json.split('ANSWER-RESPONSE').length - 1).toBe(1);
    expect(decodeTrail(json)).toEqual(t);
    // a translated exchange keeps all four bodies
    const translated = trail('{"input":"hi"}', 'event: a', '{"messages":[]}', 'data: b');
    expect(decodeTrail(encodeTrail(translated))).toEqual(translated);
  });

  it('packs several trails per gzip member, starting a new member past BLOCK_BYTES', async () => {
    const small = Array.from({ length: 30 }, (_, i) => trail(`{"n":${i}}`, `{"answer":${i}}`));
    const one = await roundTrip(small);
    expect(one.back).toEqual(small);
    expect(one.members).toBe(1);
    const big = Array.from({ length: 6 }, (_, i) => trail(`{"n":${i},"pad":"${'x'.repeat(BLOCK_BYTES / 3)}"}`, '{}'));
    const many = await roundTrip(big);
    expect(many.back).toEqual(big);
    expect(many.members).toBeGreaterThan(1);
    expect(many.members).toBeLessThan(big.length);
  });

  it('reads a one-trail member with a two-element reference (what earlier versions wrote)', async () => {
    const t = trail('{"a":1}', '{"b":2}');
    const member = gzipSync(JSON.stringify(t));
    expect(trailAt(await inflate(member), [0, member.length])).toEqual(t);
  });

  it('leaves null for records without a trail', async () => {
    const { refs } = await packTrails([null, trail('{}', '{}'), null], () => undefined);
    expect(refs[0]).toBeNull();
    expect(refs[2]).toBeNull();
    expect(refs[1]).toHaveLength(4);
  });
});
