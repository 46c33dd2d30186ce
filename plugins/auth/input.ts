/**
 * Checks what a caller asks for in a new key, for the admin API (JSON body) and the CLI (flags,
 * turned into the same object). Errors are 400s naming the field, so both can show them as they are.
 */
import { GatewayError } from 'aurora';
import type { NewKey } from './keys.ts';

const FIELDS = ['name', 'models', 'rpm', 'tpm', 'expiresAt', 'admin'] as const;
const MAX_LIMIT = 1_000_000_000;

/** `now` (epoch ms) decides whether `expiresAt` is in the future. */
export function parseNewKey(input: unknown, now = Date.now()): NewKey {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: ['The body must be a JSON object like {"name": "alice"}'] });
  }
  const body = input as Record<string, unknown>;
  for (const field of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(field)) invalid(field, `Unknown field "${field}"; accepted: ${FIELDS.join(', ')}`);
  }
  if (body.name === undefined || body.name === null) throw new GatewayError('AURORA_ERR_MISSING_PARAM', { args: ['name'], param: 'name' });
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  // Control characters would break the CLI's table and log lines.
  if (!name || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) invalid('name', 'name must be a non-empty string of at most 200 printable characters');

  const key: NewKey = { name, admin: false };
  if (body.models != null) key.models = parseModels(body.models);
  if (body.rpm != null) key.rpm = parseLimit('rpm', body.rpm);
  if (body.tpm != null) key.tpm = parseLimit('tpm', body.tpm);
  if (body.expiresAt != null) key.expiresAt = parseExpiry(body.expiresAt, now);
  if (body.admin != null) {
    if (typeof body.admin !== 'boolean') invalid('admin', 'admin must be true or false');
    key.admin = body.admin;
  }
  return key;
}

function parseModels(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100) {
    invalid('models', 'models must be a list of 1 to 100 model names or globs (e.g. ["deepseek-*"]); leave it out to allow every model');
  }
  const models = (value as unknown[]).map((m) => (typeof m === 'string' ? m.trim() : ''));
  if (models.some((m) => !m || m.length > 200)) invalid('models', 'each entry of models must be a non-empty string (a model name, `*` matching any run of characters)');
  return [...new Set(models)];
}

function parseLimit(field: 'rpm' | 'tpm', value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    invalid(field, `${field} must be a whole number from 1 to ${MAX_LIMIT}; leave it out for no limit`);
  }
  return value as number;
}

/** ISO 8601 (`2027-01-01`, `2027-01-01T00:00:00Z`) or epoch milliseconds, in the future. */
export function parseExpiry(value: unknown, now = Date.now()): string {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? (/^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value)) : NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) invalid('expiresAt', 'expiresAt must be an ISO 8601 date (2027-01-01 or 2027-01-01T00:00:00Z) or epoch milliseconds');
  if (ms <= now) invalid('expiresAt', `expiresAt must be in the future, got ${new Date(ms).toISOString()}`);
  return new Date(ms).toISOString();
}

function invalid(param: string, message: string): never {
  throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param, message });
}
