import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHealth } from '../core/routing/breakers.ts';
import { orderTargets } from '../core/routing/targets.ts';
import type { Provider } from '../core/types.ts';

const provider = (weights: number[]): Provider => ({
  name: 'p',
  baseUrl: 'http://127.0.0.1:1/v1',
  apiKey: 'k',
  models: [],
  pool: { targets: weights.map((weight, i) => ({ name: `t${i}`, weight })) },
}) as unknown as Provider;

describe('smooth weighted round robin', () => {
  it('over any whole number of rounds each target leads exactly its weight in turns', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 }), (weights, rounds) => {
      const p = provider(weights);
      const health = createHealth();
      const total = weights.reduce((a, b) => a + b, 0);
      const led = new Map<string, number>();
      for (let i = 0; i < total * rounds; i++) {
        const first = orderTargets(p, health)[0]!.id;
        led.set(first, (led.get(first) ?? 0) + 1);
      }
      weights.forEach((w, i) => expect(led.get(`p#t${i}`) ?? 0).toBe(w * rounds));
    }));
  });

  it('a target whose breaker is open gets no turns; the others share them by weight', () => {
    let t = 0;
    const health = createHealth({ failures: 1, openMs: 1000 }, () => t);
    const p = provider([2, 1, 1]);
    health.started('p#t1', 'p');
    health.failed('p#t1');
    const led: string[] = [];
    for (let i = 0; i < 30; i++) led.push(orderTargets(p, health)[0]!.id);
    expect(led.filter((id) => id === 'p#t1')).toEqual([]);
    expect(led.filter((id) => id === 'p#t0').length).toBe(20);
    t = 1000; // half-open: the target may take a probe again
    const after = Array.from({ length: 4 }, () => orderTargets(p, health)[0]!.id);
    expect(after).toContain('p#t1');
  });

  it('every target keeps a place in the order, so a failed attempt has somewhere to go', () => {
    const p = provider([3, 1, 2]);
    const order = orderTargets(p, createHealth()).map((t) => t.id);
    expect([...order].sort()).toEqual(['p#t0', 'p#t1', 'p#t2']);
  });
});
