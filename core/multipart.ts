/**
 * Reads a multipart form as it streams past, without keeping it: the bytes go upstream untouched,
 * a parser beside them checks that the form is well formed and picks out the fields the gateway
 * routes by (`model`). File parts are parsed and dropped, so a scan holds no more than a field.
 * @fastify/busboy: the parser Fastify and undici use, maintained, with the edge cases (header
 * folding, boundaries split across chunks, limits) a hand-written one would get wrong.
 */
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { GatewayError } from './errors.ts';

// A model name is short; a field past this is not one to route by.
const FIELD_LIMIT = 64 * 1024;

export class MultipartScan {
  /** The form's `model` field, once it has passed. */
  model: string | undefined;
  /** Why the form cannot be read (malformed, truncated), once known. */
  error: GatewayError | undefined;
  readonly #parser: BusboyInstance;
  readonly #finished: Promise<void>;

  constructor(contentType: string) {
    this.#parser = Busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: FIELD_LIMIT } });
    this.#parser.on('field', (name: string, value: string) => {
      if (name === 'model' && this.model === undefined) this.model = value;
    });
    // A file part cut short fails its own stream too; the parser's error already says why.
    this.#parser.on('file', (_name: string, file: NodeJS.ReadableStream) => void file.on('error', () => {}).resume());
    this.#finished = new Promise<void>((resolve) => {
      this.#parser.on('finish', resolve);
      this.#parser.on('error', (err: Error) => {
        this.error ??= new GatewayError('AURORA_ERR_INVALID_MULTIPART', { args: [err.message] });
        resolve();
      });
    });
  }

  /** Whether `contentType` is a form this can read (it names its boundary). */
  static accepts(contentType: string | undefined): contentType is string {
    return contentType !== undefined && /^multipart\/form-data\s*;.*boundary=/i.test(contentType);
  }

  push(chunk: Uint8Array): void {
    if (this.error) return;
    try {
      this.#parser.write(chunk);
    } catch (err) {
      this.error = new GatewayError('AURORA_ERR_INVALID_MULTIPART', { args: [(err as Error).message] });
    }
  }

  /** The form is over: resolves once the parser has seen all of it; `error` then says if it was whole. */
  async end(): Promise<void> {
    if (!this.error) this.#parser.end();
    await this.#finished;
  }
}
