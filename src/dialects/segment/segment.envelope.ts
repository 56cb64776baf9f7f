import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { UsageHubError } from '../../domain/errors.ts';
import { ProblemSchema } from '../../http/schemas.ts';

export const SegmentSuccess = Type.Object({ success: Type.Literal(true) });
export const SegmentError = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(ProblemSchema),
    requestId: Type.String(),
  }),
});

/** Segment answers a request past its size limits with 400, not 413: its clients drop such a batch rather than retry it. */
const SIZE_CODES = new Set(['body_too_large', 'batch_too_large', 'event_too_large', 'amplification_limit']);

/**
 * The Segment routes' envelope: `{"success": false, "error": {code, message, details,
 * requestId}}`, with usagehub's stable codes (docs/errors.md). Statuses are the catalog's,
 * but for the size limits, which are 400 as Segment documents.
 */
export function segmentEnvelope(e: UsageHubError, request: FastifyRequest) {
  const limit = request.routeOptions.config.segmentLimit;
  const tooLarge = SIZE_CODES.has(e.code) || e.details.some((d) => d.code === 'event_too_large');
  const message =
    e.code === 'body_too_large' && limit
      ? `The request body is larger than Segment's limit of ${limit}.`
      : e.message;
  return {
    status: tooLarge ? 400 : e.status,
    body: {
      success: false,
      error: { code: e.code, message, details: e.details, requestId: request.id },
    },
  };
}
