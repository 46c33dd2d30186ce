/**
 * A Response whose body is still a node stream. Forwarders built on node:http (http-proxy-3) hand
 * the upstream's IncomingMessage back this way, so a passthrough answer is piped node to node; the
 * web stream a transform needs is made only when one asks for it. Converting every body measured
 * ~15% of the gateway's CPU per request (bench profile, 2-core EPYC). Its headers stay node's own
 * parsed object until someone changes or walks them (see NodeHeaders).
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { chunkSource, type IdleLimit } from './chunk-source.ts';
import { NodeHeaders } from './node-headers.ts';

class NodeBodyResponse extends Response {
  /** The body while it is still a node stream; taken by the core, or turned into `#web` on demand. */
  node: Readable | undefined;
  #web: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  readonly #headers: NodeHeaders;

  constructor(message: IncomingMessage) {
    const status = message.statusCode ?? 502;
    super(null, { status, statusText: message.statusMessage });
    this.#headers = new NodeHeaders(message.headers);
    if (status === 204 || status === 304) message.resume();
    else this.node = message;
  }

  override get headers(): Headers {
    return this.#headers;
  }

  // A plugin's forward may read the answer like any Response (`await res.text()`): the web view is
  // made when someone asks for it, and then it is the body.
  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.node) {
      this.#web = Readable.toWeb(this.node) as ReadableStream<Uint8Array<ArrayBuffer>>;
      this.node = undefined;
    }
    return this.#web ?? null;
  }

  override get bodyUsed(): boolean {
    return this.#web?.locked ?? false;
  }

  /** A plain Response over the web body, for the reading methods. */
  #plain(): Response {
    return new Response(this.body, { status: this.status, statusText: this.statusText, headers: this.#headers });
  }

  override text(): Promise<string> {
    return this.node ? readNode(this.take()!) : this.#plain().text();
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#plain().arrayBuffer();
  }

  override blob(): Promise<Blob> {
    return this.#plain().blob();
  }

  override formData(): Promise<FormData> {
    return this.#plain().formData();
  }

  override clone(): Response {
    const body = this.body;
    if (!body) return new Response(null, { status: this.status, statusText: this.statusText, headers: this.#headers });
    const [mine, theirs] = body.tee();
    this.#web = mine;
    return new Response(theirs, { status: this.status, statusText: this.statusText, headers: this.#headers });
  }

  /** The node body, now the caller's. */
  take(): Readable | undefined {
    const node = this.node;
    this.node = undefined;
    return node;
  }
}

/** The upstream's answer as a Response, its body left a node stream. */
export function nodeBodyResponse(message: IncomingMessage): Response {
  return new NodeBodyResponse(message);
}

/** The node stream behind `response`, if it has one and nobody has taken it as a web stream. */
export function nodeBodyOf(response: Response): Readable | undefined {
  return response instanceof NodeBodyResponse ? response.node : undefined;
}

/** Take the node body out of `response` (it is then the caller's). */
function takeNode(response: Response): Readable | undefined {
  return response instanceof NodeBodyResponse ? response.take() : undefined;
}

/** The body as it is: the node stream (now the caller's) or the web one. */
export function takeBody(response: Response): Readable | ReadableStream<Uint8Array> | null {
  return takeNode(response) ?? response.body;
}

/** The body as a web stream, whichever way the forwarder built the response. */
export function webBodyOf(response: Response): ReadableStream<Uint8Array> | null {
  const node = takeNode(response);
  return node ? (Readable.toWeb(node) as ReadableStream<Uint8Array>) : response.body;
}

export function hasBody(response: Response): boolean {
  // The node body first: asking a NodeBodyResponse for `body` would make the web view.
  return nodeBodyOf(response) !== undefined || response.body !== null;
}

/** How much of a body the reader will hold, and how long it waits for each chunk. */
export interface ReadBound {
  limit: number;
  /** The error for a body past `limit` (the body is released first). */
  tooLarge: () => Error;
  idle?: IdleLimit;
}

/**
 * The whole body as text. With a bound, a body past `bound.limit` is released and rejected with
 * `bound.tooLarge()`, and a wait longer than `bound.idle.ms` for the next chunk rejects too: an
 * upstream can make the gateway neither hold nor wait without end.
 */
export async function readBodyText(response: Response, bound?: ReadBound): Promise<string> {
  if (!bound) {
    const node = takeNode(response);
    return node ? readNode(node) : response.text();
  }
  const body = takeBody(response);
  if (!body) return '';
  const source = chunkSource(body, bound.idle);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) {
    size += chunk.byteLength;
    if (size > bound.limit) {
      source.cancel();
      throw bound.tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A node body as text. Events rather than `for await`: the async iterator costs a promise and a tick per chunk. */
function readNode(node: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    node.on('data', (chunk: Buffer) => chunks.push(chunk));
    node.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    node.once('error', reject);
    // A socket that dies mid-body may close without 'end' or 'error'.
    node.once('close', () => node.readableEnded || reject(new Error('upstream closed the connection before the response finished')));
  });
}

export function discardBody(response: Response): Promise<void> {
  const node = takeNode(response);
  if (node) {
    node.destroy();
    return Promise.resolve();
  }
  return response.body?.cancel().catch(() => {}) ?? Promise.resolve();
}
