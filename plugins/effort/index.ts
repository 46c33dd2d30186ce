/**
 * effort: maps the client's reasoning effort onto what the upstream model accepts, per model glob,
 * and rejects efforts a model does not accept with a 400 naming the accepted values.
 * Without a table it applies the default one, DeepSeek V4's and Claude's (see table.ts and README.md).
 */
import { definePlugin, GatewayError, type JsonObject, type Plugin, type RoutedContext, type UpstreamRequest } from 'aurora';
import { compileEffortTable, DEFAULT_EFFORT_TABLE, effortTableSchema, findEffortRule, type EffortRule, type EffortTable } from './table.ts';

export type { EffortMap, EffortTable } from './table.ts';
export { CLAUDE_4_6_EFFORTS, CLAUDE_ALWAYS_THINKING_EFFORTS, CLAUDE_EFFORTS, CLAUDE_NO_THINKING_EFFORTS, DEEPSEEK_V4_EFFORTS, DEFAULT_EFFORT_TABLE } from './table.ts';

/** What the audit record carries under `annotations.effort`. */
export interface EffortAnnotation {
  from: string;
  to: string;
  /** The table entry that applied. */
  pattern: string;
}

export default function effort(table: EffortTable = DEFAULT_EFFORT_TABLE): Plugin {
  let rules: EffortRule[] = [];
  return definePlugin({
    name: 'effort',
    // Provider plugins read the effort in the upstream's vocabulary (the DeepSeek translator only
    // knows none/high/max, the Anthropic one none/low…max), so the mapping must be done before any
    // of their transformRequest taps.
    enforce: 'pre',
    options: table,
    optionsSchema: effortTableSchema,
    setup() {
      rules = compileEffortTable(table);
    },
    transformRequest(request, ctx) {
      return mapRequestEffort(request, ctx, rules);
    },
  });
}

function mapRequestEffort(request: UpstreamRequest, ctx: RoutedContext, rules: readonly EffortRule[]): UpstreamRequest {
  const body = request.body;
  if (!body || (ctx.endpoint !== 'responses' && ctx.endpoint !== 'chat.completions')) return request;
  const isResponses = ctx.endpoint === 'responses';
  const from: unknown = isResponses ? body.reasoning?.effort : body.reasoning_effort;
  if (from === undefined || from === null) return request;
  const found = findEffortRule(rules, [typeof ctx.body?.model === 'string' ? ctx.body.model : undefined, ctx.route.model]);
  if (!found) return request;

  const { rule, model } = found;
  const param = isResponses ? 'reasoning.effort' : 'reasoning_effort';
  const to = typeof from === 'string' ? rule.map.get(from) : undefined;
  if (to === undefined) {
    const shown = typeof from === 'string' ? `"${from}"` : JSON.stringify(from);
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
      param,
      message: `${param} ${shown} is not accepted for ${model} (effort table entry "${rule.pattern}"); use one of: ${rule.accepted.join(', ')}`,
    });
  }

  ctx.annotations.effort = { from: from as string, to, pattern: rule.pattern } satisfies EffortAnnotation;
  // A new body, never an edit: request.body may be the client's own (ctx.body), which the audit keeps as sent.
  const mapped: JsonObject = isResponses ? { ...body, reasoning: { ...body.reasoning, effort: to } } : { ...body, reasoning_effort: to };
  return { ...request, body: mapped };
}
