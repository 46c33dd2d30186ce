import { describe, expect, it } from 'vitest';
import { streamFailure } from './stream-outcome.ts';

describe('how a stream ended, from its last events', () => {
  it('a Responses stream: completed is a success, response.failed and an error event are failures', () => {
    expect(streamFailure('event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed"}}\n\n')).toBeUndefined();
    expect(streamFailure('event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"rate_limit_exceeded","message":"slow down"}}}\n\n'))
      .toEqual({ code: 'rate_limit_exceeded', message: 'slow down' });
    expect(streamFailure('event: error\ndata: {"type":"error","code":"server_error","message":"boom"}\n\n')).toEqual({ code: 'server_error', message: 'boom' });
  });

  it('a Chat stream: an error chunk before [DONE] is a failure, a usage chunk is not', () => {
    expect(streamFailure('data: {"choices":[],"usage":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n')).toBeUndefined();
    expect(streamFailure('data: {"error":{"message":"overloaded","type":"server_error","code":null}}\n\n')).toEqual({ code: 'server_error', message: 'overloaded' });
  });

  it('a Messages stream: an error event is a failure', () => {
    expect(streamFailure('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')).toEqual({ code: 'overloaded_error', message: 'Overloaded' });
    expect(streamFailure('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBeUndefined();
  });

  it('an unreadable tail says nothing', () => {
    expect(streamFailure('')).toBeUndefined();
    expect(streamFailure('data: {"cut off')).toBeUndefined();
  });
});
