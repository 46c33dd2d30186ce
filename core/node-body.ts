/**
 * A Response whose body is still a node stream. Forwarders built on node:http (http-proxy-3) hand
 * the upstream's IncomingMessage back this way, so a passthrough answer is piped node to node; the
 * web stream a transform needs is made only when one asks for it. Converting every body measured
 * ~15% of the gateway's CPU per request (bench profile, 2-core EPYC). Its headers stay node's own
 * parsed object until someone changes or walks them (see NodeHeaders).
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { NodeHeaders } from './node-headers.ts';

class NodeBodyResponse extends Response {
  node: Readable | undefined;
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
  if (!(response instanceof NodeBodyResponse)) return undefined;
  const node = response.node;
  response.node = undefined;
  return node;
}

/** The body as a web stream, whichever way the forwarder built the response. */
export function webBodyOf(response: Response): ReadableStream<Uint8Array> | null {
  const node = takeNode(response);
  return node ? (Readable.toWeb(node) as ReadableStream<Uint8Array>) : response.body;
}

export function hasBody(response: Response): boolean {
  return response.body !== null || nodeBodyOf(response) !== undefined;
}

export async function readBodyText(response: Response): Promise<string> {
  const node = takeNode(response);
  if (!node) return response.text();
  const chunks: Buffer[] = [];
  for await (const chunk of node) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function discardBody(response: Response): Promise<void> {
  const node = takeNode(response);
  if (node) {
    node.destroy();
    return Promise.resolve();
  }
  return response.body?.cancel().catch(() => {}) ?? Promise.resolve();
}
