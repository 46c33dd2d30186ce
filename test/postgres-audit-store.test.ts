/**
 * The audit store on PostgreSQL (AURORA_TEST_PG_URL; see scripts/postgres.sh): the same contract
 * suite as the lowdb store, then what is PostgreSQL's own — migrations, batched writes, several
 * stores on one database, refused records, outages, batched retention.
 */
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from 'aurora/postgres';
import { openPostgresAuditStore, postgresAuditStore, type PostgresAuditStore, type PostgresAuditStoreOptions } from '../plugins/audit/store/postgres/postgres-store.ts';
import { AUDIT_MIGRATIONS } from '../plugins/audit/store/postgres/schema.ts';
import { allIds, describeAuditStoreContract } from './audit/store-contract.ts';
import { makeRecord } from './audit/helpers.ts';
import { testSchemas, type TestSchemas } from './postgres-database.ts';

let schemas: TestSchemas | undefined;
// Created on first use: without AURORA_TEST_PG_URL every test fails with the message saying how to start one.
const db = () => (schemas ??= testSchemas());
const opened: PostgresAuditStore[] = [];

async function openIn(schema: string, options: Omit<PostgresAuditStoreOptions, 'url' | 'schema'> & { log: ReturnType<typeof createMemoryLogger> }) {
  const store = await openPostgresAuditStore({ url: db().url, schema, maxConnections: 3, ...options });
  opened.push(store);
  return store;
}

async function cleanup() {
  for (const store of opened.splice(0).reverse()) await store.close().catch(() => {});
  await schemas?.dropAll();
  schemas = undefined;
}

describeAuditStoreContract('postgres', {
  async open(options) {
    const schema = db().create();
    const store = await openIn(schema, options);
    return { store, reopen: () => openIn(schema, { log: options.log }) };
  },
  cleanup,
});

describe('audit store on PostgreSQL', () => {
  const logs: Array<Record<string, unknown>> = [];
  const log = createMemoryLogger(logs);
  afterEach(async () => {
    await cleanup();
    logs.length = 0;
  });
  const errors = () => logs.filter((l) => l.level === 'error' || l.level === 'warn').map((l) => l.msg);

  it('creates its tables once, records the migration, and opens concurrently on a fresh schema', async () => {
    const schema = db().create();
    const stores = await Promise.all([1, 2, 3].map(() => openIn(schema, { log })));
    const { rows } = await db().query(`SELECT component, version FROM "${schema}".schema_migrations`);
    expect(rows).toEqual([{ component: 'audit', version: 1 }, { component: 'audit', version: 2 }]);
    const tables = await db().query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema]);
    expect(tables.rows.map((r) => r.tablename)).toEqual(['aurora_audit', 'aurora_audit_bodies', 'schema_migrations']);
    const indexes = await db().query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'aurora_audit' ORDER BY 1`, [schema]);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['aurora_audit_model', 'aurora_audit_outcome', 'aurora_audit_pkey', 'aurora_audit_principal', 'aurora_audit_provider', 'aurora_audit_search', 'aurora_audit_status', 'aurora_audit_time']);
    await stores[0]!.append([makeRecord({ id: 'req_from_first' })]);
    await stores[0]!.flush();
    expect((await stores[2]!.get('req_from_first'))?.id).toBe('req_from_first');
    expect(errors()).toEqual([]);
  });

  it('refuses a database whose audit tables are newer than it knows', async () => {
    const schema = db().create();
    await openIn(schema, { log });
    await db().query(`INSERT INTO "${schema}".schema_migrations (component, version, description) VALUES ('audit', 99, 'from the future')`);
    await expect(openIn(schema, { log })).rejects.toThrow(/schema version 99, newer than this Aurora knows \(2\)/);
  });

  it('a database at the first audit schema is migrated at start: its records stay, costs are added up from then on', async () => {
    const schema = db().create();
    const old = await openDatabase({ url: db().url, schema }, log, 'test');
    try {
      expect(await migrate(old, 'audit', AUDIT_MIGRATIONS.filter((m) => m.version === 1))).toEqual([1]);
      // A row as version 1 wrote it: no cost columns, a summary without the cost fields.
      const { cost: _cost, unpriced: _unpriced, trail: _trail, ...summary } = makeRecord({ id: 'req_before', time: 1_750_000_000_000 });
      await old.pool.query(`INSERT INTO "${schema}".aurora_audit (id, time, model, provider, status, principal, outcome, stream, input_tokens, output_tokens, cached_tokens, reasoning_tokens, search, summary)
        VALUES ($1, $2, 'gpt-4.1-mini', 'openai', 200, 'master', 'ok', false, 10, 5, 2, 1, '', $3)`, [summary.id, summary.time, JSON.stringify(summary)]);
    } finally {
      await old.close();
    }
    const store = await openIn(schema, { log });
    const versions = await db().query(`SELECT version FROM "${schema}".schema_migrations WHERE component = 'audit' ORDER BY version`);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2]);
    await store.append([makeRecord({ id: 'req_after', time: 1_750_000_000_100 }), makeRecord({ id: 'req_unpriced', time: 1_750_000_000_200, cost: null, unpriced: true })]);
    await store.flush();
    expect((await store.get('req_before'))?.cost).toBeUndefined();
    expect((await store.get('req_after'))?.cost).toBe(0.0000114);
    const stats = await store.stats({ from: 1_750_000_000_000, to: 1_750_000_060_000, bucket: 'minute', groupBy: 'model' });
    // The old record adds its tokens but no cost; the unpriced one counts as unpriced.
    expect(stats.groups).toEqual([expect.objectContaining({ key: 'gpt-4.1-mini', requests: 3, input_tokens: 30, cost_usd: 0.0000114, unpriced: 1 })]);
  });

  it('writes 1,000 appends in one INSERT, bodies gzip’d in their own table', async () => {
    const schema = db().create();
    const store = await openIn(schema, { log, flushIntervalMs: 60_000 });
    const records = Array.from({ length: 1000 }, (_, i) => makeRecord({ time: 1_750_000_000_000 + i }));
    for (const r of records) await store.append([r]);
    await store.flush();
    expect(store.counters).toMatchObject({ flushes: 1, inserts: 1 });
    const { rows } = await db().query(`SELECT count(*)::int AS n, bool_and(substring(trail from 1 for 2) = '\\x1f8b'::bytea) AS gzip FROM "${schema}".aurora_audit_bodies`);
    expect(rows[0]).toEqual({ n: 1000, gzip: true });
  });

  it('makes one gateway’s records visible to another store on the same database once written', async () => {
    const schema = db().create();
    const a = await openIn(schema, { log, flushIntervalMs: 20 });
    const b = await openIn(schema, { log });
    const record = makeRecord({ prompt: 'written by gateway a' });
    await a.append([record]);
    await expect.poll(async () => (await b.query({ q: 'gateway a' })).data.map((s) => s.id), { timeout: 3000 }).toEqual([record.id]);
    expect(await b.get(record.id)).toEqual(record);
  });

  it('keeps text with NUL characters (PostgreSQL text cannot hold them) searchable', async () => {
    const schema = db().create();
    const store = await openIn(schema, { log });
    const record = makeRecord({ model: 'weird\u0000model', prompt: 'null\u0000byte inside', principal: { id: 'p\u0000', admin: false } });
    await store.append([record]);
    await store.flush();
    const again = await openIn(schema, { log });
    expect(await again.get(record.id)).toEqual(record);
    expect((await again.query({ q: 'inside' })).data.map((s) => s.id)).toEqual([record.id]);
    expect((await again.query({ model: 'weird*' })).data.map((s) => s.id)).toEqual([record.id]);
    expect(errors()).toEqual([]);
  });

  it('drops only the record the database refuses, logs it, and writes the rest of the batch', async () => {
    const schema = db().create();
    const store = await openIn(schema, { log, flushIntervalMs: 60_000 });
    const good = [makeRecord(), makeRecord()];
    const bad = makeRecord({ status: 1e12 }); // does not fit the integer column
    await store.append([good[0]!, bad, good[1]!]);
    await store.flush();
    const again = await openIn(schema, { log });
    expect((await allIds(again)).sort()).toEqual(good.map((r) => r.id).sort());
    expect(errors()).toEqual(['audit: PostgreSQL refused a record; it is dropped']);
  });

  it('keeps records queued and listed while the database refuses writes, and writes them when it is back', async () => {
    const schema = db().create();
    const store = await openIn(schema, { log, flushIntervalMs: 10 });
    await db().query(`ALTER TABLE "${schema}".aurora_audit RENAME TO aurora_audit_away`);
    const record = makeRecord();
    await store.append([record]);
    await expect.poll(errors, { timeout: 3000 }).toContain('audit: writing records to PostgreSQL failed; they stay queued and are retried');
    expect(await store.get(record.id)).toEqual(record);
    await db().query(`ALTER TABLE "${schema}".aurora_audit_away RENAME TO aurora_audit`);
    const other = await openIn(schema, { log });
    // The retry waits at least a second.
    await expect.poll(async () => (await other.get(record.id))?.id, { timeout: 5000 }).toBe(record.id);
  });

  it('retention deletes in batches, bodies included', async () => {
    const schema = db().create();
    const store = await openIn(schema, { log, deleteBatch: 100 });
    const t0 = Date.UTC(2030, 0, 1);
    await store.append(Array.from({ length: 1050 }, (_, i) => makeRecord({ time: t0 + i })));
    await store.flush();
    const before = store.counters.deletes;
    expect(await store.deleteOlderThan(t0 + 1000)).toBe(1000);
    expect(store.counters.deletes - before).toBe(11);
    const { rows } = await db().query(`SELECT (SELECT count(*)::int FROM "${schema}".aurora_audit) AS records, (SELECT count(*)::int FROM "${schema}".aurora_audit_bodies) AS bodies`);
    expect(rows[0]).toEqual({ records: 50, bodies: 50 });
  });

  it('checks its options when the config is read, and names the option', () => {
    expect(() => postgresAuditStore({})).toThrow(/postgresAuditStore: url is required/);
    expect(() => postgresAuditStore({ url: 'postgres://x/y', maxConnections: 0 })).toThrow(/maxConnections/);
  });

  it('says which database and what failed when it cannot connect', async () => {
    await expect(openPostgresAuditStore({ url: 'postgres://aurora:secret-pw@127.0.0.1:1/none', log })).rejects.toThrow(/postgres:\/\/aurora@127\.0\.0\.1:1\/none/);
    await expect(openPostgresAuditStore({ url: 'postgres://aurora:secret-pw@127.0.0.1:1/none', log })).rejects.not.toThrow(/secret-pw/);
  });
});
