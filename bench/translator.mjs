// Micro-benchmarks of the stream translators alone, as the pipeline drives them: a TransformStream of
// parsed SSE events. The DeepSeek translator (chat.completion.chunk events → Responses events) and the
// Messages front door (hub Responses events → Anthropic Messages events, fed the DeepSeek translator's
// own output, as for Claude Code → DeepSeek). dist/ holds only the public entries, so both are bundled
// by esbuild into bench/.tmp at run time ('aurora' stays external and resolves to dist through the
// package self-reference).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { bundleTs, root } from './bundle.mjs';

async function loadTranslator() {
  const outfile = join(root, 'bench/.tmp', `deepseek-stream-${process.pid}.mjs`);
  await bundleTs(outfile, "export { createResponsesStreamTranslator } from './plugins/deepseek/stream.ts';\nexport { createReasoningCarrier } from './plugins/deepseek/state.ts';\nexport { hubToMessagesStream } from './core/front-doors/messages-response.ts';\nexport { createResponsesStreamTranslator as createAnthropicTranslator } from './plugins/anthropic/stream.ts';\n");
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** A DeepSeek thinking-mode stream shaped like the emulator's: role, reasoning pieces, content pieces, finish, usage, [DONE]. */
function deepseekEvents(reasoningPieces, contentPieces) {
  const head = { id: 'bench-1', object: 'chat.completion.chunk', created: 1795655400, model: 'deepseek-v4-pro', system_fingerprint: 'fp_bench' };
  const chunk = (delta, finish = null) => ({ data: JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null }) });
  const events = [chunk({ role: 'assistant', content: null, reasoning_content: '' })];
  for (let i = 0; i < reasoningPieces; i++) events.push(chunk({ content: null, reasoning_content: `think ${i} ` }));
  for (let i = 0; i < contentPieces; i++) events.push(chunk({ content: `word${i} `, reasoning_content: null }));
  events.push(chunk({}, 'stop'));
  events.push({ data: JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 20, completion_tokens: 250, total_tokens: 270, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 20, completion_tokens_details: { reasoning_tokens: 50 } } }) });
  events.push({ data: '[DONE]' });
  return events;
}

async function drain(events, transform) {
  const reader = ReadableStream.from(events).pipeThrough(transform).getReader();
  let out = 0;
  while (!(await reader.read()).done) out++;
  return out;
}

/**
 * µs per incoming chunk for `translator`, and for an identity TransformStream over the same events
 * (the stream machinery alone), in interleaved rounds.
 */
async function measureTranslator(events, translator, seconds) {
  const identity = () => new TransformStream();
  const measure = async (make, budgetMs) => {
    let streams = 0;
    let produced = 0;
    const until = performance.now() + budgetMs;
    const t0 = performance.now();
    while (performance.now() < until) {
      produced += await drain(events, make());
      streams++;
    }
    const ms = performance.now() - t0;
    return { usPerChunk: (ms * 1000) / (streams * events.length), eventsOut: produced / streams, streams };
  };
  await measure(translator, 300); // warm up the JIT
  await measure(identity, 100);
  // Interleaved rounds, medians: the difference of two figures taken a second apart moved by 2x
  // between runs on a shared machine; alternating keeps both under the same load.
  const ROUNDS = 7;
  const budget = (seconds * 1000) / (2 * ROUNDS);
  const tr = [];
  const id = [];
  for (let i = 0; i < ROUNDS; i++) {
    tr.push(await measure(translator, budget));
    id.push(await measure(identity, budget));
  }
  const median = (runs) => runs.map((r) => r.usPerChunk).sort((a, b) => a - b)[runs.length >> 1];
  const diffs = tr.map((r, i) => r.usPerChunk - id[i].usPerChunk).sort((a, b) => a - b);
  return {
    chunksIn: events.length,
    eventsOut: tr[0].eventsOut,
    translatorUs: median(tr),
    identityUs: median(id),
    /** Median over rounds of (translator − identity) measured side by side. */
    ownUs: diffs[diffs.length >> 1],
    streams: tr.reduce((n, r) => n + r.streams, 0),
  };
}

/** A Claude extended-thinking stream as Anthropic sends it: thinking pieces, a signature, text pieces. */
function anthropicEvents(thinkingPieces, textPieces) {
  const ev = (event, data) => ({ event, data: JSON.stringify({ type: event, ...data }) });
  const events = [
    ev('message_start', { message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  ];
  for (let i = 0; i < thinkingPieces; i++) events.push(ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: `think ${i} ` } }));
  events.push(ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig_bench'.padEnd(200, 'x') } }));
  events.push(ev('content_block_stop', { index: 0 }), ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }));
  for (let i = 0; i < textPieces; i++) events.push(ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: `word${i} ` } }));
  events.push(ev('content_block_stop', { index: 1 }), ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 250 } }), ev('message_stop', {}));
  return events;
}

/** The DeepSeek translator, the Messages front door over what it emits, and the Anthropic translator. */
export async function benchTranslator({ seconds = 3 } = {}) {
  const { createResponsesStreamTranslator, createReasoningCarrier, hubToMessagesStream, createAnthropicTranslator } = await loadTranslator();
  const carrier = createReasoningCarrier('bench-secret-bench-secret');
  const events = deepseekEvents(50, 200);
  const request = { model: 'deepseek-v4-pro', input: 'bench', stream: true };
  const translator = () => createResponsesStreamTranslator({ request, model: 'deepseek-v4-pro', carrier });
  const deepseek = await measureTranslator(events, translator, seconds);
  const hubEvents = [];
  const reader = ReadableStream.from(events).pipeThrough(translator()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) hubEvents.push(r.value);
  const messages = await measureTranslator(hubEvents, () => hubToMessagesStream({ model: 'deepseek-v4-pro', omitThinking: false }), seconds);
  const claudeRequest = { model: 'claude-sonnet-4-5', input: 'bench', stream: true };
  const anthropic = await measureTranslator(anthropicEvents(50, 200), () => createAnthropicTranslator({ request: claudeRequest, model: 'claude-sonnet-4-5', upstreamModel: 'claude-sonnet-4-5' }), seconds);
  return { ...deepseek, messages, anthropic };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await benchTranslator());
