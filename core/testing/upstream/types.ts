// Public types of the mock upstream. Kept apart from the implementation so tests and
// the gateway's own helpers can import them without pulling in node:http.

/**
 * Which Chat Completions provider /chat/completions plays: how reasoning is returned and what must
 * come back (chat-families.ts). Default `deepseek`.
 */
export type ChatFamily = 'deepseek' | 'reasoning-details' | 'think-tags' | 'thought-signatures';

export interface MockUpstreamOptions {
  /** Default 0 (ephemeral). The host is always 127.0.0.1. */
  port?: number;
  /**
   * When set, every request must carry `Authorization: Bearer <apiKey>` (the Anthropic routes:
   * `x-api-key: <apiKey>`), else 401.
   */
  apiKey?: string;
  /** Delay between streamed events (default 0). */
  chunkDelayMs?: number;
  /** How many delta pieces a streamed text is split into (default 2, capped at its length). */
  streamChunks?: number;
  /**
   * `reasoning_effort` values /chat/completions accepts (default low, high, max — the
   * canonical values of DeepSeek's V4/V4.1 docs). The real service also silently maps
   * minimal/medium/xhigh/ultra; the default is stricter so an unmapped pass-through
   * from the gateway shows up as a 400.
   */
  reasoningEfforts?: readonly string[];
  /**
   * Smallest prefix, in tokens, a /v1/messages cache breakpoint stores. Default: the model's
   * documented minimum (messages-models.ts); set it to cache short test prompts.
   */
  messagesCacheMinTokens?: number;
  /** The provider /chat/completions plays (default `deepseek`); GET /models then lists its models. */
  chat?: ChatFamily;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text if it is not JSON, or undefined when empty. */
  body: any;
  /** performance.now() when the request arrived (same clock as nextClientAbort). */
  receivedAt: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'insufficient_system_resource';

export interface MockToolCall {
  /** Defaults to a generated `call_…` id. */
  id?: string;
  name: string;
  /** JSON text, streamed in pieces exactly as given. */
  arguments: string;
}

/** Token counts to report instead of the computed ones; missing fields stay computed. */
export interface MockUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_cache_hit_tokens?: number;
  reasoning_tokens?: number;
  /** /v1/messages: `cache_creation_input_tokens` (`prompt_cache_hit_tokens` is `cache_read_input_tokens` there). */
  cache_creation_tokens?: number;
}

/**
 * One model turn, rendered in the wire format of whichever endpoint receives it
 * (Chat Completions chunks on /chat/completions, Responses events on /v1/responses,
 * Messages events on /v1/messages).
 * Omitted `content` (with no toolCalls) means the default ok/echo answer; omitted
 * `reasoning` means the endpoint default (a short thought on /chat/completions when
 * thinking is on, none on /v1/responses); `reasoning: ''` means none.
 */
export interface MockTurn {
  reasoning?: string;
  content?: string;
  toolCalls?: MockToolCall[];
  /** Default: 'tool_calls' when toolCalls is non-empty, else 'stop'. */
  finishReason?: FinishReason;
  usage?: MockUsage;
  /** /v1/messages with thinking on: the reasoning comes as a `redacted_thinking` block (opaque `data`). */
  redactedThinking?: boolean;
}

/** Gives the reply only to a request it accepts; others skip it and get the default. */
export type ReplyMatcher = (request: RecordedRequest) => boolean;

export type TurnReply = MockTurn & { http?: never; fault?: never; match?: ReplyMatcher };

export interface HttpReply {
  http: { status: number; headers?: Record<string, string>; body: string | object };
  fault?: never;
  match?: ReplyMatcher;
}

export type FaultReply = (
  /** Read the request, then send nothing until the client goes away. */
  | { fault: 'hang-before-headers' }
  /** Send `events` SSE events (preamble excluded), then destroy the socket. */
  | { fault: 'reset-after'; events: number; turn?: MockTurn }
  /** Send `events` SSE events, then keep the connection open without more data. */
  | { fault: 'never-end'; events: number; turn?: MockTurn }
  /** After `after` events (default 1) send a `data:` line that is not JSON, then go on or end the body. */
  | { fault: 'malformed-sse'; after?: number; then?: 'continue' | 'close'; turn?: MockTurn }
) & { http?: never; match?: ReplyMatcher };

export type MockReply = TurnReply | HttpReply | FaultReply;

export interface MockUpstream {
  /** 'http://127.0.0.1:<port>'; OpenAI-style base URL is `${url}/v1`, DeepSeek-style is `url`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Resolves with performance.now() when the next client connection closes before its response finished. */
  nextClientAbort(): Promise<number>;
  /** Script the next answers (FIFO; each reply is used once, then defaults resume). */
  enqueue(...replies: MockReply[]): void;
  /** How many queued replies were not used yet. */
  pending(): number;
  /** Clears recorded requests, the queue and the /v1/messages prompt cache. */
  reset(): void;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
}
