import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { ERRORS, UsageHubError, type ErrorCode, type Problem } from '../domain/errors.ts';
import { problemsFromAjv } from './problems.ts';
import type { ErrorObject } from 'ajv';

/** Fastify's own error codes → ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_body',
  FST_ERR_CTP_INVALID_TYPE: 'invalid_body',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_ASYNC_CONSTRAINT: 'invalid_request',
  FST_CP_ERR_INVALID_CONTENT_ENCODING: 'unsupported_encoding',
  FST_CP_ERR_INVALID_CONTENT: 'invalid_body',
  // A body that stopped arriving (the client went away, or the request timed out).
  ECONNRESET: 'invalid_body',
  ERR_STREAM_PREMATURE_CLOSE: 'invalid_body',
};

/**
 * Any error thrown while handling a request, as a catalogued UsageHubError. Schema
 * validation of the body becomes `validation_failed` with one problem per field;
 * of query string or params, `invalid_request`.
 */
export function toUsageHubError(err: FastifyError | Error): UsageHubError {
  if (err instanceof UsageHubError) return err;
  const fe = err as FastifyError & {
    validation?: FastifySchemaValidationError[];
    validationContext?: string;
  };
  if (fe.validation) {
    const inBody = fe.validationContext === 'body';
    // Batch routes (ingest) report their own schema problems, itemized per event, with
    // attachValidation; what reaches here is a single object, a query string or params.
    const details = problemsFromAjv(fe.validation as unknown as ErrorObject[], false);
    return new UsageHubError(inBody ? 'validation_failed' : 'invalid_request', undefined, details);
  }
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped)
    return new UsageHubError(
      mapped,
      mapped === 'invalid_body' ? `${ERRORS.invalid_body.message} ${fe.message}` : undefined,
    );
  if (err instanceof SyntaxError)
    return new UsageHubError('invalid_body', `${ERRORS.invalid_body.message} ${err.message}`);
  return new UsageHubError('internal');
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: readonly Problem[]; requestId: string };
}

/** usagehub's own envelope, used by the native and admin APIs. */
export function nativeEnvelope(err: UsageHubError, request: FastifyRequest): ErrorBody {
  return { error: { code: err.code, message: err.message, details: err.details, requestId: request.id } };
}

export type Envelope = (
  err: UsageHubError,
  request: FastifyRequest,
) => { status: number; body: unknown; headers?: Record<string, string> };

/**
 * Builds an error handler for a group of routes: maps the error, counts the reject,
 * logs faults (not client mistakes), and renders the group's envelope.
 */
export function errorHandler(envelope: Envelope, onReject: (code: ErrorCode, ingestSource?: string) => void) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const e = toUsageHubError(err);
    onReject(e.code, request.routeOptions.config.ingestSource);
    if (e.status >= 500) request.log.error({ err }, 'request failed');
    const { status, body, headers } = envelope(e, request);
    if (e.headers) void reply.headers(e.headers);
    if (headers) void reply.headers(headers);
    void reply.status(status).send(body);
  };
}
