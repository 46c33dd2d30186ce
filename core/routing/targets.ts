/**
 * A provider's targets — the base URL and key each attempt goes to — and the order they are tried
 * in. A provider with a `pool` has several (keys, regions, replicas); one without has one, itself.
 */
import type { Health } from './breakers.ts';
import type { Provider, Target } from '../types.ts';

interface Spread {
  targets: Target[];
  /** Smooth weighted round robin state (nginx's): each pick adds every available target's weight, takes the largest, subtracts their total. */
  current: number[];
}

const spreads = new WeakMap<Provider, Spread>();

/** JSON Schema of a pool option (`pool: [{ name?, baseUrl?, apiKey?, weight? }, …]`), for provider plugins. */
export const poolSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' },
      baseUrl: { type: 'string', pattern: '^https?://' },
      apiKey: { type: 'string', minLength: 1 },
      weight: { type: 'number', exclusiveMinimum: 0 },
    },
    additionalProperties: false,
  },
} as const;

/** Built once per provider object (providers are built in setup and kept). */
function spreadOf(provider: Provider): Spread {
  let spread = spreads.get(provider);
  if (!spread) {
    const members = provider.pool?.targets ?? [];
    const targets: Target[] = members.length === 0
      ? [{ id: provider.name, baseUrl: provider.baseUrl, apiKey: provider.apiKey, weight: 1 }]
      : members.map((m, i) => ({
          id: `${provider.name}#${m.name ?? i + 1}`,
          baseUrl: m.baseUrl ?? provider.baseUrl,
          apiKey: m.apiKey ?? provider.apiKey,
          weight: m.weight ?? 1,
        }));
    spread = { targets, current: targets.map(() => 0) };
    spreads.set(provider, spread);
  }
  return spread;
}

export function targetsOf(provider: Provider): readonly Target[] {
  return spreadOf(provider).targets;
}

/**
 * The provider's targets in the order to try them: the balancer's pick first, then the rest (by
 * weight), so a target that fails hands the request to the next one.
 */
export function orderTargets(provider: Provider, health: Health): readonly Target[] {
  const spread = spreadOf(provider);
  const { targets } = spread;
  if (targets.length === 1) return targets;
  if (provider.pool?.balance === 'least-in-flight') {
    return [...targets].sort((a, b) => health.inFlight(a.id) / a.weight - health.inFlight(b.id) / b.weight);
  }
  // Only the targets that could take the request share the turns, so a dead member's share goes to
  // the others by their weights instead of all to whichever is tried after it.
  let best = -1;
  let total = 0;
  for (let i = 0; i < targets.length; i++) {
    if (!health.available(targets[i]!.id)) continue;
    spread.current[i]! += targets[i]!.weight;
    total += targets[i]!.weight;
    if (best < 0 || spread.current[i]! > spread.current[best]!) best = i;
  }
  if (best < 0) return targets;
  spread.current[best]! -= total;
  const first = targets[best]!;
  return [first, ...targets.filter((t) => t !== first).sort((a, b) => b.weight - a.weight)];
}
