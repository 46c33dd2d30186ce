/** A store that cannot be read or written is the client's 503 (clients retry it), never a 500. */
import { GatewayError } from 'aurora';

export function storeUnavailable(cause?: unknown): GatewayError {
  return new GatewayError('AURORA_ERR_STORE_UNAVAILABLE', { args: ['responses'], headers: { 'retry-after': '1' }, cause });
}

export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw GatewayError.is(err) ? err : storeUnavailable(err);
  }
}
