/**
 * The only place hooks are created. One tapable hook per name, frozen: nothing can add a hook at
 * runtime, and `HookName` (from core/types) must list exactly these keys.
 */
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, SyncWaterfallHook } from 'tapable';
import type {
  AuditRecord, EventStream, HookName, JsonObject, Principal, RequestContext, Route, RoutedContext, UpstreamRequest,
} from './types.ts';

export function createHooks() {
  return Object.freeze({
    /** first-wins: the first plugin to return a Principal authenticates the call. */
    onAuth: new AsyncSeriesBailHook<[Headers, RequestContext], Principal | undefined>(['headers', 'ctx'], 'onAuth'),
    /** first-wins: the first plugin to return a Route serves the model. */
    resolveModel: new AsyncSeriesBailHook<[string, RequestContext], Route | undefined>(['model', 'ctx'], 'resolveModel'),
    /** waterfall: each plugin gets the previous plugin's request. */
    transformRequest: new AsyncSeriesWaterfallHook<[UpstreamRequest, RoutedContext]>(['request', 'ctx'], 'transformRequest'),
    /** waterfall (sync): each plugin wraps the stream the previous one returned. */
    transformStream: new SyncWaterfallHook<[EventStream, RoutedContext]>(['stream', 'ctx'], 'transformStream'),
    /** waterfall: each plugin gets the previous plugin's response. */
    transformResponse: new AsyncSeriesWaterfallHook<[JsonObject, RoutedContext]>(['response', 'ctx'], 'transformResponse'),
    /** parallel: every plugin sees the record; runs after the client has its answer. */
    onAudit: new AsyncParallelHook<[AuditRecord, RequestContext]>(['record', 'ctx'], 'onAudit'),
  });
}

export type Hooks = ReturnType<typeof createHooks>;

export const HOOK_NAMES = ['onAuth', 'resolveModel', 'transformRequest', 'transformStream', 'transformResponse', 'onAudit'] as const;

// Compile-time proof that the hook set, the list and the Plugin type agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const hooksMatchTypes: Same<keyof Hooks, HookName> & Same<(typeof HOOK_NAMES)[number], HookName> = true;
void hooksMatchTypes;

/** Keys a plugin object may carry besides hooks. */
export const PLUGIN_KEYS = new Set<string>(['name', 'enforce', 'options', 'optionsSchema', 'setup', 'close', 'commands', 'describe', ...HOOK_NAMES]);
