import type { IdFactory } from './ids.ts';
import type { BodyFault } from './deliver.ts';
import type { ChatFamily, MockTurn } from './types.ts';

// What a generation route gets from the server besides the request itself.

export interface RouteEnv {
  ids: IdFactory;
  pieces: number;
  delayMs: number;
  reasoningEfforts: readonly string[];
  /** The provider /chat/completions plays. */
  chat: ChatFamily;
  /** Size of the raw body: the base of the deterministic prompt token count. */
  requestBytes: number;
  /** Keeps a response the client may fetch again (`store` is not false), with its input items. */
  store?: (response: Record<string, any>, input: unknown[]) => void;
}

/** The queued reply, reduced to what a route renders: a turn and maybe a fault to inject. */
export interface ScriptedTurn {
  turn?: MockTurn;
  fault?: BodyFault;
}
