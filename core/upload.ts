/**
 * A request body passed on as it arrives (a file, an audio upload, an image to edit) rather than
 * read whole: the bytes go upstream untouched while a multipart scan beside them checks the form
 * and finds its `model`. At most `holdLimit` bytes are held, and only while the form has not yet
 * said which model it is for; the rest streams with backpressure from the upstream socket.
 */
import { Readable } from 'node:stream';
import { GatewayError } from './errors.ts';
import { MultipartScan } from './multipart.ts';
import type { UpstreamRequest } from './types.ts';

export class Upload {
  /** Bytes that went past so far (all of them, once the upload is over). */
  bytes = 0;
  /** The model the form named, when it names one. */
  model: string | undefined;
  readonly #source: AsyncIterator<Buffer>;
  readonly #held: Buffer[];
  readonly #ended: boolean;
  readonly #scan: MultipartScan | undefined;
  #lateModel: ((model: string) => Promise<void>) | undefined;
  #taken = false;

  private constructor(readonly contentType: string | undefined, readonly contentLength: string | undefined, source: AsyncIterator<Buffer>, held: Buffer[], ended: boolean, scan: MultipartScan | undefined) {
    this.#source = source;
    this.#held = held;
    this.#ended = ended;
    this.#scan = scan;
    this.model = scan?.model;
    for (const chunk of held) this.bytes += chunk.length;
  }

  /**
   * Starts reading `body`. A form that may name its model is read until it does (or ends, or
   * `holdLimit` bytes have passed without one); a malformed form is refused here, before any
   * upstream sees a byte.
   */
  static async open(body: AsyncIterable<Buffer>, headers: { contentType: string | undefined; contentLength: string | undefined }, options: { findModel: boolean; holdLimit: number }): Promise<Upload> {
    const source = body[Symbol.asyncIterator]();
    const scan = MultipartScan.accepts(headers.contentType) ? new MultipartScan(headers.contentType) : undefined;
    const held: Buffer[] = [];
    let heldBytes = 0;
    let ended = false;
    if (scan && options.findModel) {
      while (scan.model === undefined && !scan.error && heldBytes <= options.holdLimit) {
        const next = await source.next();
        if (next.done) {
          ended = true;
          await scan.end();
          break;
        }
        held.push(next.value);
        heldBytes += next.value.length;
        scan.push(next.value);
      }
      if (scan.error) throw scan.error;
    }
    return new Upload(headers.contentType, headers.contentLength, source, held, ended, scan);
  }

  /**
   * Called when the form names its model only after the upload started (past the held bytes):
   * it must agree with the route already taken, or the upload is stopped with its error.
   */
  onLateModel(check: (model: string) => Promise<void>): void {
    this.#lateModel = check;
  }

  /** Whether the bytes were already handed to a sender (an upload is sent once: no retries, no fallbacks). */
  get taken(): boolean {
    return this.#taken;
  }

  /** The bytes to send, as a node stream; errors with a GatewayError when the form turns out bad. */
  stream(): Readable {
    if (this.#taken) throw new Error('an upload is sent once');
    this.#taken = true;
    return Readable.from(this.#chunks(), { objectMode: false });
  }

  async *#chunks(): AsyncGenerator<Buffer> {
    yield* this.#held;
    this.#held.length = 0;
    const scan = this.#scan;
    if (!this.#ended) {
      for (let next = await this.#source.next(); !next.done; next = await this.#source.next()) {
        this.bytes += next.value.length;
        if (scan) {
          const before = scan.model;
          scan.push(next.value);
          if (scan.error) throw scan.error;
          if (before === undefined && scan.model !== undefined) {
            this.model = scan.model;
            await this.#lateModel?.(scan.model);
          }
        }
        yield next.value;
      }
      if (scan) {
        await scan.end();
        if (scan.error) throw scan.error;
        if (this.model === undefined && scan.model !== undefined) {
          this.model = scan.model;
          await this.#lateModel?.(scan.model);
        }
      }
    }
  }
}

// Beside the request, not in its public shape: plugins see `body: undefined` for an upload, and a
// sender asks for the stream with uploadOf().
const UPLOAD = Symbol('aurora.upload');

export function attachUpload(request: UpstreamRequest, upload: Upload): UpstreamRequest {
  (request as { [UPLOAD]?: Upload })[UPLOAD] = upload;
  return request;
}

/** The streamed body of `request`, when it carries one (an upload) rather than JSON. */
export function uploadOf(request: UpstreamRequest): Upload | undefined {
  return (request as { [UPLOAD]?: Upload })[UPLOAD];
}

/** A stream error as the failure of the call it fed: the gateway's own refusal, or the network's. */
export function uploadFailure(err: unknown): GatewayError | undefined {
  return GatewayError.is(err) ? err : undefined;
}
