/**
 * The request side of the rest of the OpenAI API (embeddings, files, audio…): what the body is and
 * which model it names. A JSON body is read whole (up to `server.bodyLimit`) like a model API's; a
 * form or any other body is an upload, passed on as it arrives (up to `server.uploadLimit`), with
 * at most `bodyLimit` bytes held while a form that may name its model has not said it yet.
 */
import { formNamesModel } from './api-routes.ts';
import type { MutableContext } from './context.ts';
import { isJsonType, parseJsonBody, rememberRawBody } from './request-body.ts';
import { Upload } from './upload.ts';
import type { ApiFamily } from './types.ts';

export interface ApiBodyIo {
  readBody(): Promise<Uint8Array>;
  streamBody(): AsyncIterable<Buffer>;
}

export interface ApiRequest {
  /** The model the body names; '' when it names none (the family's default provider serves it). */
  model: string;
  upload: Upload | undefined;
  /** The whole JSON body's bytes, for the audit trail. */
  bytes: Uint8Array | undefined;
}

export async function readApiRequest(ctx: MutableContext, io: ApiBodyIo, holdLimit: number): Promise<ApiRequest> {
  const family = ctx.endpoint as ApiFamily;
  if (!hasBody(ctx.headers)) return { model: '', upload: undefined, bytes: undefined };
  const contentType = ctx.headers.get('content-type') ?? undefined;
  if (isJsonType(contentType)) {
    const bytes = await io.readBody();
    // A POST without a body (cancel, complete) may still say it is JSON.
    if (bytes.byteLength === 0) return { model: '', upload: undefined, bytes };
    ctx.body = parseJsonBody(bytes, contentType, family);
    rememberRawBody(ctx.body, bytes);
    ctx.stream = ctx.body.stream === true;
    return { model: typeof ctx.body.model === 'string' ? ctx.body.model : '', upload: undefined, bytes };
  }
  const upload = await Upload.open(io.streamBody(), { contentType, contentLength: ctx.headers.get('content-length') ?? undefined }, { findModel: formNamesModel(family), holdLimit });
  return { model: upload.model ?? '', upload, bytes: undefined };
}

/** Whether the request carries a body at all (a length above 0, or chunked). */
function hasBody(headers: Headers): boolean {
  const length = headers.get('content-length');
  if (length !== null) return Number(length) > 0;
  return headers.get('transfer-encoding') !== null;
}
