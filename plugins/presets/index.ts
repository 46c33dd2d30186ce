/**
 * Every provider preset, and the ones the environment enables: a preset whose key variable is set
 * (`OPENROUTER_API_KEY` …), or a local server whose base URL variable is set (`OLLAMA_BASE_URL` …).
 * The default aurora.config.ts spreads `presets()` into its plugins, so setting a key is all it
 * takes to serve that provider's models.
 */
import type { Plugin } from 'aurora';
import type { BridgeOptions, Preset } from 'aurora/plugins/chat-bridge';
import fireworks from 'aurora/plugins/fireworks';
import gemini from 'aurora/plugins/gemini';
import groq from 'aurora/plugins/groq';
import lmstudio from 'aurora/plugins/lmstudio';
import mistral from 'aurora/plugins/mistral';
import moonshot from 'aurora/plugins/moonshot';
import ollama from 'aurora/plugins/ollama';
import openrouter from 'aurora/plugins/openrouter';
import qwen from 'aurora/plugins/qwen';
import together from 'aurora/plugins/together';
import vllm from 'aurora/plugins/vllm';
import xai from 'aurora/plugins/xai';
import zai from 'aurora/plugins/zai';

export { FIREWORKS_PRICES } from 'aurora/plugins/fireworks';
export { MOONSHOT_PRICES } from 'aurora/plugins/moonshot';
export { XAI_PRICES } from 'aurora/plugins/xai';

/**
 * In the order they claim models: specific names first; OpenRouter, which claims any `vendor/model`,
 * last, so a model a direct provider serves goes to it.
 */
export const PRESETS: Readonly<Record<string, Preset>> = Object.freeze({ gemini, xai, mistral, moonshot, qwen, zai, groq, fireworks, together, ollama, vllm, lmstudio, openrouter });

export interface PresetsOptions {
  /** Only these presets (by name), when enabled. Default: all. */
  only?: string[];
  /** Options per preset, by name (`{ openrouter: { models: […] } }`). */
  options?: Record<string, BridgeOptions>;
  /** Where to look for keys and base URLs. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** A preset is enabled by its key, or — a local server — by its base URL. */
export function presetEnabled(preset: Preset, env: Record<string, string | undefined> = process.env): boolean {
  const { spec } = preset;
  if (env[spec.apiKeyEnv]) return true;
  return spec.keyPlaceholder !== undefined && spec.baseUrlEnv !== undefined && Boolean(env[spec.baseUrlEnv]);
}

/** The preset called `name`, or an error listing the known ones. */
export function presetNamed(name: string): Preset {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset "${name}" (known presets: ${Object.keys(PRESETS).join(', ')})`);
  return preset;
}

export default function presets(opts: PresetsOptions = {}): Plugin[] {
  const env = opts.env ?? process.env;
  const names = opts.only ?? Object.keys(PRESETS);
  for (const name of [...names, ...Object.keys(opts.options ?? {})]) presetNamed(name);
  return Object.keys(PRESETS)
    .filter((name) => names.includes(name) && presetEnabled(PRESETS[name]!, env))
    .map((name) => PRESETS[name]!(opts.options?.[name] ?? {}));
}
