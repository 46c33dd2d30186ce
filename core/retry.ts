/**
 * Retrying an upstream call that failed before any response byte: the client has seen nothing,
 * so trying again is invisible to it. Only failures that say "try elsewhere/later" are retried.
 */
import { GatewayError } from './errors.ts';
import { discardBody } from './node-body.ts';
import type { RetryPolicy } from './types.ts';

// 529: Anthropic's "overloaded", its 503.
const RETRY_STATUSES = new Set([502, 503, 504, 529]);

/** JSON Schema of a `RetryPolicy` option, for plugins that offer one (`retry: { attempts, baseDelayMs? }`). */
export const retryPolicySchema = {
  type: 'object',
  properties: { attempts: { type: 'integer', minimum: 0, maximum: 10 }, baseDelayMs: { type: 'integer', minimum: 1 } },
  required: ['attempts'],
  additionalProperties: false,
} as const;

/** `client.signal` is read only when a call failed (it is made on demand, see ClientConnection). */
export async function withRetries(policy: RetryPolicy | undefined, client: { readonly signal: AbortSignal }, call: () => Promise<Response>): Promise<Response> {
  const attempts = policy?.attempts ?? 0;
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    let error: unknown;
    try {
      response = await call();
    } catch (err) {
      error = err;
    }
    const retryable = response ? RETRY_STATUSES.has(response.status) : isRetryableError(error);
    if (!retryable || attempt >= attempts || client.signal.aborted) {
      if (response) return response;
      throw error;
    }
    if (response) await discardBody(response);
    await sleep(backoff(policy!, attempt), client.signal);
  }
}

function isRetryableError(err: unknown): boolean {
  return GatewayError.is(err) && (err.id === 'AURORA_ERR_UPSTREAM_UNREACHABLE' || err.id === 'AURORA_ERR_UPSTREAM_TIMEOUT');
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const base = (policy.baseDelayMs ?? 250) * 2 ** attempt;
  return base / 2 + Math.random() * (base / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
