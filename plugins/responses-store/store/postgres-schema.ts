/**
 * The responses tables in PostgreSQL (component `responses` in `schema_migrations`).
 *
 *   aurora_responses        one row per stored response: who owns it, its link to the response it
 *                           continued (`previous_id`) and its chain length (`depth`), its expiry,
 *                           and its input items and response object as JSON text
 *   aurora_response_items   the items a response introduced, by (owner, item id): what an
 *                           `item_reference` reads; deleted with their response
 *   aurora_response_owners  responses a passthrough provider keeps itself: id → owner, provider
 *
 * Times are epoch milliseconds (bigint), compared with the gateway's clock as the file store does.
 */
import type { Database, Migration } from 'aurora/postgres';

export const RESPONSES_TABLE = 'aurora_responses';
export const ITEMS_TABLE = 'aurora_response_items';
export const OWNERS_TABLE = 'aurora_response_owners';

export const RESPONSES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'stored responses, their items, passthrough response owners',
    sql: (db: Database) => {
      const responses = db.table(RESPONSES_TABLE);
      const items = db.table(ITEMS_TABLE);
      const owners = db.table(OWNERS_TABLE);
      // COLLATE "C": ids and owners compare by code point, and their btree indexes serve equality.
      return `
        CREATE TABLE ${responses} (
          id text COLLATE "C" PRIMARY KEY,
          owner text COLLATE "C" NOT NULL,
          provider text NOT NULL,
          model text NOT NULL,
          previous_id text COLLATE "C",
          depth integer NOT NULL,
          created_at bigint NOT NULL,
          expires_at bigint NOT NULL,
          input text NOT NULL,
          response text NOT NULL
        );
        CREATE INDEX aurora_responses_expires ON ${responses} (expires_at);
        CREATE TABLE ${items} (
          owner text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          response_id text COLLATE "C" NOT NULL REFERENCES ${responses} (id) ON DELETE CASCADE,
          item text NOT NULL,
          PRIMARY KEY (owner, id)
        );
        CREATE INDEX aurora_response_items_response ON ${items} (response_id);
        CREATE TABLE ${owners} (
          id text COLLATE "C" PRIMARY KEY,
          owner text COLLATE "C" NOT NULL,
          provider text NOT NULL,
          expires_at bigint NOT NULL
        );
        CREATE INDEX aurora_response_owners_expires ON ${owners} (expires_at);
      `;
    },
  },
];
