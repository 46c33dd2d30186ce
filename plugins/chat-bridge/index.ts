/**
 * The chat bridge: Codex's Responses API ⇄ any Chat Completions provider, configured by a profile
 * (profile.ts). A provider plugin is `definePreset({ name, baseUrl, apiKeyEnv, profile, … })`;
 * `aurora/plugins/deepseek`, the presets (`aurora/plugins/openrouter` …) and
 * `aurora/plugins/openai-compatible` are all built that way. This file only wires and re-exports.
 */
import type { Plugin } from 'aurora';
import { type BridgeOptions, bridgeOptionsSchema } from './options.ts';
import { type BridgeSpec, createBridgePlugin } from './plugin.ts';

export { CATALOG_HEADER, codexEntry, type CatalogModel } from './catalog.ts';
export { toStrictChatRequest, type ChatNormalizeOptions } from './chat-request.ts';
// The Responses side of any translation, shared with the anthropic plugin (Messages ⇄ Responses).
export { ResponsesEvents } from './events.ts';
export { customToolDescription, customToolParameters, unwrapCustomInput } from './freeform.ts';
export { callItem, messageItem, newId, responseSkeleton, settleResponse, type EchoSource, type ItemStatus, type TerminalState } from './items.ts';
export { rejectUnsupported } from './stateless.ts';
export { allowedEntries, buildToolIndex, chosenEntry, qualifyName, type ToolEntry, type ToolIndex, type ToolTarget } from './tools.ts';
export { createModelList, type ModelListSource } from './models.ts';
export { bridgeOptionsSchema, upstreamOptionsProperties, type BridgeOptions, type UpstreamOptions } from './options.ts';
export { createBridgePlugin, type BridgeSpec } from './plugin.ts';
export {
  DEFAULT_PROFILE,
  mapEffort,
  modelSpecs,
  resolveProfile,
  type ChatProfile,
  type EffortProfile,
  type MappedEffort,
  type ModelSpec,
  type ProfileInput,
  type ReplayMode,
} from './profile.ts';
export { ThinkTagSplitter, consolidateDetails, splitThinkTags } from './reasoning.ts';
export { ABORTED, NO_OUTPUT, applyTextFormat, partsText, toChatRequest, type ChatRequestOptions } from './request.ts';
export { STREAM_ENDED_EARLY, mapUsage, terminalState, toResponsesResponse, type ResponsesContext } from './response.ts';
export { createReasoningCarrier, defaultReasoningSecret, type ReasoningCarrier, type ReasoningState } from './state.ts';
export { createResponsesStreamTranslator, streamError } from './stream.ts';

/** A preset factory: `(options) => Plugin`, with what it is made of for discovery and docs. */
export interface Preset<O extends BridgeOptions = BridgeOptions> {
  (options?: O): Plugin;
  readonly spec: BridgeSpec;
}

/** A provider plugin over the bridge, in one declaration. */
export function definePreset(spec: BridgeSpec): Preset {
  const schema = bridgeOptionsSchema();
  const factory = (options: BridgeOptions = {}) => createBridgePlugin(spec, options, schema);
  return Object.assign(factory, { spec });
}
