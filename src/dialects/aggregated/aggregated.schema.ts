import { Type, type Static } from 'typebox';

/** `payload` of `POST /api/product/aggregateusage`, field for field as the API documents it. */
export const AggregatedPayload = Type.Object(
  {
    mode: Type.Literal('DOMAIN', { description: 'must be DOMAIN' }),
    source: Type.Literal('TELEMETRY', { description: 'must be TELEMETRY' }),
    activity_type: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'One of your defined metrics (primary, secondary1, …).',
    }),
    count: Type.Integer({ minimum: 0, description: 'The aggregated count.' }),
    product_id: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'One of your apps, by id or name.',
    }),
    event_at: Type.Integer({ minimum: 0, description: 'Unix seconds.' }),
    domain: Type.Optional(
      Type.Union([Type.Literal(''), Type.String({ format: 'hostname', maxLength: 253 })], {
        description: 'must be a host name (or empty)',
      }),
    ),
    ip_addr: Type.Optional(
      Type.Union([Type.Literal(''), Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6' })], {
        description: 'must be an IPv4 or IPv6 address (or empty)',
      }),
    ),
    event_id: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Integer()], {
        description: 'must be a string or an integer: the call’s id, which makes it idempotent',
      }),
    ),
    environment: Type.Optional(Type.String({ maxLength: 64 })),
    user_agent: Type.Optional(Type.String({ maxLength: 2048 })),
    meta: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4096 }))),
  },
  { additionalProperties: false },
);
export type AggregatedPayload = Static<typeof AggregatedPayload>;

export const AggregatedBody = Type.Object({ payload: AggregatedPayload }, { additionalProperties: false });
export type AggregatedBody = Static<typeof AggregatedBody>;

export const AggregatedResponse = Type.Object({
  response_code: Type.Union([Type.String(), Type.Integer()]),
  response: Type.String(),
  status: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  code: Type.Optional(Type.String()),
  details: Type.Optional(
    Type.Array(Type.Object({ field: Type.String(), code: Type.String(), reason: Type.String() })),
  ),
});
