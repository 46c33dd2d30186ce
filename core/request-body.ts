/**
 * Reading and checking a client body before any plugin sees it. The limit is enforced while
 * reading (and up front from Content-Length), so an oversized body is never held in memory whole.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from './errors.ts';
import type { Endpoint, JsonObject } from './types.ts';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading but keep the socket: the client must still get its 413 (sent with Connection: close).
        cleanup();
        req.pause();
        reject(new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The model APIs (and their listing): the endpoints whose bodies must name a model. */
function isModelEndpoint(endpoint: Endpoint): boolean {
  return endpoint === 'responses' || endpoint === 'chat.completions' || endpoint === 'messages' || endpoint === 'messages.count_tokens' || endpoint === 'models';
}

/**
 * The request body as it arrives, for an upload passed on as a stream: never more than `limit`
 * bytes (a declared length over it is refused before reading, a body that grows past it fails its
 * stream with 413), never held.
 */
export async function* limitedBody(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] });
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] });
    yield chunk;
  }
}

/** Decode and parse a model-API body, rejecting what no provider could use with a precise 400. */
export function parseJsonBody(bytes: Uint8Array, contentType: string | undefined, endpoint: Endpoint): JsonObject {
  // JSON only, declared as such: a web page can make a browser send a form, text/plain or an untyped
  // body to any address without asking (a "simple" request), but never an application/json one.
  if (!isJsonType(contentType)) throw new GatewayError('AURORA_ERR_UNSUPPORTED_MEDIA_TYPE', { args: [contentType ? contentType.slice(0, 100) : 'none'] });
  // isUtf8 + toString: the same check as a fatal TextDecoder at a fraction of its per-call cost.
  if (!isUtf8(bytes)) throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: ['Request body is not valid UTF-8'] });
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark, as TextDecoder drops it
  if (text.trim() === '') throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: ['Request body is empty; send a JSON object'] });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('AURORA_ERR_INVALID_JSON', { args: [(err as Error).message] });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: ['Request body must be a JSON object'] });
  }
  if (nestingExceeds(body, MAX_DEPTH)) {
    throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: [`Request body is nested more than ${MAX_DEPTH} levels deep`] });
  }
  checkKnownFields(body as JsonObject, endpoint);
  return body as JsonObject;
}

// JSON.parse accepts any depth, but JSON.stringify (used when a plugin rewrites the body or echoes it
// in the answer) overflows the stack near 4,000 levels: refuse such bodies up front with a 400.
const MAX_DEPTH = 512;

/** Iterative, so the check itself cannot overflow; stops at the first branch that is too deep. */
function nestingExceeds(root: object, max: number): boolean {
  // Two parallel stacks rather than [value, depth] pairs: no allocation per node on every request.
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** `application/json` or a `+json` type, parameters allowed. */
export function isJsonType(contentType: string | null | undefined): boolean {
  return contentType !== undefined && contentType !== null && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

/** No model name is longer; a longer one would only feed logs, labels and indexes with client-chosen bytes. */
export const MAX_MODEL_CHARS = 256;

/** Fields every provider relies on; a wrong type here would otherwise surface as an upstream 500. */
function checkKnownFields(body: JsonObject, endpoint: Endpoint): void {
  // The rest of the OpenAI API: a model is optional (files, batches…), but one that is there is checked.
  if (body.model === undefined && !isModelEndpoint(endpoint)) return;
  if (body.model === undefined) throw new GatewayError('AURORA_ERR_MISSING_PARAM', { args: ['model'], param: 'model' });
  if (typeof body.model !== 'string' || body.model === '') {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'model', args: ['model must be a non-empty string'] });
  }
  if (body.model.length > MAX_MODEL_CHARS) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'model', args: [`model must be at most ${MAX_MODEL_CHARS} characters (got ${body.model.length})`] });
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'stream', args: ['stream must be a boolean'] });
  }
  if ((endpoint === 'chat.completions' || endpoint === 'messages' || endpoint === 'messages.count_tokens') && !Array.isArray(body.messages)) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'messages', args: ['messages must be an array'] });
  }
  if (endpoint === 'responses' && body.input !== undefined && typeof body.input !== 'string' && !Array.isArray(body.input)) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'input', args: ['input must be a string or an array of items'] });
  }
}

// The client's bytes for a body no plugin replaced: forwarding them as they came saves a
// JSON.stringify per request on the passthrough path. Kept on the body under a symbol, with the body
// they belong to: a spread copy (`{ ...body, model }`) carries the symbol along but is another
// object, so its bytes are not taken for its own. (A plain property: a WeakMap or
// Object.defineProperty cost more per request than the rest of the body handling.)
const RAW = Symbol('aurora.rawBody');
type WithRaw = { [RAW]?: { of: object; bytes: Uint8Array } };

export function rememberRawBody(body: JsonObject, bytes: Uint8Array): void {
  (body as WithRaw)[RAW] = { of: body, bytes };
}

/** The bytes to send upstream for `body`: the client's own when the body is the one it sent. */
export function serializeBody(body: JsonObject): Uint8Array {
  const raw = (body as WithRaw)[RAW];
  return raw?.of === body ? raw.bytes : Buffer.from(JSON.stringify(body));
}
