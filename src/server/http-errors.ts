/**
 * Errors on the wire. Every failed request answers `{ error: { code, message, details } }` with the
 * HTTP status that fits the code (docs/api.md). Fastify's own errors (body too large, bad JSON,
 * unsupported content type, schema validation, rate limit) are translated to `SS_ERR_*` codes here,
 * so a client never has to know Fastify's error names.
 */

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isStreamsightError, StreamsightError } from '../errors/index.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  SS_ERR_UNAUTHORIZED: 401,
  SS_ERR_FORBIDDEN: 403,
  SS_ERR_PAYLOAD_TOO_LARGE: 413,
  SS_ERR_RATE_LIMITED: 429,
  SS_ERR_SCHEMA: 400,
  SS_ERR_DECODE: 400,
  SS_ERR_INVALID_ARGUMENT: 400,
  SS_ERR_INVALID_QUERY: 400,
  SS_ERR_INVALID_RULE: 400,
  SS_ERR_QUERY_REJECTED: 400,
  SS_ERR_QUERY_TIMEOUT: 408,
  SS_ERR_VIEW_NOT_FOUND: 404,
  SS_ERR_TOPIC_NOT_FOUND: 404,
  SS_ERR_APP_NOT_FOUND: 404,
  SS_ERR_PARTITION_NOT_FOUND: 404,
  SS_ERR_OFFSET_OUT_OF_RANGE: 416,
  SS_ERR_CLOSED: 503,
  SS_ERR_STORAGE: 503,
  SS_ERR_CONNECTION: 503,
};

/** The HTTP status of an error code (500 for codes that mean a server fault). */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** The JSON body of an error answer. */
export function errorBody(err: StreamsightError): {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
} {
  const { httpStatus: _status, ...details } = err.details;
  return { error: { code: err.code, message: err.message, details } };
}

/**
 * Turns whatever a route or Fastify threw into a StreamsightError with its status. Unknown errors
 * become a 500 whose message does not leak internals (the original goes to the log).
 */
export function toHttpError(err: unknown): { status: number; error: StreamsightError; internal: boolean } {
  if (isStreamsightError(err)) {
    const status = (err.details.httpStatus as number | undefined) ?? httpStatus(err.code);
    return { status, error: err, internal: status >= 500 && STATUS[err.code] === undefined };
  }
  const e = err as FastifyError;
  const code = typeof e?.code === 'string' ? e.code : '';
  const make = (c: ErrorCode, status: number, message: string, details: Record<string, unknown> = {}) => ({
    status,
    error: new StreamsightError(c, message, { details }),
    internal: false,
  });
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413)
    return make('SS_ERR_PAYLOAD_TOO_LARGE', 413, 'the request body is larger than this route accepts');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415)
    return make('SS_ERR_INVALID_ARGUMENT', 415, `unsupported content type: ${e.message}`);
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    e instanceof SyntaxError
  )
    return make('SS_ERR_DECODE', 400, `the body is not valid JSON: ${e.message}`);
  if (code === 'FST_ERR_VALIDATION' || Array.isArray((e as { validation?: unknown })?.validation))
    return make('SS_ERR_INVALID_ARGUMENT', 400, e.message, {
      validation: (e as { validation?: unknown }).validation,
    });
  if (e?.statusCode === 429) return make('SS_ERR_RATE_LIMITED', 429, e.message || 'too many requests');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return make('SS_ERR_INVALID_ARGUMENT', e.statusCode, e.message);
  return {
    status: 500,
    error: new StreamsightError('SS_ERR_STORAGE', 'internal server error', { retriable: true }),
    internal: true,
  };
}

/** Fastify error handler: coded JSON answers, internal errors logged with their stack. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, error, internal } = toHttpError(err);
  if (internal) request.log.error({ err }, 'request failed');
  else if (status >= 500) request.log.warn({ code: error.code, msg: error.message }, 'request failed');
  if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  void reply.code(status).send(errorBody(error));
}

/** A coded error carrying an explicit HTTP status (when the code's default does not fit). */
export function httpError(
  code: ErrorCode,
  status: number,
  message: string,
  details: Record<string, unknown> = {},
): StreamsightError {
  return new StreamsightError(code, message, { details: { ...details, httpStatus: status } });
}
