/**
 * responses-store: the OpenAI Responses API's state for routes whose provider keeps none (the
 * translated ones: DeepSeek, Anthropic, every chat bridge provider): `store`, `previous_response_id`,
 * `item_reference`, `GET`/`DELETE /v1/responses/{id}` and its input items. Passthrough providers
 * (`Provider.keepsResponses`, the openai plugin) keep their own; this plugin only notes which key and
 * which provider hold their responses. docs/responses.md says what is kept, for whom, how long.
 *
 * Two plugin objects, because their taps must sit on both sides of the provider plugins: one `pre`
 * (claim the ids it holds before the catch-all provider does; expand a request before a provider
 * plugin translates it), one `post` (see the provider's Responses events after its translation, to
 * store the final response before the client has it). Spread it into `plugins`:
 *
 *   plugins: [auth(), ...responsesStore(), deepseek(), openai(), audit()]
 */
import cluster from 'node:cluster';
import { definePlugin, type Plugin, type Provider, type RequestContext, type Route, type RoutedContext } from 'aurora';
import { checkPassthroughChain, expandRequest, leansOnState, type Continuation } from './expand.ts';
import { guarded, storeUnavailable } from './failures.ts';
import { isResponseId } from './items.ts';
import { RESPONSES_STORE_DEFAULTS, responsesStoreOptionsSchema, type ResponsesStoreOptions } from './options.ts';
import { createStoreProvider, resourceOf, STORE_PROVIDER_NAME } from './resource.ts';
import { openFileResponseStore } from './store/file-store.ts';
import type { ResponseStore } from './store/response-store.ts';
import { settleResponse, settleStream, type WriterOptions } from './writer.ts';

export type { ResponsesStoreOptions } from './options.ts';
export { responsesStoreOptionsSchema } from './options.ts';
export type * from './store/response-store.ts';
export { FileResponseStore, openFileResponseStore, type FileResponseStoreOptions } from './store/file-store.ts';
export { openPostgresResponseStore, postgresResponseStore, PostgresResponseStore, type PostgresResponseStoreOptions } from './store/postgres-store.ts';

const DAY_MS = 86_400_000;
const SWEEP_EVERY_MS = 3_600_000;

export default function responsesStore(options: ResponsesStoreOptions = {}): Plugin[] {
  const retentionMs = (options.retentionDays ?? RESPONSES_STORE_DEFAULTS.retentionDays) * DAY_MS;
  const maxChainDepth = options.maxChainDepth ?? RESPONSES_STORE_DEFAULTS.maxChainDepth;
  const owners = options.passthroughOwners ?? RESPONSES_STORE_DEFAULTS.passthroughOwners;

  let store: ResponseStore | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const opened = () => store ?? unavailable();
  const storeProvider = createStoreProvider(opened);
  // What the request side learnt, for the answer side of the same request.
  const continuations = new WeakMap<RoutedContext, Continuation>();
  // Passthrough providers met so far, by name: where a GET of one of their responses is sent.
  const passthroughs = new Map<string, Provider>();
  const writer: WriterOptions = { store: opened, retentionMs, continuation: (ctx) => continuations.get(ctx) };

  // A Responses client on a route whose provider keeps nothing: the answer is this plugin's to keep.
  const translated = (ctx: RoutedContext) => ctx.endpoint === 'responses' && ctx.clientApi === 'responses' && ctx.route.provider.keepsResponses !== true;
  const passthroughAnswer = (ctx: RequestContext) => owners && ctx.route?.provider.keepsResponses === true && ctx.endpoint === 'responses' && ctx.clientApi === 'responses' && ctx.body?.store !== false;

  /** Where a request for a response this plugin knows goes: the store, the passthrough provider that holds it, or on. */
  const claim = async (id: string, ctx: RequestContext): Promise<Route | undefined> => {
    const holder = await guarded(() => opened().holder(id));
    if (!holder) return undefined;
    // Another key's response answers as an unknown one does: 404 from the store.
    if (holder.kind === 'stored' || holder.owner !== ctx.principal?.id) return { provider: storeProvider, model: '' };
    const provider = passthroughs.get(holder.provider);
    return provider ? { provider, model: '' } : undefined;
  };

  const state = definePlugin({
    name: 'responses-store',
    // Claims the response ids it holds before the catch-all provider would, and expands a request
    // before the provider plugins translate it.
    enforce: 'pre',
    options,
    optionsSchema: responsesStoreOptionsSchema,
    async setup(gateway) {
      const given = options.store;
      // Each worker would index the files alone and write over the others' lines: refuse, and say what works.
      if (!given && cluster.isWorker) {
        throw new Error(`responses-store: the file store (${options.dir ?? RESPONSES_STORE_DEFAULTS.dir}) belongs to one process, and this gateway runs several (server.workers / --workers). Give the plugin a store they share, responsesStore({ store: postgresResponseStore({ url }) }), or run one worker.`);
      }
      store = given && 'openResponseStore' in given
        ? await given.openResponseStore({ log: gateway.log, retentionMs })
        : given ?? (await openFileResponseStore({ dir: options.dir ?? RESPONSES_STORE_DEFAULTS.dir, retentionMs, log: gateway.log }));
      const kept = store;
      const sweep = () => kept.sweep(Date.now()).then(
        (removed) => void (removed > 0 && gateway.log.info('responses-store: expired responses removed', { removed })),
        (err) => gateway.log.warn('responses-store: the retention sweep failed; it runs again within the hour', { err }),
      );
      await sweep();
      sweeper = setInterval(sweep, SWEEP_EVERY_MS).unref();
    },
    describe: () => ({
      notes: [`responses-store: responses of translated routes kept ${options.retentionDays ?? RESPONSES_STORE_DEFAULTS.retentionDays} days in ${options.store ? 'the configured store' : options.dir ?? RESPONSES_STORE_DEFAULTS.dir}; chains up to ${maxChainDepth} responses`],
    }),
    resolveModel(_model, ctx) {
      if (ctx.endpoint !== 'responses.resource') return undefined;
      const target = resourceOf(ctx.upstreamPath);
      return target && isResponseId(target.id) ? claim(target.id, ctx) : undefined;
    },
    transformRequest: {
      filter: (ctx) => ctx.endpoint === 'responses' && (ctx.route.provider.keepsResponses === true
        ? typeof ctx.body?.previous_response_id === 'string'
        : ctx.clientApi === 'responses' && leansOnState(ctx.body)),
      async handler(request, ctx) {
        if (!request.body) return request;
        if (ctx.route.provider.keepsResponses === true) return guarded(() => checkPassthroughChain(request, ctx, opened()));
        const expanded = await guarded(() => expandRequest(request, ctx, { store: opened(), maxChainDepth }));
        continuations.set(ctx, expanded.continuation);
        return expanded.request;
      },
    },
    async close() {
      clearInterval(sweeper);
      await store?.close();
      store = undefined;
    },
  });

  const answers = definePlugin({
    name: 'responses-store-writer',
    // Sees a translated route's Responses events after the provider plugin made them (and before
    // the front door turns them into another API's), and answers the resource paths nobody claimed.
    enforce: 'post',
    resolveModel(model, ctx) {
      if (ctx.endpoint !== 'responses.resource' || model !== '') return undefined;
      return resourceOf(ctx.upstreamPath) ? { provider: storeProvider, model: '' } : undefined;
    },
    transformStream: { filter: translated, handler: (stream, ctx) => settleStream(stream, ctx, writer) },
    transformResponse: { filter: translated, handler: (response, ctx) => settleResponse(response, ctx, writer, response.status !== 'failed') },
    onAudit: {
      filter: passthroughAnswer,
      handler(record, ctx) {
        const provider = ctx.route?.provider;
        if (!provider || record.status >= 300 || record.outcome !== 'ok' || !record.principal || !store) return;
        if (!passthroughs.has(provider.name)) passthroughs.set(provider.name, provider);
        // The id the provider gave its answer, read by the core from the answer's first bytes.
        const id = record.answerId;
        if (id && isResponseId(id)) store.recordOwner({ id, owner: record.principal.id, provider: provider.name, expiresAt: Date.now() + retentionMs });
      },
    },
  });

  return [state, answers];
}

export { STORE_PROVIDER_NAME };

function unavailable(): never {
  throw storeUnavailable();
}
