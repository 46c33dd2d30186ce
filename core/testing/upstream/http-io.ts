import type { IncomingMessage, ServerResponse } from 'node:http';

// Plain JSON replies and request body reading, shared by every route.

/** The OpenAI error envelope, which DeepSeek uses too. */
export function errorBody(message: string, type = 'invalid_request_error', code: string | null = 'invalid_request_error', param: string | null = null) {
  return { error: { message, type, param, code } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, type?: string, code?: string | null, param?: string | null): void {
  sendJson(res, status, errorBody(message, type, code, param));
}

/** Resolves with '' when the client goes away mid-body: the caller then has nobody to answer. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return '';
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type ParsedBody = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'text'; value: string };

export function parseBody(raw: string): ParsedBody {
  if (raw === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(raw) };
  } catch {
    return { kind: 'text', value: raw };
  }
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
