/**
 * `aurora/node`: helpers for a plugin author who forwards on node:http themselves (the openai
 * plugin, through http-proxy-3) rather than with the core's `nodeHttpSend`. Everything here
 * deals in node objects; the plugin API proper (`aurora`) stays web-standard.
 */
export { attemptSignalOf, nodeRequestOf } from './context.ts';
export { NodeHeaders, forEachHeader } from './node-headers.ts';
export { nodeBodyResponse } from './node-body.ts';
export { serializeBody } from './request-body.ts';
export { DEFAULT_HEADERS_TIMEOUT_MS, awaitResponse, outgoingHeaders, resendOnStaleSocket, sendFailure, writeBody } from './upstream.ts';
export { uploadOf } from './upload.ts';
