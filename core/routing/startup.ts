/**
 * Routing at start and for operators: every model the routing config names must be served by some
 * plugin (a fallback to nowhere is a typo, caught before the first request needs it), and the
 * admin API shows the aliases, the fallbacks and each upstream target's health.
 */
import { ClientConnection, createContext } from '../context.ts';
import { adminRoutes, jsonResponse } from '../admin-routes.ts';
import { StartupError } from '../errors.ts';
import type { Hooks } from '../hooks.ts';
import type { Logger } from '../logger.ts';
import type { GatewayServices, PluginRoute } from '../types.ts';
import type { Health } from './breakers.ts';
import type { Router } from './router.ts';

export async function checkRouting(router: Router, hooks: Hooks, log: Logger, file: string): Promise<void> {
  const problems: string[] = [];
  for (const { model, where } of router.named()) {
    // As a request for the model would ask, without a caller: plugins that look at the caller (auth) pass.
    const ctx = createContext({ method: 'POST', path: '/v1/responses', headers: new Headers(), connection: new ClientConnection(), log, endpoint: 'responses' });
    let served = false;
    try {
      served = (await hooks.resolveModel.promise(model, ctx)) !== undefined;
    } catch {
      served = true; // a plugin that claims the model and refuses this synthetic caller: served
    }
    if (!served) problems.push(`${where}: no plugin serves the model "${model}"; add a provider that claims it, or name a model one serves`);
  }
  if (problems.length) throw new StartupError('AURORA_ERR_CONFIG_INVALID', `Invalid config in ${file}:\n  - ${problems.join('\n  - ')}\nFix the routing section above in ${file} and start again.`);
}

/** `GET /admin/api/v1/routing`: aliases, fallbacks, and every upstream target seen with its breaker. */
export function routingRoutes(gateway: Pick<GatewayServices, 'authenticate' | 'log'>, router: Router, health: Health): PluginRoute[] {
  return adminRoutes(gateway, [{
    method: 'GET',
    path: '/routing',
    handler: () => jsonResponse({ aliases: router.aliases, fallbacks: router.fallbacks, targets: health.list() }),
  }], { logAs: 'routing' });
}
