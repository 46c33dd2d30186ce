/**
 * The Responses features a translated request cannot have: the translators rebuild every request
 * from its `input` alone, so what needs server-side state gets a clear 400, never a 5xx. Shared by
 * this plugin and the anthropic plugin, whose messages differ only by the model family named.
 */
import { GatewayError, type JsonObject } from 'aurora';

/** `label`: the model family named in the message (`DeepSeek`, `Claude`). */
export function rejectUnsupported(body: JsonObject, label: string): void {
  if (typeof body.previous_response_id === 'string' && body.previous_response_id !== '') {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
      param: 'previous_response_id',
      message: `previous_response_id is not supported for ${label} models: this gateway stores no responses. Send the full conversation in \`input\` (with store: false, as Codex does).`,
    });
  }
  if (body.background === true) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
      param: 'background',
      message: `background: true is not supported for ${label} models: this gateway keeps no response state to poll. Send the request without background (streaming is supported).`,
    });
  }
  const input = body.input;
  if (input === undefined || input === null) throw new GatewayError('AURORA_ERR_MISSING_PARAM', { args: ['input'], param: 'input' });
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'input', message: '`input` must be a string or an array of input items.' });
  }
}
