/**
 * The storage contract of the responses-store plugin: the file store (`file-store.ts`, one process)
 * and the PostgreSQL store (`postgres-store.ts`, several gateways) implement it, and one test suite
 * runs against both (test/responses/store-contract.ts).
 *
 * A stored response is what a translated route answered, kept so the next request can continue it
 * (`previous_response_id`, `item_reference`) and the client can read it back. Its input and output
 * items are kept whole (reasoning items with their `encrypted_content`, which carries what the
 * provider needs back). Items are indexed by id per owner: an item belongs to the response that
 * first introduced it. An owner record only says which provider and which key hold a response that
 * a passthrough provider keeps itself.
 */
import type { JsonObject, Logger } from 'aurora';

export interface StoredResponse {
  /** The response id (`resp_…`), as the provider plugin made it. */
  id: string;
  /** `principal.id` of the key that made it: only that key reads, continues or deletes it. */
  owner: string;
  /** The provider that answered. */
  provider: string;
  /** The model the client asked for. */
  model: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; past it the response is gone (retention). */
  expiresAt: number;
  /** The response it continued, if any. */
  previousId: string | null;
  /** Responses in its chain, itself included: 1 for one without `previous_response_id`. */
  depth: number;
  /** Its own input items, references resolved, each with an id. */
  input: JsonObject[];
  /** The response object as the client got it (`output` inside). */
  response: JsonObject;
}

/** Who holds a response id. */
export type ResponseHolder =
  | { kind: 'stored'; owner: string; provider: string }
  | { kind: 'passthrough'; owner: string; provider: string };

/** A response a passthrough provider keeps itself: whose it is, and where. */
export interface ResponseOwner {
  id: string;
  owner: string;
  provider: string;
  expiresAt: number;
}

export interface ChainResult {
  /** Oldest first, ending with the response asked for. */
  responses: StoredResponse[];
  /** Set when a link is gone (deleted, expired): the id the chain could not follow. */
  missing?: string;
}

export interface ResponseStore {
  /**
   * Keeps a response and indexes the items it introduces. Resolves once any gateway on the store can
   * read it: the plugin awaits it before the client gets the final event.
   */
  put(response: StoredResponse): Promise<void>;
  /** The response, unless it is unknown, deleted or expired. */
  get(id: string): Promise<StoredResponse | undefined>;
  /** The chain ending at `id`, following `previousId` at most `limit` responses back. */
  chain(id: string, limit: number): Promise<ChainResult>;
  /** Items of `owner`'s stored responses by id (those it holds). */
  items(owner: string, ids: readonly string[]): Promise<Map<string, JsonObject>>;
  /** Deletes `owner`'s response and the items it introduced; false when there is none. */
  delete(id: string, owner: string): Promise<boolean>;
  /** Whether the id is a stored response or a passthrough provider's, and whose. */
  holder(id: string): Promise<ResponseHolder | undefined>;
  /** Notes a passthrough provider's response; written in the background, never awaited by a request. */
  recordOwner(owner: ResponseOwner): void;
  /** Drops what expired before `now`; returns how many responses and owner records went. */
  sweep(now: number): Promise<number>;
  close(): Promise<void>;
}

/** A store the plugin opens in setup (e.g. `postgresResponseStore({ url })`). */
export interface ResponseStoreFactory {
  openResponseStore(services: { log: Logger; retentionMs: number }): Promise<ResponseStore>;
}
