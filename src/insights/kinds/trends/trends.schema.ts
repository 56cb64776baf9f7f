import { Type, type Static } from 'typebox';
import {
  Breakdown,
  Common,
  EventPattern,
  Filters,
  Interval,
  MAX_SERIES,
  MAX_TEXT,
  literals,
} from '../../definition/definition.schema.ts';

export const MATHS = [
  'events',
  'unique_persons',
  'unique_companies',
  'sum',
  'avg',
  'min',
  'max',
  'median',
  'p90',
] as const;
export type TrendMath = (typeof MATHS)[number];
/** The maths that read a numeric property of each event. */
export const PROPERTY_MATHS: ReadonlySet<TrendMath> = new Set(['sum', 'avg', 'min', 'max', 'median', 'p90']);

export const TrendSeries = Type.Object(
  {
    event: EventPattern,
    filters: Type.Optional(Filters),
    math: Type.Optional(literals(MATHS, MATHS.join(', '))),
    property: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_TEXT, description: 'the event property sum … p90 read' }),
    ),
    label: Type.Optional(Type.String({ maxLength: MAX_TEXT })),
  },
  { additionalProperties: false },
);

export const TrendsDefinition = Type.Object(
  {
    kind: Type.Literal('trends'),
    series: Type.Array(TrendSeries, { minItems: 1, maxItems: MAX_SERIES }),
    interval: Type.Optional(Interval),
    breakdown: Type.Optional(Breakdown),
    compare: Type.Optional(Type.Boolean({ description: 'also the period before, as long' })),
    ...Common,
  },
  { additionalProperties: false },
);
export type TrendsDefinition = Static<typeof TrendsDefinition>;
