/**
 * Who may reach a gateway that runs without a master key. It then binds loopback only, but that
 * alone keeps out neither a web page the user visits (the browser sends its requests to 127.0.0.1
 * for it) nor DNS rebinding (a foreign name resolving to 127.0.0.1 makes those requests
 * same-origin). So: the Host must be a loopback name on the port the request came in on, and a
 * request a web page sent (it carries `Origin`) must come from the gateway's own origin.
 */
import { GatewayError } from './errors.ts';

export interface HostParts {
  hostname: string;
  port: number | undefined;
}

// A name or an IPv4 address, or an IPv6 address in brackets; then an optional port.
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?)(?::(\d{1,5}))?$/;

/** `host[:port]` as a Host header carries it, or undefined when it is not one. */
export function parseHost(value: string): HostParts | undefined {
  const match = HOST.exec(value);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname: match[1]!.toLowerCase().replace(/\.$/, ''), port };
}

export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The refusal for a caller an open gateway must not serve, or undefined. `localPort` is the port
 * the request came in on (unknown for in-process requests, which skip the port check).
 */
export function checkCaller(host: string | undefined, origin: string | undefined, localPort: number | undefined): GatewayError | undefined {
  if (host !== undefined) {
    const parts = parseHost(host);
    if (!parts || !isLoopbackHostname(parts.hostname) || !samePort(parts.port ?? 80, localPort)) {
      return new GatewayError('AURORA_ERR_HOST_NOT_ALLOWED', { args: [JSON.stringify(host.slice(0, 100))] });
    }
  }
  if (origin !== undefined && !isOwnOrigin(origin, localPort)) {
    return new GatewayError('AURORA_ERR_ORIGIN_NOT_ALLOWED', { args: [origin.slice(0, 100)] });
  }
  return undefined;
}

function isOwnOrigin(origin: string, localPort: number | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file) and anything else that is no origin
  }
  if (url.protocol !== 'http:') return false;
  return isLoopbackHostname(url.hostname) && samePort(url.port === '' ? 80 : Number(url.port), localPort);
}

function samePort(port: number, localPort: number | undefined): boolean {
  return localPort === undefined || port === localPort;
}
