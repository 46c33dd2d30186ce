/**
 * Checks what a caller asks for in a new key or a change to one, for the admin API (JSON body) and
 * the CLI (flags, turned into the same object). Errors are 400s naming the field, so both can show
 * them as they are.
 */
import { GatewayError } from 'aurora';
import type { KeyChanges, NewKey } from './keys.ts';

const FIELDS = ['name', 'models', 'rpm', 'tpm', 'budgetDay', 'budgetMonth', 'expiresAt', 'admin'] as const;
const MAX_LIMIT = 1_000_000_000;
const MAX_BUDGET = 1_000_000_000;

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
  const key: NewKey = { name: parseName(body.name), admin: false };
  if (body.models != null) key.models = parseModels(body.models);
  if (body.rpm != null) key.rpm = parseLimit('rpm', body.rpm);
  if (body.tpm != null) key.tpm = parseLimit('tpm', body.tpm);
  if (body.budgetDay != null) key.budgetDay = parseBudget('budgetDay', body.budgetDay);
  if (body.budgetMonth != null) key.budgetMonth = parseBudget('budgetMonth', body.budgetMonth);
  if (body.expiresAt != null) key.expiresAt = parseExpiry(body.expiresAt, now);
  if (body.admin != null) key.admin = parseAdmin(body.admin);
  return key;
}

/**
 * A change to a key: the fields given are set, `null` removes a limit, a budget, the model list or
 * the expiry; at least one field. `now` (epoch ms) decides whether `expiresAt` is in the future.
 */
export function parseKeyChanges(input: unknown, now = Date.now()): KeyChanges {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: ['The body must be a JSON object like {"budgetDay": 5}'] });
  }
  const body = input as Record<string, unknown>;
  const fields = Object.keys(body);
  for (const field of fields) {
    if (!(FIELDS as readonly string[]).includes(field)) invalid(field, `Unknown field "${field}"; accepted: ${FIELDS.join(', ')}`);
  }
  if (fields.length === 0) throw new GatewayError('AURORA_ERR_INVALID_BODY', { args: [`Nothing to change: give one or more of ${FIELDS.join(', ')}`] });
  const changes: KeyChanges = {};
  if ('name' in body) changes.name = parseName(body.name);
  if ('models' in body) changes.models = body.models === null ? null : parseModels(body.models);
  if ('rpm' in body) changes.rpm = body.rpm === null ? null : parseLimit('rpm', body.rpm);
  if ('tpm' in body) changes.tpm = body.tpm === null ? null : parseLimit('tpm', body.tpm);
  if ('budgetDay' in body) changes.budgetDay = body.budgetDay === null ? null : parseBudget('budgetDay', body.budgetDay);
  if ('budgetMonth' in body) changes.budgetMonth = body.budgetMonth === null ? null : parseBudget('budgetMonth', body.budgetMonth);
  if ('expiresAt' in body) changes.expiresAt = body.expiresAt === null ? null : parseExpiry(body.expiresAt, now);
  if ('admin' in body) changes.admin = parseAdmin(body.admin);
  return changes;
}

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  // Control characters would break the CLI's table and log lines.
  if (!name || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) invalid('name', 'name must be a non-empty string of at most 200 printable characters');
  return name;
}

function parseAdmin(value: unknown): boolean {
  if (typeof value !== 'boolean') invalid('admin', 'admin must be true or false');
  return value as boolean;
}

/** USD, more than 0: a budget of 0 would refuse every request (revoke the key instead). */
function parseBudget(field: 'budgetDay' | 'budgetMonth', value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_BUDGET) {
    invalid(field, `${field} must be an amount of US dollars above 0 and at most ${MAX_BUDGET} (e.g. 25 or 2.5); leave it out, or set null, for no budget`);
  }
  return value as number;
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
