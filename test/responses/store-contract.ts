/**
 * The ResponseStore contract as a test suite: what the responses-store plugin relies on, whatever
 * the store. `test/responses-store.test.ts` runs it on the file store,
 * `test/postgres-responses.test.ts` on PostgreSQL.
 */
import type { JsonObject, Logger } from 'aurora';
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseStore, StoredResponse } from '../../plugins/responses-store/index.ts';

export interface ResponseStoreHarness {
  /** A new, empty store; `reopen` opens another on the same data (after `store.close()`). */
  open(options: { log: Logger; retentionMs: number }): Promise<{ store: ResponseStore; reopen(): Promise<ResponseStore> }>;
  /** Close what `open` made and remove its data; runs after each test. */
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;

/** A stored response of `owner`: one user message in, a reasoning item and a message out. */
export function makeResponse(id: string, owner: string, extra: Partial<StoredResponse> = {}): StoredResponse {
  const now = Date.now();
  return {
    id,
    owner,
    provider: 'deepseek',
    model: 'deepseek-v4-pro',
    createdAt: now,
    expiresAt: now + DAY,
    previousId: null,
    depth: 1,
    input: [{ id: `msg_in_${id}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: `question ${id}` }] }],
    response: {
      id,
      object: 'response',
      status: 'completed',
      output: [
        { id: `rs_${id}`, type: 'reasoning', summary: [], encrypted_content: `sealed-${id}` },
        { id: `msg_out_${id}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `answer ${id}`, annotations: [] }] },
      ],
    },
    ...extra,
  };
}

export function describeResponseStoreContract(name: string, harness: ResponseStoreHarness): void {
  describe(`ResponseStore contract: ${name}`, () => {
    afterEach(() => harness.cleanup());
    const open = (retentionMs = 30 * DAY) => harness.open({ log: createMemoryLogger([]), retentionMs });

    it('reads back what it keeps, as it was given', async () => {
      const { store } = await open();
      const response = makeResponse('resp_a', 'alice');
      await store.put(response);
      expect(await store.get('resp_a')).toEqual(response);
      expect(await store.get('resp_unknown')).toBeUndefined();
      expect(await store.holder('resp_a')).toEqual({ kind: 'stored', owner: 'alice', provider: 'deepseek' });
    });

    it('walks a chain oldest first, up to a limit, and names a missing link', async () => {
      const { store } = await open();
      await store.put(makeResponse('resp_1', 'alice'));
      await store.put(makeResponse('resp_2', 'alice', { previousId: 'resp_1', depth: 2 }));
      await store.put(makeResponse('resp_3', 'alice', { previousId: 'resp_2', depth: 3 }));
      const whole = await store.chain('resp_3', 3);
      expect(whole.responses.map((r) => r.id)).toEqual(['resp_1', 'resp_2', 'resp_3']);
      expect(whole.missing).toBeUndefined();
      expect((await store.chain('resp_3', 2)).responses.map((r) => r.id)).toEqual(['resp_2', 'resp_3']);
      expect(await store.delete('resp_2', 'alice')).toBe(true);
      const broken = await store.chain('resp_3', 3);
      expect(broken.missing).toBe('resp_2');
      expect(broken.responses.map((r) => r.id)).toEqual(['resp_3']);
    });

    it('walks no further than its limit on a chain longer than the gateway continues', async () => {
      const { store } = await open();
      const length = 1200;
      for (let n = 1; n <= length; n++) await store.put(makeResponse(`resp_${n}`, 'alice', n === 1 ? {} : { previousId: `resp_${n - 1}`, depth: n }));
      const started = performance.now();
      const walked = await store.chain(`resp_${length}`, 1000);
      const elapsed = performance.now() - started;
      expect(walked.responses).toHaveLength(1000);
      expect(walked.responses[0]!.id).toBe('resp_201');
      expect(walked.responses.at(-1)!.id).toBe(`resp_${length}`);
      // The link it stopped at is named, as a gap would be: the caller refuses rather than sends half.
      expect(walked.missing).toBe('resp_200');
      expect(elapsed).toBeLessThan(2000);
    });

    it('finds items by id for their owner only, the first response that brought one keeping it', async () => {
      const { store } = await open();
      await store.put(makeResponse('resp_a', 'alice'));
      // A later response repeats alice's item (a client resending its history): still resp_a's.
      const later = makeResponse('resp_b', 'alice');
      later.input.push(later.input[0]!, { ...(makeResponse('resp_a', 'alice').response.output[0] as JsonObject) });
      await store.put(later);
      const found = await store.items('alice', ['rs_resp_a', 'msg_out_resp_b', 'nope']);
      expect([...found.keys()].sort()).toEqual(['msg_out_resp_b', 'rs_resp_a']);
      expect(found.get('rs_resp_a')).toMatchObject({ type: 'reasoning', encrypted_content: 'sealed-resp_a' });
      expect((await store.items('bob', ['rs_resp_a'])).size).toBe(0);
      // Deleting the response that brought an item takes the item with it.
      await store.delete('resp_a', 'alice');
      expect((await store.items('alice', ['rs_resp_a', 'msg_out_resp_b'])).size).toBe(1);
    });

    it('deletes only for the owner', async () => {
      const { store } = await open();
      await store.put(makeResponse('resp_a', 'alice'));
      expect(await store.delete('resp_a', 'bob')).toBe(false);
      expect(await store.get('resp_a')).toBeDefined();
      expect(await store.delete('resp_a', 'alice')).toBe(true);
      expect(await store.get('resp_a')).toBeUndefined();
      expect(await store.holder('resp_a')).toBeUndefined();
      expect(await store.delete('resp_a', 'alice')).toBe(false);
    });

    it('notes passthrough owners, written in the background', async () => {
      const { store } = await open();
      store.recordOwner({ id: 'resp_openai_1', owner: 'alice', provider: 'openai', expiresAt: Date.now() + DAY });
      await expect.poll(() => store.holder('resp_openai_1'), { timeout: 3000 }).toEqual({ kind: 'passthrough', owner: 'alice', provider: 'openai' });
    });

    it('forgets what expired and sweeps it', async () => {
      const { store } = await open();
      const past = Date.now() - 1000;
      await store.put(makeResponse('resp_old', 'alice', { createdAt: past - DAY, expiresAt: past }));
      await store.put(makeResponse('resp_new', 'alice'));
      store.recordOwner({ id: 'resp_owned_old', owner: 'alice', provider: 'openai', expiresAt: past });
      expect(await store.get('resp_old')).toBeUndefined();
      expect((await store.items('alice', ['rs_resp_old'])).size).toBe(0);
      expect(await store.sweep(Date.now())).toBeGreaterThanOrEqual(1);
      expect(await store.get('resp_new')).toBeDefined();
      expect(await store.holder('resp_owned_old')).toBeUndefined();
    });

    it('keeps everything across a reopen', async () => {
      const { store, reopen } = await open();
      await store.put(makeResponse('resp_1', 'alice'));
      await store.put(makeResponse('resp_2', 'alice', { previousId: 'resp_1', depth: 2 }));
      await store.put(makeResponse('resp_gone', 'alice'));
      await store.delete('resp_gone', 'alice');
      store.recordOwner({ id: 'resp_openai', owner: 'bob', provider: 'openai', expiresAt: Date.now() + DAY });
      await store.close();
      const again = await reopen();
      expect((await again.chain('resp_2', 2)).responses.map((r) => r.id)).toEqual(['resp_1', 'resp_2']);
      expect(await again.get('resp_gone')).toBeUndefined();
      expect((await again.items('alice', ['rs_resp_1'])).get('rs_resp_1')).toMatchObject({ encrypted_content: 'sealed-resp_1' });
      expect(await again.holder('resp_openai')).toEqual({ kind: 'passthrough', owner: 'bob', provider: 'openai' });
      await again.close();
    });

    it('takes concurrent writes, each readable once its put resolves', async () => {
      const { store } = await open();
      const ids = Array.from({ length: 40 }, (_, i) => `resp_c${i}`);
      await Promise.all(ids.map(async (id) => {
        await store.put(makeResponse(id, 'alice'));
        expect((await store.get(id))?.id).toBe(id);
      }));
      const all = await Promise.all(ids.map((id) => store.get(id)));
      expect(all.map((r) => r?.response.output[1].content[0].text)).toEqual(ids.map((id) => `answer ${id}`));
    });
  });
}
