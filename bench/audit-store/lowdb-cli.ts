/**
 * Runs the default (lowdb) audit store benchmark and prints a table. Node 20 cannot run .ts, so
 * bundle first, to a file under node_modules/ so the packages left external (lowdb…) resolve
 * from it:
 *   npx esbuild bench/audit-store/lowdb-cli.ts --bundle --platform=node --format=esm --packages=external \
 *     --alias:aurora=./core/index.ts --outfile=node_modules/.cache/audit-bench.mjs \
 *     && node node_modules/.cache/audit-bench.mjs [sizes…]
 */
import { benchAuditStore } from './lowdb.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const results = await benchAuditStore(sizes.length ? sizes : undefined);
const round = (n: number) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10);
console.table(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))));
