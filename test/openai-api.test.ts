/**
 * The rest of the OpenAI API through the passthrough, driven by the official `openai` SDK against
 * the emulated upstream (which refuses what the real API refuses): embeddings, moderations, images,
 * speech (binary streamed back), transcriptions (multipart streamed up), files, batches and stored
 * responses; the audit trail of each; managed-key allow-lists; bad forms and unknown paths.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from 'aurora';
import { createTestGateway, speechBytes, startMockUpstream, type MockUpstream, type ReceivedForm, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, UPSTREAM_KEY, tempDir } from './helpers.ts';

let mock: MockUpstream;
let gw: TestGateway;
let client: OpenAI;
let keysDir: string;
const audits: AuditRecord[] = [];

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  keysDir = await tempDir('aurora-api-keys-');
  gw = await createTestGateway({
    server: { bodyLimit: 256 * 1024 },
    plugins: [
      auth({ masterKey: MASTER_KEY, dir: keysDir }),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
      openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY, raw: true }),
      { name: 'records', setup: (gateway) => gateway.captureBodies(64 * 1024), onAudit: (record: AuditRecord) => void audits.push(record) },
    ],
  });
  client = new OpenAI({ baseURL: gw.baseUrl, apiKey: MASTER_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(keysDir, { recursive: true, force: true });
});

const lastAudit = async (path: string) => {
  await expect.poll(() => audits.some((a) => a.path === path)).toBe(true);
  return audits.findLast((a) => a.path === path)!;
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Deterministic, incompressible-looking bytes. */
const bytesOf = (size: number, seed = 7) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff));

describe('embeddings and moderations', () => {
  it('single and batch input, float and the SDK\'s default base64; usage is recorded', async () => {
    const one = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'a lychee' });
    expect(one.data).toHaveLength(1);
    expect(one.data[0]!.embedding).toHaveLength(8);
    expect(one.data[0]!.embedding.every((v) => typeof v === 'number')).toBe(true);
    const batch = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two', 'three'], encoding_format: 'float' });
    expect(batch.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(batch.usage.prompt_tokens).toBeGreaterThan(0);
    expect(mock.requests.at(-1)).toMatchObject({ path: '/v1/embeddings', headers: { authorization: `Bearer ${UPSTREAM_KEY}` } });
    const record = await lastAudit('/v1/embeddings');
    expect(record).toMatchObject({ endpoint: 'embeddings', model: 'text-embedding-3-small', provider: 'openai', status: 200, outcome: 'ok' });
    expect(record.usage).toMatchObject({ input_tokens: batch.usage.prompt_tokens });
  });

  it('moderations, with and without a model', async () => {
    const flagged = await client.moderations.create({ input: 'violence here' });
    expect(flagged.results[0]!.flagged).toBe(true);
    const named = await client.moderations.create({ model: 'omni-moderation-latest', input: 'a quiet day' });
    expect(named.results[0]!.flagged).toBe(false);
  });

  it('the upstream\'s own 400 comes back as it is (a missing input)', async () => {
    const res = await fetch(`${gw.baseUrl}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-small' }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('input');
  });
});

describe('audio', () => {
  it('speech: the binary answer streams back byte for byte; the audit keeps its type and size, not its bytes', async () => {
    const res = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'Hello from the gateway' });
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    const audio = Buffer.from(await res.arrayBuffer());
    expect(sha256(audio)).toBe(sha256(speechBytes('Hello from the gateway')));
    const record = await lastAudit('/v1/audio/speech');
    expect(record.responseBytes).toBe(audio.length);
    expect(record.trail?.clientResponse.body).toEqual({ text: '', bytes: audio.length, truncated: false, omitted: 'audio/mpeg' });
  });

  it('a transcription upload of 3 MB, larger than the body limit, streams through whole (model before the file)', async () => {
    const file = bytesOf(3 * 1024 * 1024);
    const text = await client.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: await toFile(file, 'speech.mp3', { type: 'audio/mpeg' }) });
    expect(text.text).toBe(`Heard ${file.length} bytes (sha256 ${sha256(file)}).`);
    const record = await lastAudit('/v1/audio/transcriptions');
    expect(record).toMatchObject({ model: 'gpt-4o-transcribe', provider: 'openai', status: 200 });
    expect(record.requestBytes).toBeGreaterThan(file.length);
    expect(record.trail?.clientRequest.body).toMatchObject({ text: '', omitted: expect.stringMatching(/^multipart\/form-data; boundary=/) });
  });

  it('a form that names its model after the file: routed once the model is known, the bytes intact', async () => {
    const file = bytesOf(100 * 1024, 3);
    const form = new FormData();
    form.append('file', new Blob([file], { type: 'audio/wav' }), 'late.wav');
    form.append('model', 'whisper-1');
    form.append('response_format', 'text');
    const res = await fetch(`${gw.baseUrl}/audio/translations`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` }, body: form });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`Heard ${file.length} bytes (sha256 ${sha256(file)}).`);
    expect((mock.requests.at(-1)!.body as ReceivedForm).fields.model).toBe('whisper-1');
  });

  it('a malformed form gets a clear 400 and nothing reaches the upstream', async () => {
    const before = mock.requests.length;
    const res = await fetch(`${gw.baseUrl}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\nbytes that never end',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid_multipart', type: 'invalid_request_error' });
    expect(mock.requests.length).toBe(before + 1); // the form was valid up to its model: the upload had started
  });
});

describe('images', () => {
  it('a generation (JSON) and an edit (multipart)', async () => {
    const generated = await client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse' });
    expect(generated.data?.[0]?.b64_json).toBeTruthy();
    const edited = await client.images.edit({ model: 'gpt-image-1', prompt: 'add a boat', image: await toFile(bytesOf(20_000), 'in.png', { type: 'image/png' }) });
    expect(edited.data?.[0]?.b64_json).toBeTruthy();
    expect((mock.requests.at(-1)!.body as ReceivedForm).files[0]).toMatchObject({ field: 'image', filename: 'in.png', bytes: 20_000 });
  });
});

describe('files and batches', () => {
  it('upload, list, retrieve, download byte for byte, delete; then retrieve is the upstream\'s 404', async () => {
    const content = bytesOf(600 * 1024, 11);
    const created = await client.files.create({ purpose: 'batch', file: await toFile(content, 'requests.jsonl') });
    expect(created).toMatchObject({ object: 'file', bytes: content.length, purpose: 'batch', filename: 'requests.jsonl' });
    expect((await client.files.list()).data.map((f) => f.id)).toContain(created.id);
    expect((await client.files.retrieve(created.id)).bytes).toBe(content.length);
    const downloaded = Buffer.from(await (await client.files.content(created.id)).arrayBuffer());
    expect(sha256(downloaded)).toBe(sha256(content));
    expect(await client.files.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(client.files.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    const upload = await lastAudit('/v1/files');
    expect(upload).toMatchObject({ endpoint: 'files', model: null, provider: 'openai', status: 200 });
  });

  it('a batch: create from an uploaded file, retrieve, list, cancel', async () => {
    const input = await client.files.create({ purpose: 'batch', file: await toFile(Buffer.from('{"custom_id":"1"}\n'), 'in.jsonl') });
    const batch = await client.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(batch).toMatchObject({ object: 'batch', status: 'validating', input_file_id: input.id });
    expect((await client.batches.retrieve(batch.id)).id).toBe(batch.id);
    expect((await client.batches.list()).data.map((b) => b.id)).toContain(batch.id);
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelling');
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('stored responses on a passthrough route', () => {
  it('create, retrieve, list input items, delete, then retrieve is a 404', async () => {
    const created = await client.responses.create({ model: 'gpt-5.5', input: 'Remember the lychee' });
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    expect(mock.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v1/responses/${created.id}` });
  });
});

describe('who may call what', () => {
  it('a key allowed only deepseek-* cannot embed with text-embedding-3-small; a request naming no model is not a model it may not use', async () => {
    const res = await fetch(`${gw.url}/admin/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ds-only', models: ['deepseek-*'] }) });
    const { key } = await res.json();
    const limited = new OpenAI({ baseURL: gw.baseUrl, apiKey: key, maxRetries: 0 });
    const before = mock.requests.length;
    await expect(limited.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toMatchObject({ status: 403, code: 'permission_denied' });
    expect(mock.requests.length).toBe(before);
    expect(Array.isArray((await limited.files.list()).data)).toBe(true);
  });

  it('a model whose provider does not serve the endpoint: 404 endpoint_not_served naming both', async () => {
    const res = await fetch(`${gw.baseUrl}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek-v4-pro', input: 'x' }) });
    expect(res.status).toBe(404);
    const { error } = await res.json();
    expect(error.code).toBe('endpoint_not_served');
    expect(error.message).toContain('deepseek');
    expect(error.message).toContain('/v1/embeddings');
  });

  it('an unknown path is still the 404 it was, and needs no key to say so', async () => {
    const res = await fetch(`${gw.baseUrl}/nonsense`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_url');
  });

  it('the raw passthrough: /p/openai/… reaches the upstream as is, authenticated; another provider\'s is refused', async () => {
    const res = await fetch(`${gw.url}/p/openai/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-large', input: 'raw' }) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(mock.requests.at(-1)).toMatchObject({ path: '/v1/embeddings', headers: { authorization: `Bearer ${UPSTREAM_KEY}` } });
    expect((await fetch(`${gw.url}/p/openai/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const other = await fetch(`${gw.url}/p/deepseek/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: '{}' });
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe('endpoint_not_served');
    const records = audits.filter((a) => a.path === '/p/openai/embeddings');
    expect(records.map((a) => [a.status, a.endpoint, a.provider, a.model])).toEqual([[200, 'raw', 'openai', 'text-embedding-3-large'], [401, 'raw', null, null]]);
  });
});
