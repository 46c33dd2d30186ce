/**
 * Validating the loaded config with ajv: the gateway's own options, then each plugin's options
 * against the schema the plugin ships. Messages name the path (`plugins[0] deepseek: apiKey …`),
 * the file, and what to change.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { StartupError } from '../errors.ts';
import type { AuroraConfig } from '../gateway.ts';
import { checkPlugins } from '../plugins.ts';
import { pricesSchema } from '../pricing/price.ts';
import { routingSchema } from '../routing/router.ts';
import type { Plugin } from '../types.ts';

const configSchema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        bodyLimit: { type: 'integer', minimum: 1 },
        headersTimeoutMs: { type: 'integer', minimum: 1 },
        requestTimeoutMs: { type: 'integer', minimum: 0 },
        shutdownTimeoutMs: { type: 'integer', minimum: 0 },
        upstreamBodyLimit: { type: 'integer', minimum: 1024 },
        uploadLimit: { type: 'integer', minimum: 1 },
        metrics: { type: 'boolean' },
        workers: { type: 'integer', minimum: 1, maximum: 64 },
      },
      additionalProperties: false,
    },
    log: {
      type: 'object',
      properties: { level: { enum: ['debug', 'info', 'warn', 'error', 'silent'] } },
      additionalProperties: false,
    },
    plugins: { type: 'array' },
    watch: { type: 'boolean' },
    routing: routingSchema,
    prices: pricesSchema,
  },
  additionalProperties: false,
};

export function createValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  (addFormats as unknown as { default: (a: Ajv) => void }).default?.(ajv) ?? (addFormats as unknown as (a: Ajv) => void)(ajv);
  const checkConfig = ajv.compile(configSchema);
  const compiled = new WeakMap<object, ValidateFunction>();
  return function validateConfig(config: unknown, file: string): AuroraConfig {
    const problems: string[] = [];
    if (!checkConfig(config)) problems.push(...describe(checkConfig.errors ?? [], 'config'));
    const plugins = (config as AuroraConfig).plugins ?? [];
    if (Array.isArray(plugins)) {
      try {
        checkPlugins(plugins);
      } catch (err) {
        problems.push((err as Error).message);
      }
      plugins.forEach((plugin: Plugin, i) => {
        if (!plugin?.optionsSchema || typeof plugin.optionsSchema !== 'object') return;
        let validate = compiled.get(plugin.optionsSchema);
        if (!validate) compiled.set(plugin.optionsSchema, (validate = ajv.compile(plugin.optionsSchema)));
        if (!validate(plugin.options ?? {})) problems.push(...describe(validate.errors ?? [], `plugins[${i}] ${plugin.name}:`, true));
      });
    }
    if (problems.length) {
      throw new StartupError('AURORA_ERR_CONFIG_INVALID', `Invalid config in ${file}:\n  - ${problems.join('\n  - ')}\nFix the option(s) above in ${file} and start again.`);
    }
    return config as AuroraConfig;
  };
}

function describe(errors: ErrorObject[], prefix: string, pluginOptions = false): string[] {
  return errors.map((e) => {
    const path = e.instancePath.slice(1).split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
    const field = pluginOptions ? `${prefix} ${path.replace(/^\./, '') || 'options'}` : `${prefix}${path}`;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
        return `${field}: unknown option "${extra}"${allowed.length ? ` (known options: ${allowed.join(', ')})` : ''}`;
      }
      case 'type':
        return `${field} must be ${article((e.params as { type: string }).type)}`;
      case 'enum':
        return `${field} must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      default:
        return `${field} ${e.message}`;
    }
  });
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

let shared: ReturnType<typeof createValidator> | undefined;

/** Validate with one validator per process: compiling the schemas again for every gateway buys nothing. */
export function validateConfig(config: unknown, file: string): AuroraConfig {
  shared ??= createValidator();
  return shared(config, file);
}
