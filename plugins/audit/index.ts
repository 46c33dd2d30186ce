/**
 * audit: keeps every exchange (who, what model, how long, tokens, and the four bodies), scrubbed
 * of secrets, in an AuditStore; enforces retention; serves the admin API and its live tail.
 */
import { StartupError, definePlugin, type Plugin } from 'aurora';
import { createAuditRoutes } from './api/routes.ts';
import { createTailHub, type TailHub } from './api/tail.ts';
import { dashboardRoutes } from './dashboard.ts';
import { AUDIT_DEFAULTS, auditOptionsSchema, type AuditOptions } from './options.ts';
import { prepareRecord } from './record/prepare.ts';
import { createRedactor, type Redact } from './record/redact.ts';
import { searchTextOf } from './record/search-text.ts';
import type { AuditStore, SharedAuditStore } from './store/audit-store.ts';
import { summaryOf } from './store/filters.ts';
import { createAuditStore } from './store/lowdb/lowdb-store.ts';
import { startRetention, type Retention } from './store/retention.ts';

export type { AuditOptions } from './options.ts';
export { auditOptionsSchema } from './options.ts';
export type * from './store/audit-store.ts';
export { decodeCursor, encodeCursor } from './store/audit-store.ts';
export { compareNewestFirst, compileFilters, createStatsCounter, summaryOf } from './store/filters.ts';
export { createAuditStore, LowdbAuditStore, type AuditStoreOptions } from './store/lowdb/lowdb-store.ts';
export { openPostgresAuditStore, postgresAuditStore, PostgresAuditStore, type PostgresAuditStoreOptions } from './store/postgres/postgres-store.ts';

export default function audit(options: AuditOptions = {}): Plugin {
  const maxBodyBytes = options.maxBodyBytes ?? AUDIT_DEFAULTS.maxBodyBytes;
  let redact: Redact;
  try {
    redact = createRedactor(options.redact);
  } catch (err) {
    throw new StartupError('AURORA_ERR_CONFIG_INVALID', `audit: ${(err as Error).message}`);
  }
  let store: AuditStore | undefined;
  let retention: Retention | undefined;
  let tail: TailHub | undefined;

  return definePlugin({
    name: 'audit',
    options,
    optionsSchema: auditOptionsSchema,
    async setup(gateway) {
      gateway.captureBodies(maxBodyBytes);
      const given = options.store;
      store = given && 'openAuditStore' in given ? await given.openAuditStore({ log: gateway.log }) : given ?? (await createAuditStore({
        dir: options.dir ?? AUDIT_DEFAULTS.dir,
        flushIntervalMs: options.flushIntervalMs ?? AUDIT_DEFAULTS.flushIntervalMs,
        log: gateway.log,
      }));
      retention = await startRetention(store, { retentionDays: options.retentionDays ?? AUDIT_DEFAULTS.retentionDays, log: gateway.log });
      tail = createTailHub();
      if ('followOthers' in store) {
        // Several gateways on one store: the tail shows the records of all of them, not only this one's.
        const hub = tail;
        (store as SharedAuditStore).followOthers((summary, text) => hub.publish(summary, () => text), () => hub.subscribers > 0);
      }
      for (const route of createAuditRoutes(gateway, { store, tail })) gateway.addRoute(route);
      // The dashboard pages carry no data (it comes from the API with the key), so they need no auth.
      for (const route of dashboardRoutes()) gateway.addRoute(route);
      gateway.closing.addEventListener('abort', () => tail?.close(), { once: true });
    },
    onAudit(record) {
      if (!store) return;
      const clean = prepareRecord(record, redact, maxBodyBytes);
      let text: string | undefined;
      tail?.publish(summaryOf(clean), () => (text ??= searchTextOf(clean)));
      return store.append([clean]);
    },
    async close() {
      retention?.stop();
      tail?.close();
      await store?.close();
      store = undefined;
    },
  });
}
