/**
 * What both audit store benchmarks use: records shaped like Codex traffic (a ~2 KB request twice,
 * a streamed answer twice, ~10 KB of trail), a logger that prints only warnings and errors, a timer.
 */
import type { AuditRecord, Logger } from 'aurora';

const MODELS = ['gpt-5.5', 'gpt-4.1-mini', 'deepseek-v4-pro', 'deepseek-v4-flash'];
const WORDS = 'the quick brown fox jumps over lazy dog build test deploy refactor module function error stack trace patch file read write list'.split(' ');
/** The word in 1% of prompts, for the text-search figures. */
export const RARE = 'zanzibar';

// Only what would make the figures meaningless is worth printing.
export const log: Logger = {
  debug() {},
  info() {},
  warn: (msg, fields) => console.error('warn:', msg, fields ?? ''),
  error: (msg, fields) => console.error('error:', msg, fields ?? ''),
  child: () => log,
};

export async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

/** Record `i` of `size`, spread over `spanMs` before `end`; 1% of prompts hold RARE, 2% are 502s. */
export function benchRecord(i: number, size: number, end: number, spanMs: number): AuditRecord {
  const model = MODELS[i % MODELS.length]!;
  const words = (n: number) => Array.from({ length: n }, (_, k) => WORDS[(i * 31 + k * 7) % WORDS.length]).join(' ');
  const prompt = `${i % 100 === 0 ? RARE + ' ' : ''}${words(40)}`;
  const request = JSON.stringify({ model, instructions: words(250), input: [{ role: 'user', content: [{ type: 'input_text', text: prompt }] }], stream: true });
  const answer = words(60);
  const events = [
    `event: response.created\ndata: {"type":"response.created","response":{"id":"resp_${i}","status":"in_progress"}}\n\n`,
    ...answer.match(/.{1,40}/g)!.map((d) => `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: d })}\n\n`),
    `event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_${i}","status":"completed","usage":{"input_tokens":900,"output_tokens":60}}}\n\n`,
  ].join('');
  const body = (text: string) => ({ text, bytes: text.length, truncated: false });
  const status = i % 50 === 0 ? 502 : 200;
  return {
    id: `req_${i.toString(16).padStart(32, '0')}`,
    time: end - spanMs + Math.floor((i / size) * spanMs),
    durationMs: 1200 + (i % 500),
    ttfbMs: 300 + (i % 100),
    requestBytes: request.length,
    responseBytes: events.length,
    method: 'POST',
    path: '/v1/responses',
    endpoint: 'responses',
    principal: { id: i % 3 ? 'master' : 'u1', name: 'bench' },
    model,
    provider: model.startsWith('deepseek') ? 'deepseek' : 'openai',
    upstreamModel: model,
    answerId: `resp_bench${i}`,
    status,
    outcome: status === 200 ? 'ok' : 'error',
    error: status === 200 ? null : { code: 'upstream_unreachable', message: 'Provider openai is unreachable (ECONNRESET)' },
    stream: true,
    usage: { input_tokens: 900, output_tokens: 60, total_tokens: 960, cached_tokens: 512, reasoning_tokens: 20 },
    cost: 0.0005,
    unpriced: false,
    annotations: i % 2 ? { effort: { requested: 'xhigh', sent: 'max' } } : {},
    trail: {
      clientRequest: { headers: { 'content-type': 'application/json', authorization: '[redacted]' }, body: body(request) },
      upstreamRequest: { url: 'https://api.openai.com/v1/responses', headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamResponse: { status, headers: { 'content-type': 'text/event-stream' }, body: body(events) },
      clientResponse: { status, headers: { 'content-type': 'text/event-stream' }, body: body(events) },
    },
  };
}
