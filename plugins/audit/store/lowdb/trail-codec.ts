/**
 * How the default store packs trails into its body files. Each trail is JSON; the upstream copy of a
 * body that passed through unchanged is kept as a reference to the client's copy (a passthrough
 * trail holds each body twice); several trails share one gzip member of about BLOCK_BYTES, so zlib
 * starts once per block instead of once per record (its set-up cost more than compressing a small
 * trail), and blocks are compressed on libuv's thread pool, off the event loop.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { AuditTrail, CapturedBody } from 'aurora';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

// Level 1: compression was most of audit's cost per request; level 1 is ~2.7x faster than the
// default on trail JSON for a few percent more bytes (measured on the 2-core dev box).
const GZIP = { level: 1 };
/** Uncompressed bytes per gzip member: reading one trail inflates at most about this much. */
export const BLOCK_BYTES = 64 * 1024;

/**
 * Where a trail is in a body file: `[offset, length]` of its gzip member, and for a member holding
 * several trails, `[start, end)` of this one in the inflated bytes. (Two-element references, one
 * member per trail, are what earlier versions wrote; they still read.)
 */
export type TrailRef = [offset: number, length: number] | [offset: number, length: number, start: number, end: number];

/** A body stored as a reference to another body of the same trail with the same text. */
interface SameBody extends Omit<CapturedBody, 'text'> {
  same: 'clientRequest' | 'clientResponse';
}

export function encodeTrail(trail: AuditTrail): string {
  const sameRequest = sameText(trail.upstreamRequest?.body, trail.clientRequest.body);
  const sameResponse = sameText(trail.upstreamResponse?.body, trail.clientResponse.body);
  if (!sameRequest && !sameResponse) return JSON.stringify(trail);
  return JSON.stringify({
    ...trail,
    upstreamRequest: sameRequest ? { ...trail.upstreamRequest, body: reference(trail.upstreamRequest!.body!, 'clientRequest') } : trail.upstreamRequest,
    upstreamResponse: sameResponse ? { ...trail.upstreamResponse, body: reference(trail.upstreamResponse!.body!, 'clientResponse') } : trail.upstreamResponse,
  });
}

export function decodeTrail(json: string): AuditTrail {
  const trail = JSON.parse(json) as AuditTrail;
  for (const part of [trail.upstreamRequest, trail.upstreamResponse]) {
    const body = part?.body as (CapturedBody | SameBody | null | undefined);
    if (part && body && 'same' in body) {
      const { same, ...rest } = body;
      part.body = { ...rest, text: trail[same].body?.text ?? '' };
    }
  }
  return trail;
}

function sameText(a: CapturedBody | null | undefined, b: CapturedBody | null | undefined): boolean {
  return Boolean(a && b && a.truncated === b.truncated && a.text === b.text);
}

function reference(body: CapturedBody, same: SameBody['same']): SameBody {
  return { bytes: body.bytes, truncated: body.truncated, same };
}

/**
 * The trails as gzip members ready to append, and each trail's reference relative to the start of
 * `bytes` (null for a record without a trail). `pause` is awaited between trails so a large batch
 * lets requests through.
 */
export async function packTrails(trails: ReadonlyArray<AuditTrail | null>, pause: () => Promise<void> | undefined): Promise<{ bytes: Buffer; refs: Array<TrailRef | null> }> {
  const blocks: Array<Promise<Buffer>> = [];
  const placed: Array<{ block: number; start: number; end: number } | null> = [];
  let parts: Buffer[] = [];
  let size = 0;
  const seal = () => {
    if (!parts.length) return;
    blocks.push(gzipAsync(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), GZIP));
    parts = [];
    size = 0;
  };
  for (const trail of trails) {
    if (!trail) {
      placed.push(null);
      continue;
    }
    const bytes = Buffer.from(encodeTrail(trail));
    placed.push({ block: blocks.length, start: size, end: size + bytes.length });
    parts.push(bytes);
    size += bytes.length;
    if (size >= BLOCK_BYTES) seal();
    await pause();
  }
  seal();
  const members = await Promise.all(blocks);
  const offsets: number[] = [];
  let offset = 0;
  for (const member of members) {
    offsets.push(offset);
    offset += member.length;
  }
  const refs = placed.map((p): TrailRef | null => (p ? [offsets[p.block]!, members[p.block]!.length, p.start, p.end] : null));
  return { bytes: Buffer.concat(members, offset), refs };
}

/** Inflate a member read from a body file. */
export function inflate(member: Buffer): Promise<Buffer> {
  return gunzipAsync(member);
}

/** The trail at `ref` in an inflated member. */
export function trailAt(inflated: Buffer, ref: TrailRef): AuditTrail {
  const json = ref.length === 4 ? inflated.toString('utf8', ref[2], ref[3]) : inflated.toString('utf8');
  return decodeTrail(json);
}
