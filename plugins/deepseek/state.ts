/**
 * The reasoning carrier (translation.md §4): DeepSeek's reasoning sealed into the reasoning item's
 * `encrypted_content`, the only part Codex sends back. It lives in the bridge, shared by every
 * provider over it.
 */
export { createReasoningCarrier, defaultReasoningSecret, type ReasoningCarrier } from 'aurora/plugins/chat-bridge';
