/** Tool names and kinds across the translation: the bridge's, as DeepSeek uses them (flat functions, 64 characters). */
export { buildToolIndex, qualifyName, unwrapCustomInput, type ToolIndex } from 'aurora/plugins/chat-bridge';
