/**
 * Budgets: what a key (or the master key's traffic) may spend per UTC calendar day and month, in
 * US dollars, against what its requests cost (the core's `record.cost`, docs/costs.md).
 *
 * Spend is counted when a request ends (onAudit), so the request that crosses a limit is served
 * whole and the next one is refused; streams already running when the limit is crossed finish.
 * A request that would start with the day's or the month's spend at or over its limit gets a 429
 * `budget_exceeded` saying which limit and when it resets. The ledger keeping the spend is the
 * file store's (`spend.json`, spend-file.ts) or PostgreSQL's (postgres-spend.ts).
 */
import { GatewayError, type OpenAIErrorBody } from 'aurora';

/** USD spent in the current UTC day and month. */
export interface Spent {
  day: number;
  month: number;
}

/** Where spend is counted. */
export interface SpendLedger {
  /** What `id` has spent today and this month (UTC). */
  spent(id: string): Spent | Promise<Spent>;
  /** Every key's spend today and this month, for listings (ids without spend are absent). */
  spentAll(): Map<string, Spent> | Promise<Map<string, Spent>>;
  /** Count `usd` against `id`, in the current UTC day and month. */
  add(id: string, usd: number): void | Promise<void>;
  /** Write what is still held; stop timers. */
  close(): Promise<void>;
}

/** USD per UTC day and per UTC month; null: no limit. */
export interface Budget {
  day: number | null;
  month: number | null;
}

export const NO_SPEND: Readonly<Spent> = Object.freeze({ day: 0, month: 0 });

/** `2026-12-04`: the UTC day of epoch ms `at`. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `2026-12`: the UTC month of epoch ms `at`. */
export function utcMonth(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** When the UTC day of `at` ends. */
export function nextUtcDay(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** When the UTC month of `at` ends. */
export function nextUtcMonth(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export interface Overrun {
  period: 'day' | 'month';
  limit: number;
  spent: number;
  /** Epoch ms when the limit's period ends. */
  resetsAt: number;
}

/**
 * The limit a request must not start over: the month's when both are spent (the day's reset would
 * not help), else whichever is; undefined when neither is.
 */
export function overrun(budget: Budget, spent: Spent, now: number): Overrun | undefined {
  if (budget.month !== null && spent.month >= budget.month) return { period: 'month', limit: budget.month, spent: spent.month, resetsAt: nextUtcMonth(now) };
  if (budget.day !== null && spent.day >= budget.day) return { period: 'day', limit: budget.day, spent: spent.day, resetsAt: nextUtcDay(now) };
  return undefined;
}

/** `$5.00`, or more decimals for amounts under a cent. */
export function formatUsd(usd: number): string {
  return usd !== 0 && Math.abs(usd) < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/**
 * The refusal. 429 in the OpenAI shape with code `budget_exceeded` and, for the Codex CLI, type
 * `usage_limit_reached` and `resets_at` (epoch seconds): Codex then shows "You've hit your usage
 * limit. Try again at <reset time>." and stops, where a plain 429 would only say "exceeded retry
 * limit, last status: 429". No `Retry-After` (Codex waits that long and retries, five times:
 * hours for a daily budget), and `x-should-retry: false`, which the OpenAI and Anthropic SDKs (and
 * so Claude Code) honour instead of retrying a refusal that holds until the reset.
 */
export class BudgetExceededError extends GatewayError {
  readonly resetsAt: number;

  constructor(whose: string, over: Overrun) {
    const limit = over.period === 'day' ? 'daily' : 'monthly';
    super('AURORA_ERR_BUDGET_EXCEEDED', {
      message: `${whose} has spent ${formatUsd(over.spent)} of its ${limit} budget of ${formatUsd(over.limit)} (UTC ${over.period}); it resets at ${new Date(over.resetsAt).toISOString()}.`,
      headers: { 'x-should-retry': 'false' },
    });
    this.resetsAt = over.resetsAt;
  }

  override toJSON(): OpenAIErrorBody {
    const body = super.toJSON();
    (body.error as OpenAIErrorBody['error'] & { resets_at: number }).resets_at = Math.floor(this.resetsAt / 1000);
    return body;
  }
}
