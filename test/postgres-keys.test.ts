/**
 * Managed keys and shared rate limits on PostgreSQL (AURORA_TEST_PG_URL; see scripts/postgres.sh):
 * the limiter's window (the in-memory limiter's cases, on the database's counters), tpm reservations
 * for requests in flight, atomic admission from several stores at once, the schema's migrations, the
 * key store seen from two gateways, the spend ledger of budgets, the CLI on the shared store.
 */
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runKeysCommand } from '../plugins/auth/cli.ts';
import { keyStatus } from '../plugins/auth/keys.ts';
import { RESERVATION_TTL_MS, WINDOW_MS, type Reservation, type Reserved } from '../plugins/auth/limits.ts';
import { openPostgresKeyStore, postgresKeyStore } from '../plugins/auth/postgres-keys.ts';
import { KEYS_MIGRATIONS } from '../plugins/auth/postgres-schema.ts';
import { openDatabase, migrate } from 'aurora/postgres';
import { testSchemas, type TestSchemas } from './postgres-database.ts';

let schemas: TestSchemas | undefined;
// Created on first use: without AURORA_TEST_PG_URL every test fails with the message saying how to start one.
const db = () => (schemas ??= testSchemas());
const closers: Array<() => Promise<void>> = [];
const logs: Array<Record<string, unknown>> = [];
const log = createMemoryLogger(logs);

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await schemas?.dropAll();
  schemas = undefined;
  logs.length = 0;
});

async function open(schema: string, options: { watch?: boolean; pollMs?: number; now?: () => number } = {}) {
  const opened = await openPostgresKeyStore({ url: db().url, schema, maxConnections: 4, log, ...options });
  closers.push(() => opened.keys.close());
  return opened;
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('shared limiter: the sliding 60 s window, counted in PostgreSQL', () => {
  it('rpm: admits rpm requests, then refuses until the oldest leaves the window', async () => {
    const c = clock();
    const { limiter } = await open(db().create(), { now: c.now });
    const limits = { rpm: 3, tpm: null };
    expect(await limiter.admit('k', limits)).toBeUndefined();
    c.advance(10_000);
    expect(await limiter.admit('k', limits)).toBeUndefined();
    expect(await limiter.admit('k', limits)).toBeUndefined();
    c.advance(5_000);
    expect(await limiter.admit('k', limits)).toEqual({ kind: 'rpm', limit: 3, retryAfter: 45 });
    c.advance(44_500);
    expect((await limiter.admit('k', limits))?.retryAfter).toBe(1);
    c.advance(500);
    // The first request (t=0) has left the window; the two at t=10 s have not.
    expect(await limiter.admit('k', limits)).toBeUndefined();
    expect((await limiter.admit('k', limits))?.kind).toBe('rpm');
  });

  it('refused requests do not count, keys are separate, and forget() clears a key', async () => {
    const c = clock();
    const { limiter } = await open(db().create(), { now: c.now });
    const limits = { rpm: 1, tpm: null };
    expect(await limiter.admit('a', limits)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(await limiter.admit('a', limits)).toBeDefined();
    expect(await limiter.admit('b', limits)).toBeUndefined();
    c.advance(WINDOW_MS);
    expect(await limiter.admit('a', limits)).toBeUndefined();
    await limiter.forget('a');
    expect(await limiter.admit('a', limits)).toBeUndefined();
  });

  it('tpm: refuses once the tokens in the window reach tpm, until enough of them leave it', async () => {
    const c = clock();
    const { limiter } = await open(db().create(), { now: c.now });
    const limits = { rpm: null, tpm: 100 };
    expect(await limiter.admit('k', limits)).toBeUndefined();
    await limiter.addTokens('k', 60);
    c.advance(20_000);
    expect(await limiter.admit('k', limits)).toBeUndefined();
    await limiter.addTokens('k', 70); // 130 in the window: the request that crossed it completed
    c.advance(1_000);
    expect(await limiter.admit('k', limits)).toEqual({ kind: 'tpm', limit: 100, retryAfter: 39 });
    c.advance(39_000);
    expect(await limiter.admit('k', limits)).toBeUndefined();
    await limiter.addTokens('k', 0);
    await limiter.addTokens('k', Number.NaN);
  });

  it('admits exactly rpm requests when many arrive at once through several gateways', async () => {
    const schema = db().create();
    const gateways = await Promise.all([open(schema), open(schema), open(schema)]);
    const limits = { rpm: 7, tpm: null };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => gateways[i % 3]!.limiter.admit('burst', limits)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(7);
    expect(answers.filter((a) => a?.kind === 'rpm')).toHaveLength(53);
  });

  it('tokens reported by one gateway count against the key on another', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    expect(await b.limiter.admit('t', { rpm: null, tpm: 50 })).toBeUndefined();
    await a.limiter.addTokens('t', 80);
    expect((await b.limiter.admit('t', { rpm: null, tpm: 50 }))?.kind).toBe('tpm');
  });

  it('admits (and says so in the log) while the database cannot count', async () => {
    const schema = db().create();
    const { limiter } = await open(schema);
    await db().query(`DROP FUNCTION "${schema}".aurora_admit`);
    expect(await limiter.admit('k', { rpm: 1, tpm: null })).toBeUndefined();
    expect(await limiter.admit('k', { rpm: 1, tpm: null })).toBeUndefined();
    expect(logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['auth: the shared rate limiter could not count a request; requests are admitted without it meanwhile']);
  });
});

describe('shared limiter: tpm against the reservations in flight', () => {
  const held = (answer: Reserved): Reservation => {
    expect(answer.refusal).toBeUndefined();
    return answer.reservation!;
  };

  it('admits while window + reservations are below tpm; settle replaces a reservation by the tokens used', async () => {
    const c = clock();
    const { limiter } = await open(db().create(), { now: c.now });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await limiter.reserve('k', 100, 25));
    expect(answers.filter((a) => a.reservation)).toHaveLength(4);
    expect(answers.at(-1)!.refusal).toEqual({ kind: 'tpm', limit: 100, retryAfter: 60 });
    // admit() (at authentication) sees the reservations too.
    expect((await limiter.admit('k', { rpm: null, tpm: 100 }))?.kind).toBe('tpm');
    // Three finish having used 10 each; one is still in flight: 30 + 25 < 100.
    for (const a of answers.slice(0, 3)) await limiter.settle(a.reservation!, 10);
    c.advance(20_000);
    held(await limiter.reserve('k', 100, 40)); // 30 + 25 + 40 = 95
    const last = held(await limiter.reserve('k', 100, 10)); // 105: the one that crosses tpm
    // Room comes back when the 30 leave the window, 60 s after they were counted.
    expect((await limiter.reserve('k', 100, 1)).refusal).toEqual({ kind: 'tpm', limit: 100, retryAfter: 40 });
    // What is held alone fills tpm: counted as if used now, a minute.
    held(await limiter.reserve('other', 100, 100));
    expect((await limiter.reserve('other', 100, 1)).refusal?.retryAfter).toBe(60);
    // Settling frees what a request held beyond what it used.
    await limiter.settle(last, 0);
    await limiter.settle(answers[3]!.reservation!, 0);
    held(await limiter.reserve('k', 100, 1)); // 30 + 40 + 1
  });

  it('holds exactly ceil(tpm / tokens) reservations when many arrive at once through several gateways', async () => {
    const schema = db().create();
    const gateways = await Promise.all([open(schema), open(schema), open(schema)]);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => gateways[i % 3]!.limiter.reserve('burst', 100, 18)));
    expect(answers.filter((a) => a.reservation)).toHaveLength(Math.ceil(100 / 18));
    expect(answers.filter((a) => a.refusal?.kind === 'tpm')).toHaveLength(60 - Math.ceil(100 / 18));
  });

  it('a reservation never settled (its gateway died) stops counting after RESERVATION_TTL_MS; refused and settled ones hold nothing', async () => {
    const c = clock();
    const schema = db().create();
    const { limiter } = await open(schema, { now: c.now });
    held(await limiter.reserve('k', 100, 100));
    for (let i = 0; i < 5; i++) expect((await limiter.reserve('k', 100, 10)).refusal).toBeDefined();
    c.advance(RESERVATION_TTL_MS - 1000);
    expect((await limiter.reserve('k', 100, 10)).refusal).toBeDefined();
    c.advance(1000);
    const b = held(await limiter.reserve('k', 100, 10));
    await limiter.settle(b, 0);
    await limiter.settle(b, 0);
    const { rows } = await db().query(`SELECT count(*)::int AS n FROM "${schema}".aurora_key_reservations`);
    expect(rows[0]!.n).toBe(0);
  });

  it('reserves and settles (empty reservations, logged) while the database cannot count', async () => {
    const schema = db().create();
    const { limiter } = await open(schema);
    await db().query(`DROP FUNCTION "${schema}".aurora_reserve`);
    await db().query(`DROP FUNCTION "${schema}".aurora_settle`);
    const answers = await Promise.all(Array.from({ length: 5 }, () => limiter.reserve('k', 1, 100)));
    for (const a of answers) expect(a.reservation).toEqual({ key: 'k', tokens: 0, row: null });
    await limiter.settle(answers[0]!.reservation!, 500);
    expect(logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['auth: the shared rate limiter could not hold tokens for a request; requests are admitted without it meanwhile']);
  });

  it('a database at the first keys schema is migrated at start, keeping its keys and counters', async () => {
    const schema = db().create();
    const old = await openDatabase({ url: db().url, schema }, log, 'test');
    try {
      expect(await migrate(old, 'keys', KEYS_MIGRATIONS.filter((m) => m.version === 1))).toEqual([1]);
      await old.pool.query(`SELECT * FROM "${schema}".aurora_admit('k', 1, NULL, NULL)`);
    } finally {
      await old.close();
    }
    const before = await db().query(`SELECT prosrc FROM pg_proc WHERE proname = 'aurora_admit' AND pronamespace = '"${schema}"'::regnamespace`);
    const { keys, limiter } = await open(schema);
    const versions = await db().query(`SELECT version FROM "${schema}".schema_migrations WHERE component = 'keys' ORDER BY version`);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3]);
    const after = await db().query(`SELECT prosrc FROM pg_proc WHERE proname = 'aurora_admit' AND pronamespace = '"${schema}"'::regnamespace`);
    expect(after.rows[0]!.prosrc).not.toBe(before.rows[0]!.prosrc);
    expect(after.rows[0]!.prosrc).toContain('aurora_tpm_wait');
    // The request counted under version 1 still counts.
    expect((await limiter.admit('k', { rpm: 1, tpm: null }))?.kind).toBe('rpm');
    const { record } = await keys.create({ name: 'after-migration', tpm: 10 });
    held(await limiter.reserve(record.id, 10, 10));
    expect((await limiter.reserve(record.id, 10, 1)).refusal?.kind).toBe('tpm');
  });
});

describe('spend ledger on PostgreSQL (budgets)', () => {
  it('adds what requests cost per UTC day and month, atomically from several stores, and starts each period afresh', async () => {
    const schema = db().create();
    let now = Date.UTC(2026, 11, 31, 23, 59, 0);
    const [a, b] = [await open(schema, { now: () => now }), await open(schema, { now: () => now })];
    // 200 additions of $0.01 from two stores at once: the sums are exact.
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).spend.add('k1', 0.01)));
    expect((await a.spend.spent('k1')).day).toBeCloseTo(2, 10);
    expect((await b.spend.spent('k1')).month).toBeCloseTo(2, 10);
    await a.spend.add('k2', 0.5);
    expect([...(await b.spend.spentAll()).keys()].sort()).toEqual(['k1', 'k2']);
    // A new UTC day in a new month: both periods start from zero; the year's last day is kept for a while.
    now = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(await a.spend.spent('k1')).toEqual({ day: 0, month: 0 });
    await a.spend.add('k1', 1.25);
    now = Date.UTC(2027, 0, 2, 8);
    expect(await b.spend.spent('k1')).toEqual({ day: 0, month: 1.25 });
    const rows = await db().query(`SELECT period, starts::text, usd FROM "${schema}".aurora_key_spend WHERE key_id = 'k1' ORDER BY period, starts`);
    expect(rows.rows.map((r) => [r.period, r.starts])).toEqual([['day', '2026-12-31'], ['day', '2027-01-01'], ['month', '2026-12-01'], ['month', '2027-01-01']]);
    // The sweep drops days over 40 days old (2027-02-10 − 40 days = 2027-01-01) and months over 13 months old.
    now = Date.UTC(2027, 1, 10);
    await a.spend.sweep();
    const kept = await db().query(`SELECT period, starts::text FROM "${schema}".aurora_key_spend WHERE key_id = 'k1' ORDER BY period, starts`);
    expect(kept.rows.map((r) => [r.period, r.starts])).toEqual([['day', '2027-01-01'], ['month', '2026-12-01'], ['month', '2027-01-01']]);
  });

  it('keys carry budgets, which update() changes and removes; the other gateways see it', async () => {
    const schema = db().create();
    const { keys } = await open(schema);
    const other = await open(schema, { watch: true, pollMs: 50 });
    const { record } = await keys.create({ name: 'capped', budgetDay: 5, budgetMonth: 100 });
    expect(record).toMatchObject({ budgetDay: 5, budgetMonth: 100 });
    expect(await keys.update(record.id, { budgetDay: 2.5, budgetMonth: null, rpm: 10, expiresAt: '2999-01-01T00:00:00.000Z' })).toMatchObject({ budgetDay: 2.5, budgetMonth: null, rpm: 10, expiresAt: '2999-01-01T00:00:00.000Z' });
    expect(await keys.update('ffffffffffff', { name: 'nobody' })).toBeUndefined();
    await expect.poll(() => other.keys.get(record.id)?.budgetDay, { timeout: 3000 }).toBe(2.5);
  });

  it('a database at keys version 2 is migrated at start: keys stay, without a budget until one is set', async () => {
    const schema = db().create();
    const old = await openDatabase({ url: db().url, schema }, log, 'test');
    try {
      expect(await migrate(old, 'keys', KEYS_MIGRATIONS.filter((m) => m.version <= 2))).toEqual([1, 2]);
      await old.pool.query(`INSERT INTO "${schema}".aurora_keys (id, name, hash, created_at, created_by) VALUES ('0123456789ab', 'old', 'x', now(), 'cli')`);
    } finally {
      await old.close();
    }
    const { keys, spend } = await open(schema);
    expect(keys.get('0123456789ab')).toMatchObject({ name: 'old', budgetDay: null, budgetMonth: null });
    expect(await keys.update('0123456789ab', { budgetDay: 1 })).toMatchObject({ budgetDay: 1 });
    await spend.add('0123456789ab', 0.25);
    expect((await spend.spent('0123456789ab')).day).toBe(0.25);
  });
});

describe('key store on PostgreSQL', () => {
  it('creates, lists, verifies and revokes; the record survives the trip through the database', async () => {
    const { keys } = await open(db().create());
    const expiresAt = '+275760-09-13T00:00:00.000Z'; // the latest date JavaScript has
    const { key, record } = await keys.create({ name: 'alice', models: ['gpt-*', 'deepseek-v4-pro'], rpm: 60, tpm: 100_000_000_000, expiresAt, admin: true, createdBy: 'master' });
    expect(record).toMatchObject({ name: 'alice', models: ['gpt-*', 'deepseek-v4-pro'], rpm: 60, tpm: 100_000_000_000, expiresAt, admin: true, createdBy: 'master', revokedAt: null });
    expect(Math.abs(Date.parse(record.createdAt) - Date.now())).toBeLessThan(5000);
    expect(await keys.verify(key)).toEqual(record);
    expect(await keys.verify(`${key.slice(0, -2)}xx`)).toBeUndefined();
    expect(await keys.verify('ak_000000000000_nope')).toBeUndefined();
    expect(keys.list()).toEqual([record]);
    const revoked = await keys.revoke(record.id);
    expect(revoked?.revokedAt).toBeTruthy();
    expect(keyStatus(revoked!)).toBe('revoked');
    // Revoking twice keeps the first time.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await keys.revoke(record.id))?.revokedAt).toBe(revoked!.revokedAt);
    expect(await keys.revoke('000000000000')).toBeUndefined();
    expect(keys.file).toMatch(/^postgres:\/\/postgres@.+ \(table aurora_keys\)$/);
  });

  it('a key made on one gateway works on another at once; a revocation reaches it within pollMs', async () => {
    const schema = db().create();
    const a = await open(schema, { watch: true, pollMs: 50 });
    const b = await open(schema, { watch: true, pollMs: 50 });
    const { key, record } = await a.keys.create({ name: 'shared' });
    expect((await b.keys.verify(key))?.id).toBe(record.id);
    await a.keys.revoke(record.id);
    await expect.poll(() => b.keys.get(record.id)?.revokedAt, { timeout: 3000 }).toBeTruthy();
    // A listing picks up keys made elsewhere too.
    const other = await a.keys.create({ name: 'later' });
    await expect.poll(() => b.keys.list().map((k) => k.id).sort(), { timeout: 3000 }).toEqual([record.id, other.record.id].sort());
  });

  it('`node core keys` works on the shared store', async () => {
    const schema = db().create();
    const factory = postgresKeyStore({ url: db().url, schema });
    const openCli = () => factory.openKeyStore({ watch: false });
    let out = '';
    let err = '';
    const io = { dir: '/nonexistent', open: openCli, out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    expect(await runKeysCommand(['create', '--name', 'ci-bot', '--rpm', '5', '--json'], io)).toBe(0);
    const created = JSON.parse(out);
    expect(created).toMatchObject({ name: 'ci-bot', rpm: 5, createdBy: 'cli', status: 'active' });
    const { keys } = await open(schema);
    expect((await keys.verify(created.key))?.id).toBe(created.id);
    out = '';
    expect(await runKeysCommand(['revoke', created.id], io)).toBe(0);
    expect(out).toContain(`revoked ${created.id}`);
    expect(await runKeysCommand(['revoke', 'ffffffffffff'], io)).toBe(1);
    expect(err).toMatch(/no key with id "ffffffffffff" in postgres:\/\/.+\(table aurora_keys\)/);
    const badIo = { ...io, open: () => postgresKeyStore({ url: 'postgres://x:pw@127.0.0.1:1/none' }).openKeyStore({ watch: false }) };
    err = '';
    expect(await runKeysCommand(['list'], badIo)).toBe(1);
    expect(err).toMatch(/cannot open the key store in postgres:\/\/x@127\.0\.0\.1:1\/none/);
    expect(err).not.toContain('pw');
  });
});
