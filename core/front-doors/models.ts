/** `GET /v1/models` for an Anthropic client: the same list in the Models API's shape. */
import type { JsonObject } from '../types.ts';

export function anthropicModelList(list: JsonObject): JsonObject {
  const data = (Array.isArray(list.data) ? list.data : [])
    .filter((m: JsonObject) => m && typeof m.id === 'string')
    .map((m: JsonObject) => ({
      type: 'model',
      id: m.id,
      display_name: m.id,
      created_at: new Date((typeof m.created === 'number' ? m.created : 0) * 1000).toISOString(),
    }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
