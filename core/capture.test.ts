import { describe, expect, it } from 'vitest';
import { answerIdOf, BodyCapture } from './capture.ts';

const captured = (chunks: string[], omitted?: string) => {
  const capture = new BodyCapture(0, omitted);
  for (const chunk of chunks) capture.add(Buffer.from(chunk));
  return capture;
};

describe('answerIdOf', () => {
  it('reads the id every answer shape opens with, whole or streamed, even cut across chunks', () => {
    expect(answerIdOf(captured(['{"id":"resp_abc123","object":"response","output":[{"id":"msg_1"}]}']))).toBe('resp_abc123');
    expect(answerIdOf(captured(['event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_', 'xyz","status":"in_progress"}}\n\n']))).toBe('resp_xyz');
    expect(answerIdOf(captured(['data: {"id":"chatcmpl-9","object":"chat.completion.chunk"}\n\n']))).toBe('chatcmpl-9');
    expect(answerIdOf(captured(['event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01X","type":"message"}}\n\n']))).toBe('msg_01X');
  });

  it('is null for a body without one, a binary body, or an id past the opening bytes', () => {
    expect(answerIdOf(captured(['{"error":{"message":"no","type":"invalid_request_error"}}']))).toBeNull();
    expect(answerIdOf(captured(['{"id":"file-1"}'], 'audio/mpeg'))).toBeNull();
    expect(answerIdOf(captured([`{"pad":"${'x'.repeat(600)}","id":"resp_late"}`]))).toBeNull();
    expect(answerIdOf(undefined)).toBeNull();
  });
});
