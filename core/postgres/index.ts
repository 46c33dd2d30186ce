/**
 * `aurora/postgres`: the PostgreSQL connection and migrations that stores in plugins share (the
 * audit and auth plugins keep their records and keys with it). A library, not a plugin: each store
 * opens its own small pool with it.
 */
export { checkPostgresOptions, describeUrl, openDatabase, quoteIdent, sqlState } from './database.ts';
export type { Database, PostgresOptions } from './database.ts';
export { migrate } from './migrate.ts';
export type { Migration } from './migrate.ts';
