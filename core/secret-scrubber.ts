/**
 * Known secrets (provider keys, the master key) scrubbed from a body on its way to the client,
 * chunk by chunk. A secret may straddle two chunks: only the bytes at a chunk's end that could
 * begin a secret are held back until the next chunk shows whether they do. Stream events end
 * with a blank line, which no key begins with, so a stream is never held back in practice.
 *
 * The mask has the secret's length, so a Content-Length the upstream sent still holds.
 */

// Shorter strings would match ordinary text (the same rule as the log and audit redaction).
const MIN_SECRET_BYTES = 8;
const MARK = '[redacted]';
const NOTHING = new Uint8Array(0);

function maskOf(length: number): Buffer {
  return Buffer.from(length <= MARK.length ? MARK.slice(0, length) : MARK + '*'.repeat(length - MARK.length));
}

/** The gateway's secrets, prepared once: text redaction and a scrubber per streamed body. */
export interface Scrubbing {
  /** Whether there is anything to scrub at all (no secrets: bodies go out as they are). */
  readonly active: boolean;
  /** `text` with every secret replaced. */
  text(text: string): string;
  /** A scrubber for one body, chunk by chunk. */
  stream(): SecretScrubber;
}

export function createScrubbing(secrets: Iterable<string>): Scrubbing {
  const list = [...new Set(secrets)].filter((s) => Buffer.byteLength(s) >= MIN_SECRET_BYTES);
  const patterns = list.map((s) => Buffer.from(s));
  const masks = patterns.map((p) => maskOf(p.length));
  return {
    active: list.length > 0,
    text: (text) => {
      for (const secret of list) if (text.includes(secret)) text = text.split(secret).join(MARK);
      return text;
    },
    stream: () => new SecretScrubber(patterns, masks),
  };
}

export class SecretScrubber {
  #carry: Buffer | undefined;

  constructor(private readonly secrets: readonly Buffer[], private readonly masks: readonly Buffer[]) {}

  /** The bytes of `chunk` (after any held back before it) that can go out now. */
  push(chunk: Uint8Array): Uint8Array {
    let buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let copied = this.#carry !== undefined;
    this.#carry = undefined;
    for (let i = 0; i < this.secrets.length; i++) {
      const secret = this.secrets[i]!;
      for (let at = buf.indexOf(secret); at !== -1; at = buf.indexOf(secret, at + secret.length)) {
        // The chunk may be the upstream's own buffer (or a view of a pooled one): write into a copy.
        if (!copied) {
          buf = Buffer.from(buf);
          copied = true;
        }
        this.masks[i]!.copy(buf, at);
      }
    }
    const hold = this.#heldTail(buf);
    if (hold === 0) return buf;
    this.#carry = Buffer.from(buf.subarray(buf.length - hold));
    return buf.subarray(0, buf.length - hold);
  }

  /** What is still held back, at the end of the body. */
  end(): Uint8Array {
    const carry = this.#carry;
    this.#carry = undefined;
    return carry ?? NOTHING;
  }

  /** The length of the longest end of `buf` that is the start of some secret (0 if none). */
  #heldTail(buf: Buffer): number {
    let hold = 0;
    for (const secret of this.secrets) {
      const from = Math.max(0, buf.length - secret.length + 1);
      for (let i = buf.indexOf(secret[0]!, from); i !== -1 && buf.length - i > hold; i = buf.indexOf(secret[0]!, i + 1)) {
        if (buf.subarray(i).equals(secret.subarray(0, buf.length - i))) {
          hold = buf.length - i;
          break;
        }
      }
    }
    return hold;
  }
}
