/**
 * The one registry of error codes. Logs carry the `AURORA_ERR_*` id; clients get the OpenAI error
 * shape built from `status`, `type` and `code`. Keep ids sorted: a test checks it, and that
 * docs/errors.md lists each one.
 */
export interface ErrorSpec {
  status: number;
  type: string;
  code: string;
  /** `%s` placeholders are filled from `args` in order. */
  message: string;
}

export const ERRORS = {
  AURORA_ERR_BAD_REQUEST: { status: 400, type: 'invalid_request_error', code: 'bad_request', message: 'The request could not be parsed as HTTP' },
  AURORA_ERR_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', code: 'request_too_large', message: 'Request body exceeds the limit of %s bytes' },
  // type usage_limit_reached: what makes the Codex CLI say when the limit resets and stop, rather than retry (docs/costs.md).
  AURORA_ERR_BUDGET_EXCEEDED: { status: 429, type: 'usage_limit_reached', code: 'budget_exceeded', message: '%s' },
  AURORA_ERR_ENDPOINT_NOT_SERVED: { status: 404, type: 'invalid_request_error', code: 'endpoint_not_served', message: '%s' },
  AURORA_ERR_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error', code: 'headers_too_large', message: 'Request headers are too large' },
  AURORA_ERR_HOST_NOT_ALLOWED: { status: 403, type: 'invalid_request_error', code: 'host_not_allowed', message: 'Host %s is not served: without a master key this gateway answers only requests addressed to its loopback address (127.0.0.1, localhost, [::1]) and port' },
  AURORA_ERR_INTERNAL: { status: 500, type: 'server_error', code: 'internal_error', message: 'Internal error (request %s)' },
  AURORA_ERR_INVALID_API_KEY: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Invalid or missing API key. Send it as "Authorization: Bearer <key>" or "x-api-key".' },
  AURORA_ERR_INVALID_BODY: { status: 400, type: 'invalid_request_error', code: 'invalid_body', message: '%s' },
  AURORA_ERR_INVALID_JSON: { status: 400, type: 'invalid_request_error', code: 'invalid_json', message: 'Request body is not valid JSON: %s' },
  AURORA_ERR_INVALID_MULTIPART: { status: 400, type: 'invalid_request_error', code: 'invalid_multipart', message: 'The multipart form could not be read: %s' },
  AURORA_ERR_INVALID_PARAM: { status: 400, type: 'invalid_request_error', code: 'invalid_value', message: '%s' },
  AURORA_ERR_ITEM_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'item_not_found', message: "Item with id '%s' not found." },
  AURORA_ERR_METHOD_NOT_ALLOWED: { status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: '%s %s is not allowed; use %s' },
  AURORA_ERR_MISSING_PARAM: { status: 400, type: 'invalid_request_error', code: 'missing_required_parameter', message: 'Missing required parameter: %s' },
  AURORA_ERR_MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'model_not_found', message: 'The model %s is not served by this gateway' },
  AURORA_ERR_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'unknown_url', message: 'Unknown path: %s %s' },
  AURORA_ERR_NO_UPSTREAM: { status: 503, type: 'server_error', code: 'no_upstream_available', message: 'No upstream can serve %s now: every target is unavailable (its circuit breaker is open or its key set aside); retry shortly' },
  AURORA_ERR_ORIGIN_NOT_ALLOWED: { status: 403, type: 'invalid_request_error', code: 'origin_not_allowed', message: 'Requests from the web page at %s are refused: without a master key this gateway serves only its own dashboard and non-browser clients' },
  AURORA_ERR_PERMISSION_DENIED: { status: 403, type: 'invalid_request_error', code: 'permission_denied', message: '%s' },
  AURORA_ERR_PREVIOUS_RESPONSE_NOT_FOUND: { status: 400, type: 'invalid_request_error', code: 'previous_response_not_found', message: "Previous response with id '%s' not found." },
  // 400, not 5xx: Codex retries 5xx up to 30 times, which would hide a misconfiguration the user must fix.
  AURORA_ERR_PROVIDER_NOT_CONFIGURED: { status: 400, type: 'invalid_request_error', code: 'provider_not_configured', message: 'Provider %s has no API key: set %s in the gateway\'s environment and restart it' },
  AURORA_ERR_RATE_LIMITED: { status: 429, type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: '%s' },
  AURORA_ERR_REQUEST_TIMEOUT: { status: 408, type: 'invalid_request_error', code: 'request_timeout', message: 'The request body was not received in time' },
  AURORA_ERR_RESPONSE_NOT_FOUND: { status: 404, type: 'invalid_request_error', code: 'response_not_found', message: "Response with id '%s' not found." },
  AURORA_ERR_SHUTTING_DOWN: { status: 503, type: 'server_error', code: 'shutting_down', message: 'The gateway is shutting down; retry shortly' },
  AURORA_ERR_STORE_UNAVAILABLE: { status: 503, type: 'server_error', code: 'store_unavailable', message: 'The %s store is unavailable; retry shortly' },
  AURORA_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type', message: 'Content-Type must be application/json, got %s' },
  AURORA_ERR_UPSTREAM_IDLE: { status: 504, type: 'upstream_error', code: 'upstream_idle_timeout', message: 'Provider %s sent nothing for %s ms' },
  AURORA_ERR_UPSTREAM_INCOMPLETE: { status: 502, type: 'upstream_error', code: 'upstream_incomplete', message: 'Provider %s broke off its response: %s' },
  AURORA_ERR_UPSTREAM_INVALID: { status: 502, type: 'upstream_error', code: 'bad_upstream_response', message: 'Provider %s sent a response that could not be read: %s' },
  AURORA_ERR_UPSTREAM_STREAM: { status: 502, type: 'upstream_error', code: 'server_error', message: 'Provider %s stream failed: %s' },
  AURORA_ERR_UPSTREAM_TIMEOUT: { status: 504, type: 'upstream_error', code: 'upstream_timeout', message: 'Provider %s did not answer within %s ms' },
  AURORA_ERR_UPSTREAM_TOO_LARGE: { status: 502, type: 'upstream_error', code: 'upstream_response_too_large', message: 'Provider %s sent more than %s bytes in %s, more than this gateway holds (server.upstreamBodyLimit)' },
  AURORA_ERR_UPSTREAM_UNREACHABLE: { status: 502, type: 'upstream_error', code: 'upstream_unreachable', message: 'Provider %s is unreachable (%s)' },
} as const satisfies Record<`AURORA_ERR_${string}`, ErrorSpec>;

export type ErrorId = keyof typeof ERRORS;

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorOptions {
  args?: ReadonlyArray<string | number>;
  param?: string | null;
  /** Overrides the template (e.g. a message an upstream sent). */
  message?: string;
  /** Overrides the status (e.g. an upstream's status passed through). */
  status?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

// A brand instead of `instanceof`: the config and the core may load separate copies of this module
// (vitest runs source, `node core` runs the build) and an error must be recognised across both.
const BRAND = Symbol.for('aurora.GatewayError');

export class GatewayError extends Error {
  readonly [BRAND] = true;
  readonly id: ErrorId;
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly headers: Record<string, string> | undefined;
  /** Set by the core when a plugin hook threw it. */
  plugin?: string;
  hook?: string;

  constructor(id: ErrorId, options: GatewayErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[id];
    const status = options.status ?? spec.status;
    // A client's mistake (4xx) has no stack worth keeping, and capturing one cost more than the rest
    // of a 401 answer (bench profile): a flood of bad keys should cost as little as it can.
    const stackTraceLimit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    try {
      super(options.message ?? formatMessage(spec.message, options.args ?? []), { cause: options.cause });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'GatewayError';
    this.id = id;
    this.status = status;
    this.type = spec.type;
    this.code = spec.code;
    this.param = options.param ?? null;
    this.headers = options.headers;
  }

  toJSON(): OpenAIErrorBody {
    return errorBody(this.message, this.type, this.code, this.param);
  }

  /** This error as the answer a client gets: its status, its headers, the OpenAI error body. */
  toResponse(): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { 'cache-control': 'no-store', ...this.headers, 'content-type': 'application/json' },
    });
  }

  static is(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

function formatMessage(template: string, args: ReadonlyArray<string | number>): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

/** Startup failures (config, plugins). Never reach a client; printed, then `node core` exits 1. */
export const STARTUP_ERRORS = {
  AURORA_ERR_CONFIG_INVALID: 'The config does not match its schema',
  AURORA_ERR_CONFIG_LOAD: 'The config file could not be loaded',
  AURORA_ERR_CONFIG_NOT_FOUND: 'No config file was found',
  AURORA_ERR_PLUGIN_DUPLICATE_NAME: 'Two plugins share a name',
  AURORA_ERR_PLUGIN_INVALID: 'A plugin is not a plugin object',
  AURORA_ERR_PLUGIN_SETUP: 'A plugin failed in setup()',
  AURORA_ERR_PLUGIN_UNKNOWN_HOOK: 'A plugin has a key that is not a hook',
} as const;
export type StartupErrorId = keyof typeof STARTUP_ERRORS;

export class StartupError extends Error {
  readonly id: StartupErrorId;
  constructor(id: StartupErrorId, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
    this.id = id;
  }
}
