/**
 * Errors in the Anthropic shape, for clients of `/v1/messages`:
 * `{"type":"error","error":{"type","message"},"request_id"}` with Anthropic's status → type table.
 */
import type { GatewayError } from '../errors.ts';
import type { JsonObject } from '../types.ts';

/** Anthropic's error type for an HTTP status (docs: "HTTP errors"). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 415:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The type for an error code carried inside a stream (a hub `response.failed`, an upstream error event). */
export function anthropicTypeOfCode(code: string | null | undefined): string {
  if (!code) return 'api_error';
  if (/rate_limit/.test(code)) return 'rate_limit_error';
  if (/overloaded|capacity|unavailable/.test(code)) return 'overloaded_error';
  if (/context_length|invalid_prompt|invalid_request|invalid_value/.test(code)) return 'invalid_request_error';
  if (/quota|billing|balance/.test(code)) return 'billing_error';
  if (/authentication|api_key/.test(code)) return 'authentication_error';
  if (/timeout/.test(code)) return 'timeout_error';
  return 'api_error';
}

export function anthropicErrorBody(type: string, message: string, requestId?: string): JsonObject {
  return requestId ? { type: 'error', error: { type, message }, request_id: requestId } : { type: 'error', error: { type, message } };
}

export function anthropicErrorOf(error: GatewayError, requestId: string): JsonObject {
  return anthropicErrorBody(anthropicErrorType(error.status), error.message, requestId);
}

/** An upstream's error body (OpenAI's shape, a provider's own, or text) in Anthropic's, keeping its message. */
export function anthropicUpstreamError(status: number, message: string, requestId: string): JsonObject {
  return anthropicErrorBody(anthropicErrorType(status), message, requestId);
}
