/**
 * Custom (freeform) tools in the Messages dialect. The tool index (flat names for namespaced tools,
 * the reverse map back to the client's kinds) and the freeform text handling are the chat bridge's
 * (aurora/plugins/chat-bridge), shared since both translate the same Responses tools; only the
 * shape of a declared tool is Anthropic's.
 */
import { customToolDescription, customToolParameters } from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';

/** The tool Claude sees for a custom tool: one required string `input`, described so the model puts the raw text there. */
export function customToolDefinition(wireName: string, tool: JsonObject): JsonObject {
  return { name: wireName, description: customToolDescription(tool), input_schema: customToolParameters() };
}
