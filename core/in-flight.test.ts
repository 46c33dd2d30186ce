import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InFlight } from './in-flight.ts';

describe('InFlight', () => {
  it('holds exactly what was added and not yet deleted, whatever the order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(20))), (ops) => {
      const list = new InFlight<number>();
      const model = new Map<number, ReturnType<InFlight<number>['add']>>();
      let next = 0;
      for (const [add, pick] of ops) {
        if (add || model.size === 0) model.set(next, list.add(next++));
        else {
          const key = [...model.keys()][pick % model.size]!;
          list.delete(model.get(key)!);
          model.delete(key);
        }
        expect(list.size).toBe(model.size);
        expect(list.values().sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
      }
    }));
  });

  it('a second delete of one entry changes nothing, and a deleted entry keeps no value', () => {
    const list = new InFlight<object>();
    const a = list.add({});
    const b = list.add({});
    list.delete(a);
    list.delete(a);
    expect(list.size).toBe(1);
    expect(a.value).toBeUndefined();
    expect(list.values()).toEqual([b.value]);
  });
});
