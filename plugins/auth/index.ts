/**
 * auth: who may call the gateway. The master key comes from AURORA_MASTER_KEY (or `masterKey`);
 * it is compared in constant time. Without one the gateway is open, so it refuses to listen
 * beyond loopback and says so loudly. Managed keys (`ak_<id>_<secret>`, stored hashed) add
 * per-key model allow-lists, rpm/tpm limits and budgets; they are made through the admin API or
 * `node core keys`. Wiring only: the store is keys.ts, the limits limits.ts (tokens counted: tokens.ts),
 * budgets spend.ts (counted in spend-file.ts or postgres-spend.ts), the routes api.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { compileModelPatterns, definePlugin, GatewayError, presentedKey, type AuditRecord, type Plugin, type Principal, type RequestContext } from 'aurora';
import { createKeyRoutes } from './api.ts';
import { runKeysCommand } from './cli.ts';
import { keyStatus, openKeyStore, type KeyRecord, type KeyStore } from './keys.ts';
import { createLimiter, type RateLimiter, type Refusal, type Reservation } from './limits.ts';
import { authOptionsSchema, DEFAULT_DIR, type AuthOptions } from './options.ts';
import { KEY_PREFIX } from './secret.ts';
import { BudgetExceededError, overrun, type Budget, type SpendLedger } from './spend.ts';
import { openFileSpendLedger } from './spend-file.ts';
import { reservationFor, tokensUsed } from './tokens.ts';

export { authOptionsSchema } from './options.ts';
export type { AuthOptions } from './options.ts';
export type { KeyChanges, KeyMetadata, KeyRecord, KeyStore } from './keys.ts';
export type { KeyListing } from './api.ts';
export type { KeyStoreFactory, OpenedKeyStore } from './options.ts';
export type { RateLimiter, Refusal, Reservation, Reserved } from './limits.ts';
export type { Budget, Spent, SpendLedger } from './spend.ts';
export { openPostgresKeyStore, postgresKeyStore, type PostgresKeyStoreOptions } from './postgres-keys.ts';

const MASTER: Principal = Object.freeze({ id: 'master', name: 'master key', admin: true });
const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', name: 'anonymous (no master key set)', admin: true });

export default function auth(options: AuthOptions = {}): Plugin {
  const dir = options.dir ?? DEFAULT_DIR;
  let masterDigest: Buffer | undefined;
  let store: KeyStore | undefined;
  let limiter: RateLimiter | undefined;
  let spend: SpendLedger | undefined;
  const masterBudget: Budget | undefined = options.masterBudget && { day: options.masterBudget.day ?? null, month: options.masterBudget.month ?? null };
  let unpricedWarned = 0;
  // Which managed key a principal stands for, so resolveModel can check its allow-list without the
  // principal carrying anything but {id, name, admin}.
  const grants = new WeakMap<Principal, KeyRecord>();
  const matchers = new WeakMap<KeyRecord, (model: string) => boolean>();
  // The tokens a request of a tpm-limited key holds from transformRequest until onAudit settles them.
  const reservations = new WeakMap<RequestContext, Reservation>();

  /**
   * The managed key of a generation request (Responses, Chat) when it has a tpm limit and a limiter
   * to count it; listing models uses no tokens.
   */
  function tpmKey(ctx: RequestContext): (KeyRecord & { tpm: number }) | undefined {
    if (!limiter || !ctx.principal || !generates(ctx)) return undefined;
    const record = grants.get(ctx.principal);
    return record?.tpm != null ? (record as KeyRecord & { tpm: number }) : undefined;
  }

  /** The budget of a managed key, when it has one. */
  function keyBudget(record: KeyRecord): Budget | undefined {
    const day = record.budgetDay ?? null;
    const month = record.budgetMonth ?? null;
    return day === null && month === null ? undefined : { day, month };
  }

  /** The budget the caller's spend counts against: the master key's, or a managed key's. */
  function budgetOf(principal: Principal | undefined): Budget | undefined {
    if (principal === MASTER) return masterBudget;
    const record = principal && grants.get(principal);
    return record ? keyBudget(record) : undefined;
  }

  /**
   * Whose spend is counted: every managed key's (so a budget set later counts the period so far,
   * and listings show what each key spent), and the master key's only when it has a budget.
   */
  function spends(principal: Principal | undefined): boolean {
    return principal === MASTER ? masterBudget !== undefined : principal !== undefined && grants.has(principal);
  }

  /** Refuse a request that would start with its day's or month's budget spent. */
  async function checkBudget(id: string, whose: string, budget: Budget): Promise<void> {
    if (!spend) return;
    const over = overrun(budget, await spend.spent(id), Date.now());
    if (over) throw new BudgetExceededError(whose, over);
  }

  async function admit(record: KeyRecord, ctx: RequestContext): Promise<Principal> {
    const status = keyStatus(record);
    if (status !== 'active') {
      // Said only to a caller who holds the right secret: it tells them nothing they could not try.
      const message = status === 'revoked' ? `This API key (${record.id}) was revoked` : `This API key (${record.id}) expired at ${record.expiresAt}`;
      throw new GatewayError('AURORA_ERR_INVALID_API_KEY', { message });
    }
    const principal: Principal = { id: record.id, name: record.name, admin: record.admin };
    grants.set(principal, record);
    // Known before the checks, so a request refused for its budget or rate is recorded as its caller's.
    ctx.principal = principal;
    // Limits count calls that generate: not the admin API (which authenticates through this hook
    // too), not listing models, not counting tokens (Claude Code's /context sends dozens at once).
    if (generates(ctx)) {
      // A spent budget first: a refused request takes no rpm slot.
      const budget = keyBudget(record);
      if (budget) await checkBudget(record.id, `This API key (${record.id})`, budget);
      // rpm is counted here, before the body is read; tpm is checked here too (window + in flight), so
      // a key already over it is refused without reading the body or spending an rpm slot.
      const refused = await limiter?.admit(record.id, record);
      if (refused) throw rateLimited(record.id, refused);
    }
    return principal;
  }

  /** Add what the request cost to its caller's spend. */
  function countSpend(record: AuditRecord, ctx: RequestContext): void | Promise<void> {
    const id = record.principal?.id;
    if (!spend || !id || !spends(ctx.principal)) return;
    if (record.cost !== null) return spend.add(id, record.cost);
    if (record.unpriced && budgetOf(ctx.principal) && Date.now() - unpricedWarned > UNPRICED_WARN_EVERY_MS) {
      unpricedWarned = Date.now();
      ctx.log.warn('auth: a request of a caller with a budget used a model without a price: its cost is not counted; price the model in the config\'s prices', { principal: id, model: record.upstreamModel, provider: record.provider });
    }
  }

  /** The tpm side: a request's reservation becomes what it used. */
  function settleTokens(record: AuditRecord, ctx: RequestContext): void | Promise<void> {
    const reservation = reservations.get(ctx);
    reservations.delete(ctx);
    if (!limiter) return;
    if (reservation) return limiter.settle(reservation, tokensUsed(record));
    if (tpmKey(ctx) === undefined) return;
    // Refused before it reserved (model, body): nothing went upstream, unless usage says otherwise.
    const id = record.principal?.id;
    const reported = record.usage?.total_tokens;
    if (id && reported) return limiter.addTokens(id, reported);
  }

  return definePlugin({
    name: 'auth',
    // Must answer onAuth before any other plugin can claim the request, and check the model
    // allow-list in resolveModel before any provider claims the model.
    enforce: 'pre',
    options,
    optionsSchema: authOptionsSchema,
    commands: {
      keys: {
        description: 'create, list and revoke managed API keys (node core keys --help)',
        run: (args) => runKeysCommand(args, { dir, open: options.store && (() => options.store!.openKeyStore({ watch: false })) }),
      },
    },
    async setup(gateway) {
      const key = options.masterKey ?? process.env.AURORA_MASTER_KEY;
      if (!key) {
        gateway.log.warn('AURORA_MASTER_KEY is not set: ANY local process can use this gateway and its provider keys. Listening on loopback only. Set AURORA_MASTER_KEY to require a key.');
        gateway.restrictToLoopback('AURORA_MASTER_KEY is not set');
      } else {
        gateway.addSecret(key);
        masterDigest = digest(key);
      }
      const watch = options.watch ?? true;
      if (options.store) {
        // A shared store brings its own limiter (and spend ledger): limits then hold across every gateway on it.
        ({ keys: store, limiter, spend } = await options.store.openKeyStore({ watch, log: gateway.log }));
      } else {
        store = await openKeyStore(dir, { watch, log: gateway.log });
        limiter = createLimiter();
      }
      spend ??= await openFileSpendLedger(dir, { log: gateway.log });
      const limits = limiter;
      const onRevoke = (r: KeyRecord) => void Promise.resolve(limits.forget(r.id)).catch((err) => gateway.log.warn('auth: could not clear the limits of a revoked key', { id: r.id, err }));
      for (const route of createKeyRoutes(gateway, { store, spend, onRevoke })) gateway.addRoute(route);
    },
    describe: () => ({
      notes: [
        masterDigest ? 'auth: master key required (Authorization: Bearer or x-api-key); managed keys: node core keys create' : 'auth: OFF, AURORA_MASTER_KEY is not set (loopback only)',
        ...(masterBudget ? [`auth: the master key's traffic has a budget of ${[masterBudget.day !== null && `$${masterBudget.day} a day`, masterBudget.month !== null && `$${masterBudget.month} a month`].filter(Boolean).join(' and ')} (UTC)`] : []),
      ],
    }),
    async onAuth(headers, ctx) {
      const presented = presentedKey(headers);
      // Digests have equal length whatever was sent, so the comparison time says nothing about the key.
      if (presented !== undefined && masterDigest && timingSafeEqual(digest(presented), masterDigest)) {
        if (masterBudget && generates(ctx)) {
          ctx.principal = MASTER;
          await checkBudget(MASTER.id, "The master key's traffic", masterBudget);
        }
        return MASTER;
      }
      if (presented?.startsWith(KEY_PREFIX) && store) {
        let record: KeyRecord | undefined;
        try {
          record = await store.verify(presented);
        } catch (err) {
          // The key may well be valid: say the store is down (503, retried by clients), not 401 or 500.
          ctx.log.error('auth: the key store could not be read', { err });
          throw new GatewayError('AURORA_ERR_STORE_UNAVAILABLE', { args: ['key'], headers: { 'retry-after': '1' }, cause: err });
        }
        if (record) return admit(record, ctx);
      }
      return masterDigest ? undefined : ANONYMOUS;
    },
    resolveModel(model, ctx) {
      // GET /v1/models has no model (''): listing is not using.
      const record = model && ctx.principal ? grants.get(ctx.principal) : undefined;
      if (!record?.models) return undefined;
      let allows = matchers.get(record);
      if (!allows) matchers.set(record, (allows = compileModelPatterns(record.models)));
      // The client's own name counts too: a key allowed an alias may use what the routing serves
      // it with (the alias's model, its fallbacks) — the routing behind a name is the operator's.
      const asked = ctx.body?.model;
      if (allows(model) || (typeof asked === 'string' && asked !== model && allows(asked))) return undefined;
      throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', {
        param: 'model',
        message: `This API key may not use the model "${model}"; it is allowed: ${record.models.join(', ')}`,
      });
    },
    // A request of a tpm-limited key reserves its estimated tokens once its body is known, and is
    // refused while the key's window plus what is in flight is at or over tpm. Runs before provider
    // plugins (enforce: 'pre'); the filter keeps it off every other request.
    transformRequest: {
      filter: (ctx) => tpmKey(ctx) !== undefined,
      async handler(request, ctx) {
        const record = tpmKey(ctx);
        // Once per request: a fallback attempt runs the transforms again, and holds what the first reserved.
        if (!record || !limiter || reservations.has(ctx)) return request;
        const answer = await limiter.reserve(record.id, record.tpm, reservationFor(ctx));
        if (answer.refusal) throw rateLimited(record.id, answer.refusal);
        reservations.set(ctx, answer.reservation);
        return request;
      },
    },
    // When the request ends, however it ends, its reservation is replaced by what it used (reported
    // usage, else an estimate from the bytes that went through: tokens.ts). The filter must accept
    // the request before it holds a reservation: the core decides from it, before transformRequest,
    // to read usage (and to ask a Chat stream for it). Other requests need no audit record from us.
    // What each request of a managed key (or of the master key, when it has a budget) cost is counted, however it ended.
    onAudit: {
      filter: (ctx) => reservations.has(ctx) || tpmKey(ctx) !== undefined || spends(ctx.principal),
      handler(record, ctx) {
        const counted = countSpend(record, ctx);
        const settled = settleTokens(record, ctx);
        return counted && settled ? Promise.all([counted, settled]).then(() => undefined) : counted ?? settled;
      },
    },
    async close() {
      await spend?.close();
      spend = undefined;
      await store?.close();
      store = undefined;
    },
  });
}

const UNPRICED_WARN_EVERY_MS = 60_000;

/** Calls that reach a provider and may use tokens: the model APIs and the rest of the OpenAI API, not listing models or counting tokens. */
function generates(ctx: RequestContext): boolean {
  return ctx.endpoint !== null && ctx.endpoint !== 'models' && ctx.endpoint !== 'messages.count_tokens';
}

function rateLimited(id: string, refused: Refusal): GatewayError {
  const unit = refused.kind === 'rpm' ? 'requests' : 'tokens';
  return new GatewayError('AURORA_ERR_RATE_LIMITED', {
    message: `Rate limit reached for key ${id}: ${refused.limit} ${unit} per minute. Retry in ${refused.retryAfter} s.`,
    headers: { 'retry-after': String(refused.retryAfter) },
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
