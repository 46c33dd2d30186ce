/**
 * policy: a plugin that is not a provider. It works on every request whichever provider serves it:
 *
 * - tells the upstream who is calling (a header with the principal id, never a key);
 * - refuses some models to some principals (403 `permission_denied`), and hides them from their
 *   GET /v1/models;
 * - removes a pattern (email addresses by default) from the prompt before it leaves the gateway,
 *   and from the model's output before the client reads it, streamed or not.
 *
 * Copy this folder beside your aurora.config.ts. It imports only the public API ('aurora').
 */
import { GatewayError, compileModelPatterns, definePlugin, type EventStream, type JsonObject, type Plugin, type UpstreamRequest } from 'aurora';
import { createRedactingStream, createRedactor, redactRequestBody, redactResponseBody } from './redact.ts';

export interface PolicyOptions {
  /**
   * Header that carries the caller's principal id upstream (for per-user accounting at a proxy or
   * the provider). `false`: none. Default `'x-aurora-principal'`.
   */
  principalHeader?: string | false;
  /** Models refused to some principals. Every rule is checked; any match refuses. Default none. */
  deny?: DenyRule[];
  /**
   * Regular expressions (source text) removed from prompts and output, matched case-insensitively.
   * Default: email addresses. `[]` turns redaction off. In streamed output a match is found only if
   * it contains no whitespace (see redact.ts); whole texts and non-stream responses have no limit.
   */
  redact?: string[];
  /** What a match is replaced by. Default `'[redacted]'`. */
  replacement?: string;
}

export interface DenyRule {
  /** Model names or `*` globs, as the client asks for them (`gpt-5*`). */
  models: string[];
  /** Principal ids or `*` globs the rule applies to (`intern-*`, `*` for everyone). */
  principals: string[];
  /** Told to the client in the 403. Default: "<model> is not available to <principal>". */
  reason?: string;
}

export const EMAIL_PATTERN = String.raw`[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}`;

export const policyOptionsSchema = {
  type: 'object',
  properties: {
    principalHeader: { anyOf: [{ type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }, { const: false }] },
    deny: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          models: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          principals: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          reason: { type: 'string' },
        },
        required: ['models', 'principals'],
        additionalProperties: false,
      },
    },
    redact: { type: 'array', items: { type: 'string', minLength: 1 } },
    replacement: { type: 'string' },
  },
  additionalProperties: false,
};

export default function policy(options: PolicyOptions = {}): Plugin {
  const principalHeader = options.principalHeader ?? 'x-aurora-principal';
  const replacement = options.replacement ?? '[redacted]';
  // Compiled here, once: a bad pattern or glob stops startup instead of failing a request. The model
  // glob matcher serves for principal ids too (`*` matches any run of characters).
  const rules = (options.deny ?? []).map((rule) => ({
    modelMatches: compileModelPatterns(rule.models),
    principalMatches: compileModelPatterns(rule.principals),
    reason: rule.reason,
  }));
  const patterns = (options.redact ?? [EMAIL_PATTERN]).map((source) => {
    try {
      return new RegExp(source, 'gi');
    } catch (err) {
      throw new Error(`policy: redact pattern ${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message}`);
    }
  });

  const deniedRule = (model: string, principalId: string) => rules.find((r) => r.modelMatches(model) && r.principalMatches(principalId));

  return definePlugin({
    name: 'policy',
    // resolveModel is first-answer-wins: the refusal must run before any provider claims the model.
    enforce: 'pre',
    options,
    optionsSchema: policyOptionsSchema,

    resolveModel(model, ctx) {
      if (ctx.endpoint === 'models') return undefined;
      const principal = ctx.principal?.id ?? 'anonymous';
      const rule = deniedRule(model, principal);
      if (rule) {
        throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', { param: 'model', args: [rule.reason ?? `The model ${model} is not available to ${principal}`] });
      }
      return undefined; // not a provider: let the providers answer
    },

    transformRequest(request: UpstreamRequest, ctx) {
      let out = request;
      if (principalHeader && ctx.principal) {
        const headers = new Headers(request.headers);
        headers.set(principalHeader, ctx.principal.id);
        out = { ...out, headers };
      }
      if (patterns.length && out.body) {
        const redact = createRedactor(patterns, replacement);
        // A new body: ctx.body stays as the client sent it (the audit record keeps it).
        const body = redactRequestBody(out.body, redact);
        if (redact.count > 0) {
          out = { ...out, body };
          ctx.annotations.policy = { promptRedactions: redact.count };
        }
      }
      return out;
    },

    transformResponse(response: JsonObject, ctx) {
      if (ctx.endpoint === 'models') {
        // Hide what this caller may not use.
        const principal = ctx.principal?.id ?? 'anonymous';
        if (!Array.isArray(response.data) || rules.length === 0) return response;
        return { ...response, data: response.data.filter((m: { id?: unknown }) => typeof m.id !== 'string' || !deniedRule(m.id, principal)) };
      }
      return patterns.length ? redactResponseBody(response, createRedactor(patterns, replacement)) : response;
    },

    transformStream(stream: EventStream) {
      if (!patterns.length) return stream;
      return stream.pipeThrough(createRedactingStream(createRedactor(patterns, replacement)));
    },
  });
}
