import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../../domain/errors.ts';
import { assertCanonical } from '../../http/body.ts';

/** The v3 error answer: `{"APIVersion":3,"result":0,"error":{code, message, details}}`. */
export function v3Envelope(e: UsageHubError) {
  return {
    status: e.status,
    body: { APIVersion: 3, result: 0, error: { code: e.code, message: e.message, details: e.details } },
  };
}

export type Params = Record<string, unknown>;

/** The request's parameters: the form's fields, or the JSON object's (a bare array has none). */
export const paramsOf = (req: FastifyRequest): Params =>
  req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};

/** `data` as an array of events, from a form field (JSON text), a JSON object, or a bare JSON array. */
export function dataOf(req: FastifyRequest): unknown[] {
  let data: unknown = Array.isArray(req.body) ? req.body : paramsOf(req).data;
  if (data === undefined)
    throw new UsageHubError('invalid_body', 'The parameter data is required: a JSON array of events.');
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (err) {
      throw new UsageHubError('invalid_body', `data is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(data)) {
    throw new UsageHubError('invalid_body', 'data must be an array of events, even for one event: [{…}].');
  }
  // A form field's JSON was not seen by the body check: hold it to the same form.
  assertCanonical(data, 'body', 'data');
  return data;
}
