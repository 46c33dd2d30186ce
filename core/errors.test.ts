import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, GatewayError, STARTUP_ERRORS } from './errors.ts';

describe('error registry', () => {
  const ids = Object.keys(ERRORS);

  it('is sorted, so a new code has one obvious place', () => {
    expect(ids).toEqual([...ids].sort());
    expect(Object.keys(STARTUP_ERRORS)).toEqual(Object.keys(STARTUP_ERRORS).sort());
  });

  it('uses client-error statuses and OpenAI types', () => {
    for (const spec of Object.values(ERRORS)) {
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.code).toMatch(/^[a-z_]+$/);
    }
  });

  it('every code is documented in docs/errors.md', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    for (const id of [...ids, ...Object.keys(STARTUP_ERRORS)]) expect(doc, id).toContain(`\`${id}\``);
  });

  it('renders the OpenAI error shape', () => {
    const err = new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', { args: ['gpt-x'], param: 'model' });
    expect(err.status).toBe(404);
    expect(err.toJSON()).toEqual({ error: { message: 'The model gpt-x is not served by this gateway', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
  });

  it('is recognised across module copies by its brand, not instanceof', () => {
    const foreign = Object.assign(Object.create(null), { [Symbol.for('aurora.GatewayError')]: true });
    expect(GatewayError.is(foreign)).toBe(true);
    expect(GatewayError.is(new Error('x'))).toBe(false);
  });
});
