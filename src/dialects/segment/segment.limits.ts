/**
 * The limits of Segment's HTTP Tracking API, as its documentation states them
 * (segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size).
 */
export const SEGMENT_LIMITS = {
  /** One message, as JSON. */
  eventBytes: 32 * 1024,
  /** One batch request body. */
  batchBytes: 500 * 1024,
  /** Messages in one batch. */
  batchEvents: 2500,
} as const;

/** The message types, and the route each is sent to on its own (`/v1/track`) and by the browser library (`/v1/t`). */
export const SEGMENT_TYPES = {
  track: 't',
  identify: 'i',
  page: 'p',
  screen: 's',
  group: 'g',
  alias: 'a',
} as const;
export type SegmentType = keyof typeof SEGMENT_TYPES;

export const isSegmentType = (t: unknown): t is SegmentType =>
  typeof t === 'string' && Object.hasOwn(SEGMENT_TYPES, t);
