import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.ts';

// The Anthropic side of the HTTP exchange: its error envelope, its `request-id` header, and the
// headers it requires before it looks at a body.

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** `{"type":"error","error":{"type","message"},"request_id"}`, as https://docs.claude.com/en/api/errors shows it. */
export function anthropicErrorBody(type: AnthropicErrorType, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

export function sendAnthropicError(res: ServerResponse, status: number, type: AnthropicErrorType, message: string, requestId: string): void {
  sendJson(res, status, anthropicErrorBody(type, message, requestId), { 'request-id': requestId });
}

/**
 * Authentication, then the version header, as the API checks them: 401 "invalid x-api-key" (only
 * `x-api-key` authenticates here; `Authorization: Bearer` is for OAuth tokens), then 400
 * "anthropic-version: header is required". Returns false when it answered.
 */
export function admitAnthropic(req: IncomingMessage, res: ServerResponse, apiKey: string | undefined, requestId: string): boolean {
  const presented = req.headers['x-api-key'];
  if (apiKey !== undefined && presented !== apiKey) {
    const message = presented === undefined ? 'x-api-key header is required' : 'invalid x-api-key';
    sendAnthropicError(res, 401, 'authentication_error', message, requestId);
    return false;
  }
  if (!req.headers['anthropic-version']) {
    sendAnthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header is required', requestId);
    return false;
  }
  return true;
}

/** `anthropic-beta: a,b` (and repeated headers) as a list. */
export function betasOf(req: IncomingMessage): string[] {
  const raw = req.headers['anthropic-beta'];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined.split(',').map((s) => s.trim()).filter(Boolean);
}
