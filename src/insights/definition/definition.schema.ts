/**
 * The parts every insight definition shares (docs/insights.md): series of events with
 * filters, filters over all of them, a time range in a time zone, an interval, a
 * breakdown. The kinds (kinds/) put them together. The same JSON is what the console
 * saves and puts in its URLs, so the schema is the API's, strict: unknown fields are
 * refused, every list and text bounded.
 */
import { Type, type Static } from 'typebox';
import { INTERVALS, RELATIVE_RANGES } from './time-range.ts';

export const MAX_SERIES = 10;
export const MAX_FILTERS = 50;
export const MAX_IN_VALUES = 100;
export const MAX_TEXT = 1000;
export const MAX_FIELD = 200;
export const MAX_BREAKDOWN_LIMIT = 100;
/** Buckets per series: a year of hours, ten years of days. */
export const MAX_BUCKETS = 10_000;

export const OPERATORS = ['=', '!=', 'in', 'contains', '>', '>=', '<', '<=', 'is set', 'is not set'] as const;
export type Operator = (typeof OPERATORS)[number];

/** One of `values` (a JSON Schema enum, typed as their union). */
export const literals = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

const Scalar = Type.Union([Type.String({ maxLength: MAX_TEXT }), Type.Number(), Type.Boolean()]);
export type Scalar = Static<typeof Scalar>;

/** `properties.<key>` (the event's), `company`, `app` (id or name), `dialect`. */
export const Field = Type.String({
  minLength: 1,
  maxLength: MAX_FIELD,
  description: 'properties.<key>, company, app or dialect',
});

export const Filter = Type.Object(
  {
    field: Field,
    op: literals(OPERATORS, OPERATORS.join(', ')),
    value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { minItems: 1, maxItems: MAX_IN_VALUES })])),
  },
  { additionalProperties: false },
);
export type Filter = Static<typeof Filter>;

export const Filters = Type.Array(Filter, { maxItems: MAX_FILTERS });

/** One event name, several, or a prefix ending in `*` (`*` alone: every event). */
export const EventPattern = Type.Union([
  Type.String({ minLength: 1, maxLength: MAX_TEXT }),
  Type.Array(Type.String({ minLength: 1, maxLength: MAX_TEXT }), { minItems: 1, maxItems: MAX_IN_VALUES }),
]);

export const TimeRange = Type.Union([
  literals(RELATIVE_RANGES, RELATIVE_RANGES.join(', ')),
  Type.Object(
    {
      from: Type.String({
        maxLength: 40,
        description: 'a date (local midnight), an ISO 8601 instant or Unix ms',
      }),
      to: Type.String({ maxLength: 40, description: 'exclusive; as from' }),
    },
    { additionalProperties: false },
  ),
]);

export const Interval = literals(INTERVALS, INTERVALS.join(', '));

export const Breakdown = Type.Object(
  {
    by: Field,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BREAKDOWN_LIMIT, default: 10 })),
  },
  { additionalProperties: false },
);

/** What every kind takes besides its own fields. */
export const Common = {
  filters: Type.Optional(Filters),
  range: Type.Optional(TimeRange),
  timezone: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'an IANA time zone; UTC by default' }),
  ),
};
