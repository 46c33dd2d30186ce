/**
 * For the PostgreSQL test suites: the database comes from AURORA_TEST_PG_URL, and each suite works in
 * schemas of its own (`aurora_test_<random>`), dropped afterwards, so files run in parallel on one
 * database. Without the variable the suites fail, and say how to start one: a green run must mean
 * the PostgreSQL stores were tested.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from 'aurora/postgres';

export const TEST_URL_VARIABLE = 'AURORA_TEST_PG_URL';

/** The test database URL, or an error that says how to get one. */
export function testDatabaseUrl(): string {
  const url = process.env[TEST_URL_VARIABLE];
  if (url) return url;
  throw new Error(
    `${TEST_URL_VARIABLE} is not set: the PostgreSQL tests need a database. Start a throwaway one with\n`
    + '  eval "$(scripts/postgres.sh start)"      # needs PostgreSQL: apt-get install -y postgresql\n'
    + `then run the tests again in that shell (scripts/postgres.sh stop removes it). ${TEST_URL_VARIABLE}=postgres://… works for any database you may wipe.`,
  );
}

export interface TestSchemas {
  url: string;
  /** A new schema name (created by the store that first uses it). */
  create(): string;
  /** Drop every schema handed out, and close the admin connection. */
  dropAll(): Promise<void>;
  /** Run SQL as the test's admin connection (to inspect or break things). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

export function testSchemas(): TestSchemas {
  const url = testDatabaseUrl();
  const names: string[] = [];
  let pool: pg.Pool | undefined;
  const admin = () => (pool ??= new pg.Pool({ connectionString: url, max: 2 }));
  return {
    url,
    create() {
      const name = `aurora_test_${randomBytes(6).toString('hex')}`;
      names.push(name);
      return name;
    },
    query: (sql, params) => admin().query(sql, params),
    async dropAll() {
      for (const name of names.splice(0)) await admin().query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
      await pool?.end();
      pool = undefined;
    },
  };
}
