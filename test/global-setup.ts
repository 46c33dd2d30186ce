/**
 * vitest global setup: the PostgreSQL suites need a database. When AURORA_TEST_PG_URL is not set
 * and a PostgreSQL server is installed, start a throwaway cluster on loopback for this run (and stop
 * it after), so a plain `npm test` is complete. Without PostgreSQL those suites fail with a message
 * saying how to install it; they never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/postgres.sh', import.meta.url));
const STATE = join(process.env.TMPDIR ?? '/tmp', `aurora-postgres-vitest-${process.pid}.state`);

function postgresInstalled(): boolean {
  const lib = '/usr/lib/postgresql';
  return existsSync(lib) && readdirSync(lib).some((v) => existsSync(join(lib, v, 'bin', 'initdb')));
}

export default function setup(): (() => void) | undefined {
  if (process.env.AURORA_TEST_PG_URL || !postgresInstalled()) return undefined;
  const env = { ...process.env, AURORA_PG_STATE: STATE };
  const out = execFileSync('bash', [SCRIPT, 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const url = /AURORA_TEST_PG_URL=(\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`scripts/postgres.sh start printed no URL:\n${out}`);
  // Set before the test workers start, so every worker inherits it.
  process.env.AURORA_TEST_PG_URL = url;
  return () => {
    execFileSync('bash', [SCRIPT, 'stop'], { env, stdio: 'ignore' });
  };
}
