/**
 * The rest of the OpenAI API, as the real one answers and refuses it: embeddings (float and
 * base64), moderations, image generations and edits (multipart), speech (binary, streamed in
 * pieces), transcriptions and translations (multipart), files (upload, list, retrieve, content,
 * delete), batches (create, retrieve, list, cancel), and stored responses (retrieve, input items,
 * delete). Uploads are read as they arrive and counted and hashed, so a test can check that every
 * byte crossed the gateway; uploaded files are kept so their content can be downloaded back.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Busboy } from '@fastify/busboy';
import { sendError, sendJson, isObject } from './http-io.ts';
import type { IdFactory } from './ids.ts';
import { MOCK_CREATED } from './ids.ts';
import type { RecordedRequest } from './types.ts';

/** One part of a multipart form as the emulator received it. */
export interface ReceivedFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

/** What a form request is recorded as (`RecordedRequest.body`). */
export interface ReceivedForm {
  fields: Record<string, string>;
  files: ReceivedFile[];
}

interface StoredFile {
  object: Record<string, unknown>;
  content: Buffer;
}

export interface StoredResponse {
  response: Record<string, any>;
  input: unknown[];
}

/** What the emulated account holds between requests (cleared by `reset()`). */
export class OpenAiApiState {
  readonly files = new Map<string, StoredFile>();
  readonly batches = new Map<string, Record<string, unknown>>();
  readonly responses = new Map<string, StoredResponse>();

  clear(): void {
    this.files.clear();
    this.batches.clear();
    this.responses.clear();
  }
}

const PATHS = /^\/v1\/(?:embeddings|moderations|images\/[^/]+|audio\/[^/]+|files(?:\/.*)?|batches(?:\/.*)?|responses\/.+)$/;

export function isOpenAiApiPath(path: string): boolean {
  return PATHS.test(path);
}

const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const BATCH_ENDPOINTS = ['/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/moderations'];
const EMBEDDING_DIMENSIONS = 8;
const SPEECH_BYTES = 96 * 1024;

export interface OpenAiApiEnv {
  state: OpenAiApiState;
  ids: IdFactory;
  record(request: RecordedRequest): void;
}

type Body = { kind: 'none' } | { kind: 'json'; value: Record<string, any> } | { kind: 'form'; form: ReceivedForm; content: Buffer | undefined } | { kind: 'bad'; message: string };

export async function handleOpenAiApi(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams, env: OpenAiApiEnv, authorized: boolean): Promise<void> {
  const receivedAt = performance.now();
  const body = await readRequest(req, path === '/v1/files' && method === 'POST');
  env.record({ method, path, headers: req.headers, body: body.kind === 'json' ? body.value : body.kind === 'form' ? body.form : undefined, receivedAt });
  if (!authorized) return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (body.kind === 'bad') return sendError(res, 400, body.message, 'invalid_request_error', null);
  const json = body.kind === 'json' ? body.value : undefined;
  const form = body.kind === 'form' ? body.form : undefined;
  const route = `${method} ${path.replace(/^\/v1\/(files|batches|responses)\/[^/]+.*$/, '/v1/$1/{id}')}`;
  const id = /^\/v1\/(?:files|batches|responses)\/([^/]+)/.exec(path)?.[1];

  switch (route) {
    case 'POST /v1/embeddings': return embeddings(res, json, env);
    case 'POST /v1/moderations': return moderations(res, json, env);
    case 'POST /v1/images/generations': return images(res, json?.prompt, json?.n, env);
    case 'POST /v1/images/edits':
    case 'POST /v1/images/variations':
      if (!form) return sendError(res, 400, 'This endpoint takes multipart/form-data.', 'invalid_request_error', null);
      if (!form.files.some((f) => f.field === 'image' || f.field === 'image[]')) return missing(res, 'image');
      return images(res, route.endsWith('edits') ? form.fields.prompt : 'variation', form.fields.n, env);
    case 'POST /v1/audio/speech': return speech(res, json);
    case 'POST /v1/audio/transcriptions':
    case 'POST /v1/audio/translations': return transcription(res, form);
    case 'POST /v1/files': return uploadFile(res, body.kind === 'form' ? body : undefined, env);
    case 'GET /v1/files': return sendJson(res, 200, { object: 'list', data: [...env.state.files.values()].map((f) => f.object), has_more: false });
    case 'GET /v1/files/{id}': return withFile(res, env, id!, path, (file) => {
      if (path.endsWith('/content')) return streamBytes(res, file.content, 'application/octet-stream');
      return sendJson(res, 200, file.object);
    });
    case 'DELETE /v1/files/{id}': return withFile(res, env, id!, path, () => {
      env.state.files.delete(id!);
      sendJson(res, 200, { id, object: 'file', deleted: true });
    });
    case 'POST /v1/batches': return createBatch(res, json, env);
    case 'GET /v1/batches': return sendJson(res, 200, { object: 'list', data: [...env.state.batches.values()], first_id: null, last_id: null, has_more: false });
    case 'GET /v1/batches/{id}':
    case 'POST /v1/batches/{id}': {
      const batch = env.state.batches.get(id!);
      if (!batch) return sendError(res, 404, `No batch found with id '${id}'.`, 'invalid_request_error', null);
      if (route.startsWith('POST')) {
        if (!path.endsWith('/cancel')) return unknown(res, method, path);
        batch.status = 'cancelling';
        batch.cancelling_at = MOCK_CREATED;
      }
      return sendJson(res, 200, batch);
    }
    case 'GET /v1/responses/{id}':
    case 'DELETE /v1/responses/{id}':
    case 'POST /v1/responses/{id}': return storedResponse(res, method, path, id!, query, env);
    default: return unknown(res, method, path);
  }
}

function unknown(res: ServerResponse, method: string, path: string): void {
  sendError(res, 404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null);
}

function missing(res: ServerResponse, param: string): void {
  sendError(res, 400, `Missing required parameter: '${param}'.`, 'invalid_request_error', 'missing_required_parameter', param);
}

function embeddings(res: ServerResponse, body: Record<string, any> | undefined, env: OpenAiApiEnv): void {
  if (!body) return sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
  if (typeof body.model !== 'string' || body.model === '') return sendError(res, 400, 'you must provide a model parameter', 'invalid_request_error', null);
  const inputs: unknown[] = Array.isArray(body.input) && body.input.length > 0 && typeof body.input[0] !== 'number' ? body.input : [body.input];
  if (body.input === undefined || inputs.some((input) => (typeof input !== 'string' && !Array.isArray(input)) || input.length === 0)) {
    return sendError(res, 400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error', null);
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') return sendError(res, 400, `'${format}' is not one of ['float', 'base64'] - 'encoding_format'`, 'invalid_request_error', null, 'encoding_format');
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : (input as unknown[]).join(' ');
    tokens += Math.max(1, Math.ceil(text.length / 4));
    const vector = Float32Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => ((text.length + i * 7) % 13) / 13);
    return { object: 'embedding', index, embedding: format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector) };
  });
  sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, { 'x-request-id': env.ids.next('req_') });
}

function moderations(res: ServerResponse, body: Record<string, any> | undefined, env: OpenAiApiEnv): void {
  if (!body || body.input === undefined) return missing(res, 'input');
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const results = inputs.map((input: unknown) => {
    const flagged = typeof input === 'string' && input.includes('violence');
    return { flagged, categories: { violence: flagged, harassment: false }, category_scores: { violence: flagged ? 0.97 : 0.001, harassment: 0.001 } };
  });
  sendJson(res, 200, { id: env.ids.next('modr-'), model: body.model ?? 'omni-moderation-latest', results });
}

function images(res: ServerResponse, prompt: unknown, n: unknown, env: OpenAiApiEnv): void {
  if (typeof prompt !== 'string' || prompt === '') return missing(res, 'prompt');
  const count = n === undefined ? 1 : Number(n);
  if (!Number.isInteger(count) || count < 1 || count > 10) return sendError(res, 400, `${String(n)} is not a valid value for 'n': it must be between 1 and 10.`, 'invalid_request_error', null, 'n');
  // A 1×1 PNG per image.
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  sendJson(res, 200, { created: MOCK_CREATED, data: Array.from({ length: count }, () => ({ b64_json: png, revised_prompt: prompt })), usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30 } }, { 'x-request-id': env.ids.next('req_') });
}

/** Audio "speech": deterministic bytes sent in pieces, so a client sees a binary stream arrive. */
function speech(res: ServerResponse, body: Record<string, any> | undefined): void {
  if (!body) return missing(res, 'model');
  for (const param of ['model', 'input', 'voice']) if (typeof body[param] !== 'string' || body[param] === '') return missing(res, param);
  const format = body.response_format ?? 'mp3';
  const types: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
  if (!types[format]) return sendError(res, 400, `Invalid value: '${format}'. Supported values are: 'mp3', 'opus', 'aac', 'flac', 'wav', and 'pcm'.`, 'invalid_request_error', 'invalid_value', 'response_format');
  streamBytes(res, speechBytes(body.input), types[format]!, false);
}

/** The bytes the emulator "speaks" for `input`: a test can compute what it should receive. */
export function speechBytes(input: string): Buffer {
  const out = Buffer.alloc(SPEECH_BYTES);
  const seed = createHash('sha256').update(input).digest();
  for (let i = 0; i < out.length; i++) out[i] = seed[i % seed.length]! ^ (i & 0xff);
  return out;
}

function streamBytes(res: ServerResponse, bytes: Buffer, contentType: string, withLength = true): void {
  res.writeHead(200, withLength ? { 'content-type': contentType, 'content-length': String(bytes.length) } : { 'content-type': contentType, 'transfer-encoding': 'chunked' });
  const piece = 16 * 1024;
  let at = 0;
  const next = (): void => {
    while (at < bytes.length) {
      const chunk = bytes.subarray(at, at + piece);
      at += piece;
      if (!res.write(chunk)) return void res.once('drain', next);
    }
    res.end();
  };
  next();
}

function transcription(res: ServerResponse, form: ReceivedForm | undefined): void {
  if (!form) return sendError(res, 400, 'This endpoint takes multipart/form-data.', 'invalid_request_error', null);
  const file = form.files.find((f) => f.field === 'file');
  if (!file) return missing(res, 'file');
  if (!form.fields.model) return missing(res, 'model');
  const text = `Heard ${file.bytes} bytes (sha256 ${file.sha256}).`;
  const format = form.fields.response_format ?? 'json';
  if (format === 'text') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end(text);
  }
  sendJson(res, 200, format === 'verbose_json' ? { task: 'transcribe', language: 'english', duration: 1.5, text, segments: [] } : { text, usage: { type: 'tokens', input_tokens: 12, output_tokens: 8, total_tokens: 20 } });
}

function uploadFile(res: ServerResponse, body: { form: ReceivedForm; content: Buffer | undefined } | undefined, env: OpenAiApiEnv): void {
  if (!body) return sendError(res, 400, 'This endpoint takes multipart/form-data.', 'invalid_request_error', null);
  const file = body.form.files.find((f) => f.field === 'file');
  if (!file) return missing(res, 'file');
  const purpose = body.form.fields.purpose;
  if (!purpose) return missing(res, 'purpose');
  if (!FILE_PURPOSES.includes(purpose)) return sendError(res, 400, `'${purpose}' is not one of ${JSON.stringify(FILE_PURPOSES)} - 'purpose'`, 'invalid_request_error', null, 'purpose');
  const id = env.ids.next('file-');
  const object = { id, object: 'file', bytes: file.bytes, created_at: MOCK_CREATED, filename: file.filename, purpose, status: 'processed', expires_at: null, status_details: null };
  env.state.files.set(id, { object, content: body.content ?? Buffer.alloc(0) });
  sendJson(res, 200, object);
}

function withFile(res: ServerResponse, env: OpenAiApiEnv, id: string, path: string, then: (file: StoredFile) => void): void {
  const rest = path.slice(`/v1/files/${id}`.length);
  if (rest !== '' && rest !== '/content') return unknown(res, 'GET', path);
  const file = env.state.files.get(id);
  if (!file) return sendError(res, 404, `No such File object: ${id}`, 'invalid_request_error', null, 'id');
  then(file);
}

function createBatch(res: ServerResponse, body: Record<string, any> | undefined, env: OpenAiApiEnv): void {
  if (!body) return missing(res, 'input_file_id');
  for (const param of ['input_file_id', 'endpoint', 'completion_window']) if (typeof body[param] !== 'string') return missing(res, param);
  if (!BATCH_ENDPOINTS.includes(body.endpoint)) return sendError(res, 400, `Invalid value: '${body.endpoint}'. Supported values are: ${BATCH_ENDPOINTS.map((e) => `'${e}'`).join(', ')}.`, 'invalid_request_error', 'invalid_value', 'endpoint');
  if (body.completion_window !== '24h') return sendError(res, 400, `Invalid value: '${body.completion_window}'. Supported values are: '24h'.`, 'invalid_request_error', 'invalid_value', 'completion_window');
  const file = env.state.files.get(body.input_file_id);
  if (!file) return sendError(res, 400, `Invalid 'input_file_id': '${body.input_file_id}'. File not found.`, 'invalid_request_error', null, 'input_file_id');
  if (file.object.purpose !== 'batch') return sendError(res, 400, `Invalid 'input_file_id': '${body.input_file_id}'. The file must have purpose 'batch'.`, 'invalid_request_error', null, 'input_file_id');
  const batch = {
    id: env.ids.next('batch_'), object: 'batch', endpoint: body.endpoint, errors: null, input_file_id: body.input_file_id,
    completion_window: '24h', status: 'validating', output_file_id: null, error_file_id: null, created_at: MOCK_CREATED,
    in_progress_at: null, expires_at: MOCK_CREATED + 86_400, completed_at: null, failed_at: null, cancelling_at: null, cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 }, metadata: isObject(body.metadata) ? body.metadata : null,
  };
  env.state.batches.set(batch.id, batch);
  sendJson(res, 200, batch);
}

function storedResponse(res: ServerResponse, method: string, path: string, id: string, query: URLSearchParams, env: OpenAiApiEnv): void {
  const rest = path.slice(`/v1/responses/${id}`.length);
  const stored = env.state.responses.get(id);
  if (!stored) return sendError(res, 404, `Response with id '${id}' not found.`, 'invalid_request_error', null, 'response_id');
  if (method === 'GET' && rest === '') return sendJson(res, 200, stored.response);
  if (method === 'DELETE' && rest === '') {
    env.state.responses.delete(id);
    return sendJson(res, 200, { id, object: 'response.deleted', deleted: true });
  }
  if (method === 'GET' && rest === '/input_items') {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20)));
    const items = stored.input.map((item, i) => (isObject(item) ? { id: item.id ?? `msg_${id.slice(5)}_${i}`, ...item } : { id: `msg_${id.slice(5)}_${i}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: String(item) }] }));
    const ordered = query.get('order') === 'asc' ? items : [...items].reverse();
    const page = ordered.slice(0, limit);
    return sendJson(res, 200, { object: 'list', data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: ordered.length > page.length });
  }
  if (method === 'POST' && rest === '/cancel') {
    if (stored.response.background !== true) return sendError(res, 400, 'Only responses created with background=true can be cancelled.', 'invalid_request_error', null);
    stored.response.status = 'cancelled';
    return sendJson(res, 200, stored.response);
  }
  unknown(res, method, path);
}

/**
 * The body as the real API reads it: JSON, or a multipart form read part by part (files counted
 * and hashed as they arrive; kept only for a file upload, whose content can be downloaded back).
 */
async function readRequest(req: IncomingMessage, keepFile: boolean): Promise<Body> {
  const type = req.headers['content-type'] ?? '';
  if (/^multipart\/form-data/i.test(type)) return readForm(req, type, keepFile);
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return { kind: 'none' };
  try {
    const value = JSON.parse(raw);
    return isObject(value) ? { kind: 'json', value } : { kind: 'bad', message: 'The request body must be a JSON object.' };
  } catch {
    return { kind: 'bad', message: 'We could not parse the JSON body of your request. Expected a JSON object.' };
  }
}

function readForm(req: IncomingMessage, type: string, keepFile: boolean): Promise<Body> {
  return new Promise((resolve) => {
    const form: ReceivedForm = { fields: {}, files: [] };
    const kept: Buffer[] = [];
    let parser;
    try {
      parser = Busboy({ headers: { 'content-type': type } });
    } catch (err) {
      req.resume();
      return resolve({ kind: 'bad', message: `Could not parse multipart form: ${(err as Error).message}` });
    }
    const pending: Promise<void>[] = [];
    parser.on('field', (name: string, value: string) => void (form.fields[name] = value));
    parser.on('file', (field: string, file: NodeJS.ReadableStream, filename: string, _encoding: string, contentType: string) => {
      const hash = createHash('sha256');
      const received: ReceivedFile = { field, filename, contentType, bytes: 0, sha256: '' };
      form.files.push(received);
      pending.push(new Promise((done) => {
        file.on('data', (chunk: Buffer) => {
          received.bytes += chunk.length;
          hash.update(chunk);
          if (keepFile && field === 'file') kept.push(chunk);
        });
        file.on('error', () => done());
        file.on('end', () => {
          received.sha256 = hash.digest('hex');
          done();
        });
      }));
    });
    parser.on('error', (err: Error) => {
      req.unpipe(parser);
      req.resume();
      resolve({ kind: 'bad', message: `Could not parse multipart form: ${err.message}` });
    });
    parser.on('finish', () => void Promise.all(pending).then(() => resolve({ kind: 'form', form, content: keepFile ? Buffer.concat(kept) : undefined })));
    req.pipe(parser);
  });
}
