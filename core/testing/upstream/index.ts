// Public entry point of the emulated upstream (DeepSeek Chat, OpenAI Responses, Anthropic Messages).
export { startMockUpstream } from './server.ts';
export type {
  ChatFamily,
  FaultReply,
  FinishReason,
  HttpReply,
  MockReply,
  MockToolCall,
  MockTurn,
  MockUpstream,
  MockUpstreamOptions,
  MockUsage,
  RecordedRequest,
  ReplyMatcher,
  TurnReply,
} from './types.ts';
export { OK_TRIGGER } from './text.ts';
