/**
 * The provider's own model list (`GET {baseUrl}/models`) for the gateway's GET /v1/models: fetched
 * when asked, kept for `ttlMs`, bounded by `timeoutMs`. A provider that is down, slow or refuses
 * the key costs at most the timeout and lists what the config names instead: one provider never
 * fails the whole list.
 */
import type { JsonObject, Logger } from 'aurora';

export interface ModelListSource {
  /** Upstream model ids; the configured names when the provider cannot be asked. */
  list(signal?: AbortSignal): Promise<string[]>;
}

export interface ModelListOptions {
  url: string;
  apiKey: string | undefined;
  timeoutMs?: number;
  ttlMs?: number;
  log?: Logger;
  name: string;
}

export function createModelList(options: ModelListOptions): ModelListSource {
  const ttl = options.ttlMs ?? 5 * 60_000;
  let cached: { at: number; ids: string[] } | undefined;
  let inFlight: Promise<string[] | undefined> | undefined;

  const fetchIds = async (signal?: AbortSignal): Promise<string[] | undefined> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 2500);
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      const res = await fetch(options.url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (!res.ok) {
        await res.body?.cancel();
        options.log?.warn(`${options.name}: GET /models answered ${res.status}; listing the configured models`);
        return undefined;
      }
      const body = (await res.json()) as JsonObject;
      // OpenAI's shape `{data:[{id}]}`; Ollama's native `{models:[{name}]}` too.
      const entries: JsonObject[] = Array.isArray(body?.data) ? body.data : Array.isArray(body?.models) ? body.models : [];
      // Gemini's OpenAI endpoint lists `models/gemini-…`; requests take the bare name.
      return entries.map((m) => (typeof m?.id === 'string' ? m.id : typeof m?.name === 'string' ? m.name : '').replace(/^models\//, '')).filter(Boolean);
    } catch (err) {
      options.log?.warn(`${options.name}: GET /models failed (${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}); listing the configured models`);
      return undefined;
    }
  };

  return {
    async list(signal) {
      if (cached && performance.now() - cached.at < ttl) return cached.ids;
      inFlight ??= fetchIds(signal).finally(() => {
        inFlight = undefined;
      });
      const ids = await inFlight;
      if (ids) cached = { at: performance.now(), ids };
      return ids ?? cached?.ids ?? [];
    },
  };
}
