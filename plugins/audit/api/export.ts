/**
 * Export of summaries as JSON lines or CSV, streamed page by page (newest first) so an export of
 * 100k records never sits in memory whole, and stops when the client goes away.
 */
import type { AuditFilters, AuditStore, AuditSummary } from '../store/audit-store.ts';

export type ExportFormat = 'jsonl' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const PAGE = 500;
const encoder = new TextEncoder();

/** One row per summary; nested fields flattened, annotations kept as JSON. */
export const CSV_COLUMNS: ReadonlyArray<[string, (s: AuditSummary) => string | number | boolean | null]> = [
  ['id', (s) => s.id],
  ['time', (s) => new Date(s.time).toISOString()],
  ['duration_ms', (s) => s.durationMs],
  ['ttfb_ms', (s) => s.ttfbMs],
  ['method', (s) => s.method],
  ['path', (s) => s.path],
  ['endpoint', (s) => s.endpoint],
  ['principal', (s) => s.principal?.id ?? null],
  ['model', (s) => s.model],
  ['provider', (s) => s.provider],
  ['upstream_model', (s) => s.upstreamModel],
  ['status', (s) => s.status],
  ['outcome', (s) => s.outcome],
  ['stream', (s) => s.stream],
  ['error_code', (s) => s.error?.code ?? null],
  ['error_message', (s) => s.error?.message ?? null],
  ['input_tokens', (s) => s.usage?.input_tokens ?? null],
  ['cached_tokens', (s) => s.usage?.cached_tokens ?? null],
  ['output_tokens', (s) => s.usage?.output_tokens ?? null],
  ['reasoning_tokens', (s) => s.usage?.reasoning_tokens ?? null],
  // Empty when the cost is not known; `unpriced` says whether that is for want of a price.
  ['cost_usd', (s) => (typeof s.cost === 'number' ? s.cost : null)],
  ['unpriced', (s) => s.unpriced === true],
  ['annotations', (s) => (Object.keys(s.annotations).length ? JSON.stringify(s.annotations) : null)],
];

export function exportStream(store: AuditStore, filters: AuditFilters, format: ExportFormat, max = Infinity): ReadableStream<Uint8Array> {
  let cursor: string | null | undefined;
  let sent = 0;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let out = '';
        if (!started && format === 'csv') out += CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n';
        started = true;
        const page = await store.query(filters, { limit: Math.min(PAGE, max - sent), cursor });
        for (const summary of page.data) out += format === 'csv' ? csvRow(summary) : JSON.stringify(summary) + '\n';
        sent += page.data.length;
        cursor = page.nextCursor;
        if (out) controller.enqueue(encoder.encode(out));
        if (!cursor || sent >= max) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

function csvRow(summary: AuditSummary): string {
  return CSV_COLUMNS.map(([, read]) => csvCell(read(summary))).join(',') + '\r\n';
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  // A leading = + - @ makes spreadsheets run the cell as a formula: quote it as text (OWASP CSV injection).
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
