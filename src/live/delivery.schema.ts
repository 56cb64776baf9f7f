import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** One attempt as the delivery log lists it (live-store.port.ts ListedAttempt). */
export const AttemptSchema = Type.Object({
  id: Type.Integer({ description: 'Grows with time: the cursor of the log.' }),
  deliveryId: Type.String({ description: 'The webhook-id.' }),
  type: Type.String(),
  at: Type.Number({ description: 'Unix ms.' }),
  status: Nullable(Type.Integer()),
  latencyMs: Type.Number(),
  error: Nullable(Type.String()),
});

const Headers = Type.Record(Type.String(), Type.String());

/** A delivery, and what each of its attempts sent and got back. */
export const DeliveryDetailSchema = Type.Object({
  delivery: Type.Object({
    id: Type.String({ description: 'The webhook-id.' }),
    endpointId: Type.String(),
    type: Type.String(),
    body: Type.String({ description: 'What is posted, as sent.' }),
    createdAt: Type.Number(),
    nextAttemptAt: Type.Number(),
    attempts: Type.Integer(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('delivered')]),
    replays: Type.Integer(),
  }),
  attempts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      deliveryId: Type.String(),
      at: Type.Number(),
      status: Nullable(Type.Integer()),
      latencyMs: Type.Number(),
      error: Nullable(Type.String()),
      exchange: Nullable(
        Type.Object({
          requestHeaders: Headers,
          signaturesShown: Type.Boolean({
            description:
              'False when the endpoint’s keys changed since the attempt: its signatures are not shown.',
          }),
          responseHeaders: Headers,
          responseBody: Type.String({ description: 'The answer’s first 4 KiB (whole UTF-8 characters).' }),
        }),
      ),
    }),
  ),
});

/** An endpoint's attempts over a window (live-store.port.ts EndpointStats) and its backlog. */
export const StatsSchema = Type.Object({
  attempts: Type.Integer(),
  succeeded: Type.Integer(),
  lagP50Ms: Nullable(Type.Number({ description: 'Queueing to successful attempt, ms.' })),
  lagP99Ms: Nullable(Type.Number()),
  lastError: Nullable(Type.Object({ at: Type.Number(), error: Type.String() })),
  backlog: Type.Integer({ description: 'Deliveries pending now.' }),
  buckets: Type.Array(Type.Object({ at: Type.Number(), succeeded: Type.Integer(), failed: Type.Integer() })),
});
