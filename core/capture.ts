/**
 * Keeps a copy of a body for the audit trail without holding more than asked: the first
 * `limit` bytes, plus a short tail so the usage at the end of a long stream is never lost.
 */
import type { CapturedBody } from './types.ts';

const TAIL_BYTES = 64 * 1024;
/** Enough of a body's start for the id of the answer (`"id":"resp_…"` opens every answer shape). */
const OPENING_BYTES = 512;

export class BodyCapture {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  bytes = 0;
  /** The first bytes, whatever the limit: where an answer says its id. */
  readonly opening: Uint8Array[] = [];

  /** `omitted`: the media type of a body that is counted, not kept (audio, images, files). */
  constructor(private readonly limit: number, readonly omitted?: string) {}

  add(chunk: Uint8Array): void {
    if (this.bytes < OPENING_BYTES) this.opening.push(chunk.subarray(0, OPENING_BYTES - this.bytes));
    this.bytes += chunk.length;
    if (this.omitted !== undefined) return;
    if (this.headBytes < this.limit) {
      const room = this.limit - this.headBytes;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.head.push(part);
      this.headBytes += part.length;
      if (part.length === chunk.length) return;
      chunk = chunk.subarray(part.length);
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= TAIL_BYTES) this.tailBytes -= this.tail.shift()!.length;
  }

  /** The kept head as text; `truncated` when bytes were dropped. */
  result(): CapturedBody {
    if (this.omitted !== undefined) return { text: '', bytes: this.bytes, truncated: false, omitted: this.omitted };
    return { text: this.headText(), bytes: this.bytes, truncated: this.bytes > this.headBytes };
  }

  /** The last bytes seen (the whole body when it was short), for reading a stream's final usage. */
  ending(): string {
    if (this.bytes <= this.headBytes) return this.headText();
    // Most bodies arrive in one chunk: decode it where it is.
    const only = this.tail.length === 1 ? this.tail[0]! : Buffer.concat(this.tail);
    return Buffer.from(only.buffer, only.byteOffset, only.byteLength).toString('utf8');
  }

  // Read up to three times per record (usage, the client's and the upstream's copy of one body).
  private text: { bytes: number; text: string } | undefined;
  private headText(): string {
    if (this.text?.bytes !== this.headBytes) this.text = { bytes: this.headBytes, text: Buffer.concat(this.head).toString('utf8') };
    return this.text.text;
  }
}

const ANSWER_ID = /"id"\s*:\s*"([A-Za-z0-9_.:-]{1,200})"/;

/**
 * The id the answer carried (a Responses `resp_…`, a Chat `chatcmpl-…`, a Messages `msg_…`): the
 * first `"id"` of its opening bytes, which is the answer's own in each of those shapes, whole or
 * streamed. Null for a body without one (an error, a binary body).
 */
export function answerIdOf(capture: BodyCapture | undefined): string | null {
  if (!capture || capture.opening.length === 0 || capture.omitted !== undefined) return null;
  return ANSWER_ID.exec(Buffer.concat(capture.opening).toString('latin1'))?.[1] ?? null;
}

/** Like captureText, for bytes: only the kept part is decoded. */
export function captureBytes(bytes: Uint8Array, limit: number): CapturedBody {
  const kept = bytes.byteLength <= limit ? bytes : bytes.subarray(0, limit);
  return { text: Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString('utf8'), bytes: bytes.byteLength, truncated: kept !== bytes };
}

export function captureText(text: string, limit: number): CapturedBody {
  const bytes = Buffer.byteLength(text);
  if (bytes <= limit) return { text, bytes, truncated: false };
  return { text: Buffer.from(text).subarray(0, limit).toString('utf8'), bytes, truncated: true };
}
