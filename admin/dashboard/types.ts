/**
 * The admin API's shapes as the dashboard reads them. The record itself is the core's AuditRecord;
 * what the API adds for the detail view (SSE event lists, the reconstructed answer) is typed here.
 */
import type { CapturedBody, Usage } from 'aurora';

export type { Usage };
/** A list row: the record without its trail. */
export type { AuditSummary } from 'aurora/plugins/audit';
import type { AuditSummary } from 'aurora/plugins/audit';

export interface SseEventView {
  event?: string | null;
  /** The API sends data parsed when it is JSON, else the raw text (e.g. `[DONE]`). */
  data: unknown;
}

/** A captured body. */
export interface BodyView extends CapturedBody {
  /** Older shape: events inside the body. The API now puts them on the part (PartView). */
  events?: SseEventView[];
}

/** What the API adds beside a part's body: the parsed stream and the answer it carries. */
export interface PartExtras {
  events?: SseEventView[];
  reconstructed?: Reconstructed;
}

export interface ToolCallView {
  id?: string;
  name?: string;
  /** Chat/Responses function calls carry JSON text... */
  arguments?: string;
  /** ...Anthropic-style tool use carries an object. */
  input?: unknown;
}

export interface Reconstructed {
  text?: string | null;
  reasoning?: string | null;
  toolCalls?: ToolCallView[] | null;
}

export interface TrailView {
  clientRequest: { headers: Record<string, string>; body: BodyView | null } & PartExtras;
  upstreamRequest: ({ url: string; headers: Record<string, string>; body: BodyView | null } & PartExtras) | null;
  upstreamResponse: ({ status: number; headers: Record<string, string>; body: BodyView | null } & PartExtras) | null;
  clientResponse: { status: number; headers: Record<string, string>; body: BodyView | null } & PartExtras;
}

export interface AuditDetail extends AuditSummary {
  trail: TrailView | null;
  /** Accepted at the top level too; the API puts it on each response part. */
  reconstructed?: Reconstructed | null;
}

export interface RequestPage {
  data: AuditSummary[];
  next_cursor: string | null;
}

/** A managed key as GET /admin/api/v1/keys lists it (the auth plugin's shape). */
export type { KeyListing } from 'aurora/plugins/auth';

// The wire shapes of /stats are the store's own: one definition for both sides of the API.
export type { AuditStats as Stats, StatsBucket as Bucket, StatsCounts as StatCounts, StatsGroup as GroupBy } from 'aurora/plugins/audit';

/** What the filter bar holds; empty strings mean "any". */
export interface Filters {
  /** A preset ('15m', '1h', '24h', '7d', 'all') or 'custom' with from/to below. */
  range: string;
  from: string;
  to: string;
  model: string;
  provider: string;
  status: string;
  principal: string;
  outcome: string;
  stream: string;
  q: string;
}

export const EMPTY_FILTERS: Filters = {
  range: '24h',
  from: '',
  to: '',
  model: '',
  provider: '',
  status: '',
  principal: '',
  outcome: '',
  stream: '',
  q: '',
};
