/**
 * The one catalog of usagehub's stable error codes. Every error a client can see is
 * declared here once, with its HTTP status and message; `docs/errors.md` documents each
 * code, and a test fails when one is missing there. Dialects wrap these in their own
 * envelopes, but the codes are the same everywhere.
 */
export const ERRORS = {
  // request-level
  unauthorized: { status: 401, message: 'A valid API key is required.' },
  forbidden: { status: 403, message: 'This key is not allowed to do that.' },
  origin_not_allowed: {
    status: 403,
    message:
      "This write key may not send from this page's origin: it is not among the source's allowed origins.",
  },
  not_found: { status: 404, message: 'No such resource.' },
  route_not_found: { status: 404, message: 'No such route.' },
  conflict: { status: 409, message: 'The request conflicts with existing data.' },
  body_too_large: { status: 413, message: 'The request body is larger than the configured limit.' },
  batch_too_large: { status: 413, message: 'The batch has more events than the configured limit.' },
  event_too_large: { status: 413, message: 'An event is larger than the dialect allows for one event.' },
  unsupported_media_type: { status: 415, message: 'The Content-Type is not supported here.' },
  unsupported_encoding: {
    status: 415,
    message: 'The Content-Encoding is not supported; use gzip, deflate, br or identity.',
  },
  request_timeout: {
    status: 408,
    message: 'The request did not arrive in time; the connection is closed. Send it again, faster.',
  },
  uri_too_long: { status: 414, message: 'The URL, or one of its parameters, is too long.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  invalid_body: { status: 400, message: 'The request body could not be parsed.' },
  invalid_request: { status: 400, message: 'The request has invalid parameters.' },
  validation_failed: { status: 400, message: 'One or more events are invalid; nothing was stored.' },
  // OAuth2 (RFC 6749 §5.2, RFC 6750 §3): the token endpoint and bearer-token routes
  invalid_client: { status: 401, message: 'Client authentication failed.' },
  invalid_grant: { status: 400, message: 'The grant is invalid.' },
  unsupported_grant_type: { status: 400, message: 'Only grant_type=client_credentials is supported.' },
  invalid_scope: { status: 400, message: 'The requested scope is unknown or not granted to this client.' },
  invalid_token: { status: 401, message: 'A valid access token is required.' },
  insufficient_scope: { status: 403, message: 'The access token lacks the scope this needs.' },
  too_many_attempts: {
    status: 429,
    message:
      'Too many failed authentications from this address or for keys like this one; wait before trying again (Retry-After).',
  },
  rate_limited: {
    status: 429,
    message:
      'This key or tenant is sending faster than its limit; nothing of this request was stored. Resend it after Retry-After seconds.',
  },
  too_many_unauthenticated: {
    status: 429,
    message:
      'Too many requests without a known key from this address; send the key in a header, or wait Retry-After seconds.',
  },
  quota_exceeded: {
    status: 429,
    message:
      "The tenant's quota of events for this day or month (UTC) is used up; nothing of this request was stored. Retry-After says when it renews.",
  },
  amplification_limit: {
    status: 413,
    message:
      'What this request would store is larger than usagehub stores for a request of its size; put batch-level fields in fewer, smaller batches.',
  },
  too_many_streams: {
    status: 429,
    message: 'This process, tenant or key holds as many live streams as it allows; retry later.',
  },
  csrf_failed: {
    status: 403,
    message: 'A console request that changes something must carry the session’s X-CSRF-Token header.',
  },
  not_ready: { status: 503, message: 'usagehub is starting or shutting down.' },
  log_unavailable: {
    status: 503,
    message: 'The event log did not take the batch, so nothing of it was acknowledged; resend it.',
  },
  store_unavailable: {
    status: 503,
    message:
      'The event store cannot answer queries right now (it is failing or being reopened); ingest goes on. Retry shortly.',
  },
  query_timeout: {
    status: 503,
    message:
      'The query ran past its time budget and was stopped: narrow its range or filters, or raise USAGEHUB_QUERY_TIMEOUT_MS.',
  },
  internal: { status: 500, message: 'Internal error.' },
  // per-field problems, listed in `details` of validation_failed / invalid_request
  field_required: { status: 400, message: 'A required field is missing.' },
  field_type: { status: 400, message: 'A field has the wrong type.' },
  field_format: { status: 400, message: 'A field is not in the expected format.' },
  field_range: { status: 400, message: 'A field is out of its allowed range.' },
  field_unknown: { status: 400, message: 'A field is not allowed here.' },
  unknown_app: { status: 400, message: 'The event names an app the tenant does not have.' },
  unmapped_event: { status: 400, message: "The eventName is not in the app's event mapping." },
  unknown_type: { status: 400, message: 'The event type is not in the tenant’s type registry.' },
  unknown_metric: { status: 400, message: 'The activity_type is not one of the tenant’s defined metrics.' },
  unknown_origin: { status: 400, message: 'The hit names a user interface the tenant does not have.' },
  unknown_user: { status: 400, message: 'The hit names a user the tenant does not know.' },
  session_is_user: { status: 400, message: 'The sessionId is a user identifier; it must be a random value.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One problem with one field of one item, as listed in an error's `details`. */
export interface Problem {
  /** Position of the event in the batch, when the problem belongs to one. */
  index?: number;
  /** Dotted path of the field at fault, e.g. `timestamp` or `properties.plan`. */
  field: string;
  code: ErrorCode;
  reason: string;
}

/**
 * A failure that reaches the client as a catalogued error. Routes throw it; each
 * dialect's error handler renders it in that dialect's envelope.
 */
export class UsageHubError extends Error {
  override name = 'UsageHubError';
  readonly status: number;
  /** Headers the answer carries besides the body (Retry-After and the RateLimit fields on a 429). */
  headers: Readonly<Record<string, string>> | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    readonly details: readonly Problem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = ERRORS[code].status;
  }

  /** This error, answered with `headers` too. */
  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }
}

export function problem(field: string, code: ErrorCode, reason: string, index?: number): Problem {
  return index === undefined ? { field, code, reason } : { index, field, code, reason };
}
