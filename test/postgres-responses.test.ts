/**
 * The responses store on PostgreSQL (AURORA_TEST_PG_URL; see scripts/postgres.sh): the same contract
 * suite as the file store, then two gateways on one database, where a response made through one is
 * continued, read and deleted through the other the moment its client has it.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger, createTestGateway, type TestGateway } from 'aurora/testing';
import auth, { postgresKeyStore } from '../plugins/auth/index.ts';
import deepseek from '../plugins/deepseek/index.ts';
import openai from '../plugins/openai/index.ts';
import responsesStore, { openPostgresResponseStore, postgresResponseStore, type PostgresResponseStore } from '../plugins/responses-store/index.ts';
import { describeResponseStoreContract } from './responses/store-contract.ts';
import { testSchemas, type TestSchemas } from './postgres-database.ts';
import { emulatedUpstream, MASTER_KEY, UPSTREAM_KEY } from './helpers.ts';

let schemas: TestSchemas | undefined;
// Created on first use: without AURORA_TEST_PG_URL every test fails with the message saying how to start one.
const db = () => (schemas ??= testSchemas());
const opened: PostgresResponseStore[] = [];
const cleanup: Array<() => Promise<unknown>> = [];

async function dropAll() {
  while (cleanup.length) await cleanup.pop()!();
  for (const store of opened.splice(0).reverse()) await store.close().catch(() => {});
  await schemas?.dropAll();
  schemas = undefined;
}

describeResponseStoreContract('postgres', {
  async open({ log }) {
    const schema = db().create();
    const openIn = async () => {
      const store = await openPostgresResponseStore({ url: db().url, schema, maxConnections: 3, log, flushIntervalMs: 10 });
      opened.push(store);
      return store;
    };
    return { store: await openIn(), reopen: openIn };
  },
  cleanup: dropAll,
});

const upstream = emulatedUpstream();

/** A gateway as each instance behind a load balancer runs it: keys and responses in PostgreSQL. */
async function gateway(schema: string): Promise<TestGateway> {
  const url = db().url;
  const gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, store: postgresKeyStore({ url, schema, maxConnections: 2, pollMs: 100 }) }),
      ...responsesStore({ store: postgresResponseStore({ url, schema, maxConnections: 3, flushIntervalMs: 20 }) }),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: upstream.mock.url }),
      openai({ baseUrl: `${upstream.mock.url}/v1`, apiKey: UPSTREAM_KEY }),
    ],
  });
  cleanup.push(() => gw.close());
  return gw;
}

const tools = [{ type: 'function' as const, name: 'exec_command', description: 'run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false }];

describe('two gateways on one database', () => {
  afterEach(dropAll);

  it('a response made through one is continued through the other at once, its reasoning replayed', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const viaA = new OpenAI({ apiKey: MASTER_KEY, baseURL: a.baseUrl, maxRetries: 0 });
    const viaB = new OpenAI({ apiKey: MASTER_KEY, baseURL: b.baseUrl, maxRetries: 0 });

    upstream.mock.enqueue({ reasoning: 'I need to list the folder first.', toolCalls: [{ id: 'call_ls', name: 'exec_command', arguments: '{"cmd":"ls"}' }] });
    const first = await viaA.responses.stream({ model: 'deepseek-v4-pro', input: 'What is in this folder?', tools }).finalResponse();
    expect(first.output.map((i) => i.type)).toEqual(['reasoning', 'function_call']);

    // No wait: the stream's last event came after the row was committed.
    upstream.mock.enqueue({ content: 'Two files.' });
    const second = await viaB.responses.create({ model: 'deepseek-v4-pro', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_ls', output: 'a.txt b.txt' }], tools });
    expect(second.output_text).toBe('Two files.');
    expect(second.previous_response_id).toBe(first.id);
    const sent = upstream.mock.requests.at(-1)!.body;
    expect(sent.messages).toEqual([
      { role: 'user', content: 'What is in this folder?' },
      expect.objectContaining({ role: 'assistant', reasoning_content: 'I need to list the folder first.', tool_calls: [expect.objectContaining({ id: 'call_ls' })] }),
      { role: 'tool', tool_call_id: 'call_ls', content: 'a.txt b.txt' },
    ]);

    // Read back through the first gateway, deleted through the second, gone for both.
    expect((await viaA.responses.retrieve(second.id)).output_text).toBe('Two files.');
    const items = await viaA.responses.inputItems.list(second.id, { order: 'asc' });
    expect(items.data.map((i) => i.type)).toEqual(['message', 'reasoning', 'function_call', 'function_call_output']);
    await viaB.responses.delete(first.id);
    await expect(viaA.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(viaA.responses.create({ model: 'deepseek-v4-pro', previous_response_id: second.id, input: 'and now?' }))
      .rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it('a passthrough response is known to the other gateway as its provider’s and its key’s', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const created = await (await fetch(`${a.baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok' }),
    })).json();
    expect(created.id).toMatch(/^resp_/);
    // Owner records are written in the background (≤ flushIntervalMs): the other gateway soon knows.
    const viaB = new OpenAI({ apiKey: MASTER_KEY, baseURL: b.baseUrl, maxRetries: 0 });
    await expect.poll(async () => {
      try {
        await viaB.responses.create({ model: 'deepseek-v4-pro', previous_response_id: created.id, input: 'go on' });
        return 'accepted';
      } catch (err) {
        return (err as { message: string }).message;
      }
    }, { timeout: 5000 }).toMatch(/answered by openai, which keeps it itself/);
  });
});

describe('postgres store', () => {
  afterEach(dropAll);

  it('refuses to open tables migrated by a newer Aurora', async () => {
    const schema = db().create();
    const log = createMemoryLogger([]);
    const store = await openPostgresResponseStore({ url: db().url, schema, maxConnections: 2, log });
    await store.close();
    await db().query(`INSERT INTO "${schema}".schema_migrations (component, version, description) VALUES ('responses', 99, 'from the future')`);
    await expect(openPostgresResponseStore({ url: db().url, schema, maxConnections: 2, log })).rejects.toThrow(/schema version 99, newer than this Aurora knows/);
  });
});
