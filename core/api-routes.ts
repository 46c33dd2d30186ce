/**
 * The OpenAI API beyond the model APIs: which paths the gateway passes to a provider, as which
 * family, and where they go upstream. A family is a top-level resource; everything under it passes
 * (`/v1/files/{id}/content` is `files`), so the provider answers the methods and sub-paths it knows.
 * Paths outside these families stay 404. `/p/{provider}/…` is a provider's own API, passed raw.
 */
import type { ApiFamily } from './types.ts';

export interface ApiRoute {
  family: ApiFamily;
  /** The path to send, relative to the provider's base URL (which holds the version: `/v1`). */
  upstreamPath: string;
  /** The model the path itself names: `p/<provider>` for the raw passthrough. */
  pathModel?: string;
}

// Top-level resources of the OpenAI API, by the first path segment after /v1.
const FAMILIES: Readonly<Record<string, ApiFamily>> = {
  completions: 'completions',
  embeddings: 'embeddings',
  moderations: 'moderations',
  images: 'images',
  audio: 'audio',
  files: 'files',
  uploads: 'uploads',
  batches: 'batches',
  conversations: 'conversations',
  fine_tuning: 'fine_tuning',
  vector_stores: 'vector_stores',
  containers: 'containers',
  evals: 'evals',
  videos: 'videos',
};

/** Every family of the OpenAI API (the raw passthrough aside), for a provider that serves it all. */
export const OPENAI_API_FAMILIES: readonly ApiFamily[] = [...new Set(Object.values(FAMILIES)), 'responses.resource', 'chat.completions.resource'];

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'DELETE']);

/** A provider name as `/p/{provider}` may carry it: what plugin names are made of. */
const PROVIDER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The family of `path`, or undefined when the gateway does not pass it. `/v1/responses` and
 * `/v1/chat/completions` themselves are model APIs; what hangs off them (a stored response, its
 * input items; stored chat completions) is a family of its own.
 */
export function matchApiRoute(method: string, path: string): ApiRoute | undefined {
  if (!METHODS.has(method)) return undefined;
  if (path.startsWith('/p/')) {
    const slash = path.indexOf('/', 3);
    const name = slash === -1 ? path.slice(3) : path.slice(3, slash);
    if (!PROVIDER_NAME.test(name)) return undefined;
    return { family: 'raw', upstreamPath: slash === -1 ? '/' : path.slice(slash), pathModel: `p/${name}` };
  }
  if (!path.startsWith('/v1/') || path.includes('//')) return undefined;
  const rest = path.slice(3);
  const segment = rest.slice(1, (rest.indexOf('/', 1) + 1 || rest.length + 1) - 1);
  if (segment === 'responses' && rest.length > '/responses/'.length) return { family: 'responses.resource', upstreamPath: rest };
  if (segment === 'chat') {
    // POST /v1/chat/completions is the model API; listing and the stored completions are not.
    if (rest === '/chat/completions' ? method === 'GET' : rest.startsWith('/chat/completions/')) return { family: 'chat.completions.resource', upstreamPath: rest };
    return undefined;
  }
  const family = Object.hasOwn(FAMILIES, segment) ? FAMILIES[segment] : undefined;
  return family ? { family, upstreamPath: rest } : undefined;
}

/** Families whose multipart forms may name a model (audio, image edits, videos); the others' never do. */
export function formNamesModel(family: ApiFamily): boolean {
  return family === 'audio' || family === 'images' || family === 'videos';
}
