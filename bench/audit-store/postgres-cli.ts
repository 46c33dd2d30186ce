/**
 * Runs the PostgreSQL audit store benchmark and prints a table. Needs a database (a throwaway one:
 * `eval "$(scripts/postgres.sh start --durable)"`); bundle first, as for lowdb-cli.ts:
 *   npx esbuild bench/audit-store/postgres-cli.ts --bundle --platform=node --format=esm --packages=external \
 *     --alias:aurora=./core/index.ts --outfile=node_modules/.cache/audit-pg-bench.mjs \
 *     && node node_modules/.cache/audit-pg-bench.mjs [sizes…]        # default 100000 1000000
 * The URL comes from AURORA_BENCH_PG_URL, else AURORA_TEST_PG_URL.
 */
import { benchPostgresAuditStore } from './postgres.ts';

const url = process.env.AURORA_BENCH_PG_URL ?? process.env.AURORA_TEST_PG_URL;
if (!url) {
  console.error('Set AURORA_BENCH_PG_URL (or AURORA_TEST_PG_URL): eval "$(scripts/postgres.sh start --durable)"');
  process.exit(2);
}
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const results = await benchPostgresAuditStore(url, sizes.length ? sizes : undefined, (line) => console.error(line));
const round = (n: number) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10);
console.table(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))));
