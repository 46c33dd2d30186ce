/**
 * AuditFilters as SQL, with the lowdb store's meaning (../filters.ts): `model` is exact or a `*`
 * glob, `status` an exact status or a class, `q` words that must all be substrings of the lowercase
 * search digest. Values always travel as parameters; LIKE patterns escape `%`, `_` and `\`.
 */
import type { AuditSummary, AuditFilters } from '../audit-store.ts';

/** Collects positional parameters while SQL is assembled. */
export class Params {
  readonly values: unknown[] = [];
  /** `$n` for `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * PostgreSQL text cannot hold U+0000 (a request body may): every string bound for a text column or
 * compared with one goes through this, so stored and searched values agree.
 */
export function toText(value: string): string;
export function toText(value: string | null | undefined): string | null;
export function toText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** The WHERE conditions (ANDed) for `filters`; `excludeIds` leaves out records answered from memory. */
export function filterConditions(filters: AuditFilters, params: Params, excludeIds: readonly string[] = []): string[] {
  const where: string[] = [];
  const { from, to, model, provider, status, principal, outcome, stream, q } = filters;
  if (from !== undefined) where.push(`time >= ${params.add(from)}`);
  if (to !== undefined) where.push(`time < ${params.add(to)}`);
  if (model !== undefined) {
    where.push(model.includes('*')
      ? `model LIKE ${params.add(model.split('*').map((part) => escapeLike(toText(part))).join('%'))}`
      : `model = ${params.add(toText(model))}`);
  }
  if (provider !== undefined) where.push(`provider = ${params.add(toText(provider))}`);
  if (typeof status === 'number') where.push(`status = ${params.add(status)}`);
  else if (status !== undefined) {
    const hundreds = Number(status[0]) * 100;
    where.push(`status >= ${params.add(hundreds)} AND status < ${params.add(hundreds + 100)}`);
  }
  if (principal !== undefined) where.push(`principal = ${params.add(toText(principal))}`);
  if (outcome !== undefined) where.push(`outcome = ${params.add(outcome)}`);
  if (stream !== undefined) where.push(`stream = ${params.add(stream)}`);
  // Lowercased here as the digest was (by JavaScript, not by the database's locale).
  for (const word of q?.toLowerCase().split(/\s+/).filter(Boolean) ?? []) {
    where.push(`search LIKE ${params.add(`%${escapeLike(toText(word))}%`)}`);
  }
  if (excludeIds.length) where.push(`NOT (id = ANY(${params.add(excludeIds.map((id) => toText(id)))}::text[]))`);
  return where;
}

export function whereSql(conditions: readonly string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** The index columns of one record, in the order of INSERT_COLUMNS. */
export function indexColumnsOf(summary: AuditSummary): unknown[] {
  const usage = summary.usage;
  return [
    toText(summary.id),
    summary.time,
    toText(summary.model),
    toText(summary.provider),
    Number.isInteger(summary.status) ? summary.status : 0,
    toText(summary.principal?.id),
    toText(summary.outcome),
    Boolean(summary.stream),
    finite(usage?.input_tokens),
    finite(usage?.output_tokens),
    finite(usage?.cached_tokens),
    finite(usage?.reasoning_tokens),
    finite(summary.cost),
    summary.unpriced === true,
  ];
}

export const INDEX_COLUMNS = ['id', 'time', 'model', 'provider', 'status', 'principal', 'outcome', 'stream', 'input_tokens', 'output_tokens', 'cached_tokens', 'reasoning_tokens', 'cost', 'unpriced'] as const;
export const INDEX_TYPES = ['text', 'float8', 'text', 'text', 'int4', 'text', 'text', 'bool', 'float8', 'float8', 'float8', 'float8', 'float8', 'bool'] as const;

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
