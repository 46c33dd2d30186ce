/**
 * `aurora/testing`: what a plugin author needs to test a plugin the way the project tests its own —
 * a scriptable emulated upstream, a gateway on an ephemeral loopback port, and SSE readers.
 */
import { createGateway, type AuroraConfig, type Gateway } from '../gateway.ts';
import { createLogger, type Logger } from '../logger.ts';
import { SseParser, parseSseText } from '../sse.ts';
import type { Filtered, RoutedContext, SseEvent } from '../types.ts';

export { startMockUpstream, OK_TRIGGER } from './upstream/index.ts';
/** The request checks the emulated DeepSeek makes (null when a Chat body passes), for unit tests of a translator. */
export { validateChatRequest as validateDeepSeekChatRequest } from './upstream/deepseek-validate.ts';
/**
 * The request checks the emulated Anthropic Messages API makes (null when a body passes), for unit
 * tests of a translator. Replayed thinking must carry signatures this emulator issued.
 */
export { validateMessagesRequest as validateAnthropicMessagesRequest } from './upstream/messages-validate.ts';
export type { MockReply, MockTurn, MockUpstream, MockUpstreamOptions, RecordedRequest } from './upstream/index.ts';
/** The audio the emulated `/v1/audio/speech` sends for an input, to check a download byte for byte. */
export { speechBytes } from './upstream/openai-api.ts';
export { checkResponsesStream, translateEvents } from './responses-stream.ts';
export type { ReceivedFile, ReceivedForm } from './upstream/openai-api.ts';

export interface TestGateway {
  gateway: Gateway;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/v1`, what an OpenAI SDK or Codex takes as base URL. */
  baseUrl: string;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A gateway with the given plugins on an ephemeral loopback port; logs are kept, not printed. */
export async function createTestGateway(config: AuroraConfig): Promise<TestGateway> {
  const logs: Array<Record<string, unknown>> = [];
  let secrets: Iterable<string> = [];
  const gateway = await createGateway(config, { logger: createMemoryLogger(logs, () => secrets) });
  secrets = gateway.secrets;
  const { url } = await gateway.listen({ port: 0, host: '127.0.0.1' });
  return { gateway, url, baseUrl: `${url}/v1`, logs, close: () => gateway.close() };
}

/** A logger that collects parsed lines (secrets redacted, as in production). */
export function createMemoryLogger(into: Array<Record<string, unknown>>, secrets: () => Iterable<string> = () => []): Logger {
  return createLogger({ level: 'debug', secrets, write: (line) => into.push(JSON.parse(line)) });
}

export interface ParsedEvent extends SseEvent {
  /** `data` parsed as JSON, when it is JSON. */
  json?: any;
}

/** Read a whole SSE response into events. */
export async function readSseEvents(response: Response): Promise<ParsedEvent[]> {
  return parseEvents(await response.text());
}

/** Events as they arrive, for tests that act mid-stream. */
export async function* iterateSseEvents(response: Response): AsyncGenerator<ParsedEvent> {
  if (!response.body) return;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const ready: SseEvent[] = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    parser.push(decoder.decode(chunk, { stream: true }), (e) => ready.push(e));
    while (ready.length) yield withJson(ready.shift()!);
  }
  parser.flush((e) => ready.push(e));
  while (ready.length) yield withJson(ready.shift()!);
}

export function parseEvents(text: string): ParsedEvent[] {
  return parseSseText(text).map(withJson);
}

function withJson(event: SseEvent): ParsedEvent {
  try {
    return { ...event, json: JSON.parse(event.data) };
  } catch {
    return event;
  }
}

/**
 * Call a transform hook of a plugin as the core does, filter included: a request the filter does
 * not accept gets its input back unchanged. For unit tests of a plugin's hooks.
 */
export function callTransform<I, R>(hook: Filtered<(input: I, ctx: RoutedContext) => R> | undefined, input: I, ctx: RoutedContext): R | I {
  if (!hook) return input;
  if (typeof hook === 'function') return hook(input, ctx);
  return hook.filter(ctx) ? hook.handler(input, ctx) : input;
}
