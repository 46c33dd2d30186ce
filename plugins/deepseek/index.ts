/**
 * The deepseek plugin: serves DeepSeek models behind the gateway, and translates Codex's
 * Responses API to DeepSeek's Chat Completions and back. It is one profile (profile.ts) over the
 * chat bridge (aurora/plugins/chat-bridge), which holds the translation and the reasoning carrier.
 */
import { createBridgePlugin } from 'aurora/plugins/chat-bridge';
import type { Plugin } from 'aurora';
import { type DeepSeekOptions, deepseekOptionsSchema } from './options.ts';
import { DEEPSEEK_SPEC } from './profile.ts';

export type { DeepSeekOptions } from './options.ts';

export default function deepseek(options: DeepSeekOptions = {}): Plugin {
  return createBridgePlugin(DEEPSEEK_SPEC, options, deepseekOptionsSchema);
}
