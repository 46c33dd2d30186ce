/** Checking, ordering and tapping plugins: done once at startup, never per request. */
import { StartupError } from './errors.ts';
import { HOOK_NAMES, PLUGIN_KEYS, type Hooks } from './hooks.ts';
import type { HookName, Plugin, RoutedContext } from './types.ts';

/** Reject what would otherwise fail silently: a misspelt hook, a duplicate name, a non-object. */
export function checkPlugins(plugins: readonly unknown[]): asserts plugins is Plugin[] {
  const seen = new Set<string>();
  plugins.forEach((plugin, i) => {
    if (typeof plugin !== 'object' || plugin === null || typeof (plugin as Plugin).name !== 'string' || !(plugin as Plugin).name) {
      throw new StartupError('AURORA_ERR_PLUGIN_INVALID', `plugins[${i}] is not a plugin: expected an object with a "name" (did you forget to call the factory, e.g. openai() instead of openai?)`);
    }
    const { name } = plugin as Plugin;
    if (seen.has(name)) throw new StartupError('AURORA_ERR_PLUGIN_DUPLICATE_NAME', `plugins[${i}]: another plugin is already named "${name}"; plugin names must be unique`);
    seen.add(name);
    for (const key of Object.keys(plugin)) {
      if (!PLUGIN_KEYS.has(key)) {
        const hint = closest(key, HOOK_NAMES);
        throw new StartupError('AURORA_ERR_PLUGIN_UNKNOWN_HOOK', `plugins[${i}] ${name}: "${key}" is not a hook${hint ? ` (did you mean "${hint}"?)` : ''}; hooks are ${HOOK_NAMES.join(', ')}`);
      }
    }
    for (const hook of HOOK_NAMES) {
      const value = (plugin as Plugin)[hook] as unknown;
      const filtered = FILTERABLE.has(hook) && typeof value === 'object' && value !== null
        && typeof (value as { filter?: unknown }).filter === 'function' && typeof (value as { handler?: unknown }).handler === 'function';
      if (value !== undefined && typeof value !== 'function' && !filtered) {
        throw new StartupError('AURORA_ERR_PLUGIN_INVALID', `plugins[${i}] ${name}: ${hook} must be a function${FILTERABLE.has(hook) ? ' or { filter, handler }' : ''}`);
      }
    }
  });
}

/** `pre`, then normal, then `post`; config order within each bucket (as Vite does). */
export function sortPlugins(plugins: readonly Plugin[]): Plugin[] {
  return [
    ...plugins.filter((p) => p.enforce === 'pre'),
    ...plugins.filter((p) => !p.enforce),
    ...plugins.filter((p) => p.enforce === 'post'),
  ];
}

type AnyFn = (...args: unknown[]) => unknown;
export type FilterableHookName = 'transformRequest' | 'transformStream' | 'transformResponse' | 'onAudit';
const FILTERABLE: ReadonlySet<string> = new Set<FilterableHookName>(['transformRequest', 'transformStream', 'transformResponse', 'onAudit']);
type Filter = (ctx: RoutedContext) => boolean;
/** Per filterable hook: does any tap want this request? (Taps without a filter always do.) */
export type HookWants = Record<FilterableHookName, Filter>;

/** Tap every handler under its plugin's name; errors leave tagged with plugin and hook. */
export function tapPlugins(hooks: Hooks, plugins: readonly Plugin[]): HookWants {
  const filters: Record<FilterableHookName, Array<Filter | null>> = { transformRequest: [], transformStream: [], transformResponse: [], onAudit: [] };
  for (const plugin of plugins) {
    for (const hook of HOOK_NAMES) {
      const value = plugin[hook] as AnyFn | { filter: Filter; handler: AnyFn } | undefined;
      if (!value) continue;
      const filter = typeof value === 'function' ? null : value.filter.bind(plugin);
      const handler = (typeof value === 'function' ? value : value.handler).bind(plugin);
      const tagged = tagErrors(handler, plugin.name, hook);
      // A filtered tap passes its input on untouched for requests it does not want (ctx is every hook's second argument).
      const run: AnyFn = filter ? (input, ctx) => (filter(ctx as RoutedContext) ? tagged(input, ctx) : input) : tagged;
      if (hook in filters) filters[hook as FilterableHookName].push(filter);
      const tap = { name: plugin.name };
      if (hook === 'transformStream') hooks.transformStream.tap(tap, run as never);
      // A handler's own promise goes to tapable as it is (an async wrapper would add a promise and
      // two ticks per tap per request); a plain value is wrapped once.
      else (hooks[hook] as { tapPromise: (t: object, fn: unknown) => void }).tapPromise(tap, (...args: unknown[]) => {
        try {
          const out = run(...args);
          return out instanceof Promise ? out : Promise.resolve(out);
        } catch (err) {
          return Promise.reject(err);
        }
      });
    }
  }
  const wants = (list: Array<Filter | null>): Filter => {
    if (list.length === 0) return () => false;
    if (list.includes(null)) return () => true;
    return (ctx) => list.some((f) => f!(ctx));
  };
  return {
    transformRequest: wants(filters.transformRequest),
    transformStream: wants(filters.transformStream),
    transformResponse: wants(filters.transformResponse),
    onAudit: wants(filters.onAudit),
  };
}

/** After startup no hook may gain a tap: that would bypass ordering and startup checks. */
export function freezeHooks(hooks: Hooks): void {
  for (const hook of Object.values(hooks)) {
    const refuse = () => {
      throw new Error(`hook ${hook.name} is frozen: tap it from a plugin object in the config`);
    };
    Object.assign(hook, { tap: refuse, tapAsync: refuse, tapPromise: refuse, intercept: refuse });
  }
}

function tagErrors(fn: (...args: unknown[]) => unknown, plugin: string, hook: HookName) {
  const tag = (err: unknown) => {
    if (typeof err === 'object' && err !== null && !('plugin' in err && (err as { plugin?: string }).plugin)) {
      Object.assign(err, { plugin, hook });
    }
    return err;
  };
  return (...args: unknown[]) => {
    try {
      const out = fn(...args);
      if (out instanceof Promise) return out.catch((err) => Promise.reject(tag(err)));
      return out;
    } catch (err) {
      throw tag(err);
    }
  };
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}
