/**
 * A web `Headers` over node's parsed header object, copied into the real thing only when someone
 * changes or walks it. node:http has already parsed, lower-cased and checked every header; building
 * a second, validated copy of each request's and each answer's headers measured a few percent of
 * the gateway's CPU per request, and most requests only ever `get` one or two of them.
 */
import type { IncomingHttpHeaders } from 'node:http';

export class NodeHeaders extends Headers {
  #source: IncomingHttpHeaders | undefined;
  readonly #skip: ReadonlySet<string> | undefined;

  /** `skip`: names left out, as if never sent (lower case). */
  constructor(source: IncomingHttpHeaders, skip?: ReadonlySet<string>) {
    super();
    this.#source = source;
    this.#skip = skip;
  }

  /** The web copy is made once, on the first call that needs it; from then on it is the truth. */
  #own(): void {
    const source = this.#source;
    if (source) {
      this.#source = undefined;
      eachHeader(source, this.#skip, (name, value) => {
        try {
          super.append(name, value);
        } catch {
          // node accepts a few bytes Headers rejects (rare control characters): drop that header
        }
      });
    }
  }

  override get(name: string): string | null {
    const source = this.#source;
    if (!source) return super.get(name);
    const key = name.toLowerCase();
    if (this.#skip?.has(key)) return null;
    const value = source[key];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }

  override has(name: string): boolean {
    return this.get(name) !== null;
  }

  override set(name: string, value: string): void {
    this.#own();
    super.set(name, value);
  }

  override append(name: string, value: string): void {
    this.#own();
    super.append(name, value);
  }

  override delete(name: string): void {
    this.#own();
    super.delete(name);
  }

  override getSetCookie(): string[] {
    this.#own();
    return super.getSetCookie();
  }

  override forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#own();
    super.forEach(callback, thisArg);
  }

  override entries(): HeadersIterator<[string, string]> {
    this.#own();
    return super.entries();
  }

  override keys(): HeadersIterator<string> {
    this.#own();
    return super.keys();
  }

  override values(): HeadersIterator<string> {
    this.#own();
    return super.values();
  }

  override [Symbol.iterator](): HeadersIterator<[string, string]> {
    this.#own();
    return super.entries();
  }

  /** Each header as node holds it, without making the web copy; undefined once it exists. */
  static sourceOf(headers: Headers): { source: IncomingHttpHeaders; skip: ReadonlySet<string> | undefined } | undefined {
    if (!(headers instanceof NodeHeaders) || !headers.#source) return undefined;
    return { source: headers.#source, skip: headers.#skip };
  }
}

function eachHeader(source: IncomingHttpHeaders, skip: ReadonlySet<string> | undefined, fn: (name: string, value: string) => void): void {
  for (const name in source) {
    if (skip?.has(name)) continue;
    const value = source[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) fn(name, item);
    else fn(name, String(value));
  }
}

/**
 * Every header of `headers` (lower-case names), the cheap way for a NodeHeaders nobody changed.
 * Repeated headers (set-cookie) come once per value, as a Headers walk gives them.
 */
export function forEachHeader(headers: Headers, fn: (name: string, value: string) => void): void {
  const node = NodeHeaders.sourceOf(headers);
  if (node) eachHeader(node.source, node.skip, fn);
  else headers.forEach((value, name) => fn(name, value));
}
