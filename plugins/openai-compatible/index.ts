/**
 * Any OpenAI-compatible Chat Completions server the presets do not cover: a base URL, a key, and a
 * profile — borrowed from a preset (`preset: 'ollama'`) and/or written out (`profile: {…}`).
 * Models are claimed as `<name>/<model>` and by `models`.
 */
import { bridgeOptionsSchema, createBridgePlugin, type BridgeOptions } from 'aurora/plugins/chat-bridge';
import type { Plugin } from 'aurora';
import { presetNamed } from 'aurora/plugins/presets';

export interface OpenAICompatibleOptions extends BridgeOptions {
  /** Required: the server's base URL (`/chat/completions` is appended). */
  baseUrl: string;
  /** A preset whose profile to start from (`ollama`, `openrouter`, …). */
  preset?: string;
  /** The provider's name in messages. Default: the plugin name. */
  label?: string;
}

const schema = bridgeOptionsSchema({ preset: { type: 'string', minLength: 1 }, label: { type: 'string', minLength: 1 } }, ['baseUrl']);

export default function openaiCompatible(options: OpenAICompatibleOptions): Plugin {
  const name = options.name ?? 'openai-compatible';
  const base = options.preset === undefined ? undefined : presetNamed(options.preset).spec;
  const { preset: _preset, label, ...bridgeOptions } = options ?? ({} as OpenAICompatibleOptions);
  return Object.assign(
    createBridgePlugin(
      {
        name,
        label: label ?? name,
        baseUrl: options?.baseUrl ?? '',
        apiKeyEnv: base?.apiKeyEnv ?? 'OPENAI_COMPATIBLE_API_KEY',
        keyPlaceholder: base?.keyPlaceholder,
        models: [],
        responses: base?.responses,
        customTools: base?.customTools,
        profile: base?.profile ?? {},
      },
      bridgeOptions,
      schema,
    ),
    // The schema checks what the user wrote, preset and label included.
    { options },
  );
}
