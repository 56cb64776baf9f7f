import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { UsageHubError } from '../../domain/errors.ts';
import { ProblemSchema } from '../../http/schemas.ts';

export const PostHogSuccess = Type.Object({ status: Type.Literal('Ok') });
export const PostHogError = Type.Object({
  type: Type.String(),
  code: Type.String(),
  detail: Type.String(),
  attr: Type.Union([Type.String(), Type.Null()]),
  details: Type.Array(ProblemSchema),
  requestId: Type.String(),
});

/**
 * PostHog's error shape, `{type, code, detail, attr}` — `type` authentication_error,
 * validation_error, throttled_error (429, as PostHog's API throttles) or server_error; `attr` the field at fault — with usagehub's stable
 * code in `code` (docs/errors.md), and every problem in `details`.
 */
export function posthogEnvelope(e: UsageHubError, request: FastifyRequest) {
  const type =
    e.status === 401
      ? 'authentication_error'
      : e.status === 429
        ? 'throttled_error'
        : e.status >= 500
          ? 'server_error'
          : 'validation_error';
  const reasons = e.details
    .slice(0, 5)
    .map((d) => (d.index === undefined ? d.reason : `event ${d.index}: ${d.reason}`));
  return {
    status: e.status,
    body: {
      type,
      code: e.code,
      detail: reasons.length > 0 ? `${e.message} ${reasons.join('; ')}` : e.message,
      attr: e.details[0]?.field ?? null,
      details: e.details,
      requestId: request.id,
    },
  };
}
