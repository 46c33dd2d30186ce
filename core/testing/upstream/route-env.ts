import type { IdFactory } from './ids.ts';
import type { BodyFault } from './deliver.ts';
import type { MockTurn } from './types.ts';

// What a generation route gets from the server besides the request itself.

export interface RouteEnv {
  ids: IdFactory;
  pieces: number;
  delayMs: number;
  reasoningEfforts: readonly string[];
  /** Size of the raw body: the base of the deterministic prompt token count. */
  requestBytes: number;
}

/** The queued reply, reduced to what a route renders: a turn and maybe a fault to inject. */
export interface ScriptedTurn {
  turn?: MockTurn;
  fault?: BodyFault;
}
