/** Shared by the audit suites: synthetic records, temp dirs, reading a store's files back. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AuditRecord } from 'aurora';

let counter = 0;

/** A finished Responses request with all four bodies; override what a test cares about. */
export function makeRecord(overrides: Partial<AuditRecord> & { prompt?: string; answer?: string } = {}): AuditRecord {
  const { prompt = 'say hello', answer = 'hello there', ...rest } = overrides;
  const id = rest.id ?? `req_test${String(++counter).padStart(8, '0')}`;
  const request = JSON.stringify({ model: rest.model ?? 'gpt-4.1-mini', input: prompt });
  const response = JSON.stringify({ object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: answer }] }], usage: { input_tokens: 10, output_tokens: 5 } });
  const body = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  return {
    id,
    time: Date.now(),
    durationMs: 12.5,
    ttfbMs: 10,
    requestBytes: Buffer.byteLength(request),
    responseBytes: Buffer.byteLength(response),
    method: 'POST',
    path: '/v1/responses',
    endpoint: 'responses',
    principal: { id: 'master', name: 'master key', admin: true },
    model: 'gpt-4.1-mini',
    provider: 'openai',
    upstreamModel: 'gpt-4.1-mini',
    status: 200,
    outcome: 'ok',
    error: null,
    stream: false,
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, cached_tokens: 2, reasoning_tokens: 1 },
    annotations: {},
    trail: {
      clientRequest: { headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamRequest: { url: 'http://127.0.0.1:1/v1/responses', headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: body(response) },
      clientResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: body(response) },
    },
    ...rest,
  };
}

export async function tempDir(prefix = 'aurora-audit-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Every byte the store keeps, as text: index files as they are, body files decompressed. */
export async function readStoreText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    parts.push(entry.name.endsWith('.gz') && bytes.length ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8'));
  }
  return parts.join('\n');
}

/** The files in `dir/sub`, sorted; `ext` keeps only those ending so. */
export async function listFiles(dir: string, sub: string, ext = ''): Promise<string[]> {
  return (await readdir(join(dir, sub))).filter((f) => f.endsWith(ext)).sort();
}

export const DAY = 86_400_000;
