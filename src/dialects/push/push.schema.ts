import { Type, type Static } from 'typebox';

/** The push API's limit per request, fixed by the API it implements. */
export const PUSH_MAX_EVENTS = 1000;

/**
 * One UsageEvent of the push usage-events API. Fields beyond these are allowed and
 * kept in the stored event's properties.
 */
export const PushEvent = Type.Object(
  {
    timestamp: Type.Integer({ minimum: 0, description: 'Unix milliseconds (a number).' }),
    email: Type.String({ format: 'email', maxLength: 320, description: 'The user the event belongs to.' }),
    eventName: Type.String({
      minLength: 1,
      maxLength: 256,
      description: "One of the event names in the app's event mapping.",
    }),
    targetApp: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The application instance logged into. Required when the category is Login.',
      }),
    ),
    targetAppName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: true },
);
export type PushEvent = Static<typeof PushEvent>;

export const PushBody = Type.Object(
  {
    events: Type.Array(PushEvent, {
      maxItems: PUSH_MAX_EVENTS,
      description: `Up to ${PUSH_MAX_EVENTS} events. A single event object is accepted as a one-event batch.`,
    }),
  },
  { additionalProperties: false },
);
export type PushBody = Static<typeof PushBody>;

export const PushSuccess = Type.Object({ success: Type.Literal(true) });

export const PushError = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(
      Type.Object({
        index: Type.Optional(Type.Integer()),
        field: Type.String(),
        reason: Type.String(),
        code: Type.String(),
      }),
    ),
  }),
});
