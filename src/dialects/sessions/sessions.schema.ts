import { Type, type Static } from 'typebox';

/** One event of the v3 events API. */
export const SessionEvent = Type.Object(
  {
    action: Type.Unsafe<'START' | 'UPDATE' | 'END'>({
      type: 'string',
      enum: ['START', 'UPDATE', 'END'],
      description: 'START, UPDATE or END.',
    }),
    type: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'One of the tenant’s types (GET /v1/session-types).',
    }),
    timestamp: Type.Integer({ minimum: 0, description: 'Unix seconds.' }),
    session: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 20,
        description: 'Groups START, UPDATEs and END; required for END; 8 to 20 characters.',
      }),
    ),
    entities: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ minLength: 1, maxLength: 256 }),
            value: Type.Unknown({ description: 'Any JSON value; binary as {"$base64": "…"}.' }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SessionEvent = Static<typeof SessionEvent>;

export const SessionEvents = Type.Array(SessionEvent);
