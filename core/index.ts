/**
 * The public API, importable as `aurora`. Config files and plugins import from here only, so one
 * running gateway has one copy of the core.
 */
export { createGateway, SERVER_DEFAULTS } from './gateway.ts';
export type { AuroraConfig, Gateway, GatewayOptions, ServerOptions } from './gateway.ts';
export { ERRORS, GatewayError, StartupError, errorBody } from './errors.ts';
export { ADMIN_API_PREFIX, adminRoutes, jsonResponse, pathParam, readJsonBody } from './admin-routes.ts';
export type { AdminRequest, AdminRoute, AdminRoutesOptions } from './admin-routes.ts';
export type { ErrorId, ErrorSpec, OpenAIErrorBody } from './errors.ts';
export { HOOK_NAMES } from './hooks.ts';
export type { Hooks } from './hooks.ts';
export { createLogger } from './logger.ts';
export type { Logger, LogLevel } from './logger.ts';
export { formatSseEvent, jsonEvent, parseSseText } from './sse.ts';
export { nodeHttpSend, requireApiKey, upstreamError, upstreamUrl } from './upstream.ts';
export { compileModelPatterns } from './patterns.ts';
export { costOf } from './pricing/price.ts';
export type { Price, PriceSetting } from './pricing/price.ts';
export { priceTable } from './pricing/pricing.ts';
export { presentedKey, presentedKeys } from './presented-key.ts';
export { retryPolicySchema } from './retry.ts';
export { poolSchema, targetsOf } from './routing/targets.ts';
export { OPENAI_API_FAMILIES } from './api-routes.ts';
export type { RoutingOptions } from './routing/router.ts';
export type { BreakerOptions, TargetHealth } from './routing/breakers.ts';
export type * from './types.ts';

import type { AuroraConfig } from './gateway.ts';
import type { Plugin } from './types.ts';

/** Identity: exists so an editor checks and completes the config. */
export function defineConfig(config: AuroraConfig): AuroraConfig {
  return config;
}

/** Identity: exists so an editor checks and completes a plugin object. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  return plugin;
}
