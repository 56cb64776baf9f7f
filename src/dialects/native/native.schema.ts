import { Type, type Static } from 'typebox';

/** One event of usagehub's own ingest API, `POST /v1/events`. */
export const NativeEvent = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Your id for the event; makes resends idempotent.',
      }),
    ),
    app: Type.String({ minLength: 1, maxLength: 256, description: 'One of your apps, by id or by name.' }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    timestamp: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 64 })], {
      description: 'must be Unix milliseconds (integer) or an ISO 8601 date-time (string)',
    }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    count: Type.Optional(
      Type.Integer({ minimum: 0, description: 'How many occurrences this event stands for; default 1.' }),
    ),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type NativeEvent = Static<typeof NativeEvent>;

export const NativeBatch = Type.Array(NativeEvent, {
  description:
    'A JSON array of events. Also accepted: {"events": [...]}, and NDJSON (application/x-ndjson), one event per line.',
});

export const IngestResponse = Type.Object({
  accepted: Type.Integer({ description: 'Events stored by this request.' }),
  duplicates: Type.Integer({ description: 'Events already stored before (or earlier in this batch).' }),
});
