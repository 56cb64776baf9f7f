import { Type, type Static } from 'typebox';
import {
  Breakdown,
  Common,
  EventPattern,
  Filters,
  MAX_TEXT,
  literals,
} from '../../definition/definition.schema.ts';

export const ORDERS = ['ordered', 'strict', 'any'] as const;
export type FunnelOrder = (typeof ORDERS)[number];
export const UNITS = ['person', 'company'] as const;
export type FunnelUnit = (typeof UNITS)[number];
export const WINDOW_UNITS = ['minute', 'hour', 'day', 'week'] as const;
export const WINDOW_MS: Record<(typeof WINDOW_UNITS)[number], number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};
/** A conversion window of at most a year. */
export const MAX_WINDOW_MS = 366 * 86_400_000;

export const FunnelStep = Type.Object(
  {
    event: EventPattern,
    filters: Type.Optional(Filters),
    label: Type.Optional(Type.String({ maxLength: MAX_TEXT })),
  },
  { additionalProperties: false },
);

export const FunnelsDefinition = Type.Object(
  {
    kind: Type.Literal('funnels'),
    steps: Type.Array(FunnelStep, { minItems: 2, maxItems: 10 }),
    window: Type.Optional(
      Type.Object(
        {
          value: Type.Integer({ minimum: 1, maximum: 100_000 }),
          unit: literals(WINDOW_UNITS, WINDOW_UNITS.join(', ')),
        },
        { additionalProperties: false },
      ),
    ),
    order: Type.Optional(literals(ORDERS, ORDERS.join(', '))),
    unit: Type.Optional(literals(UNITS, 'who counts: person (default) or company')),
    breakdown: Type.Optional(Breakdown),
    ...Common,
  },
  { additionalProperties: false },
);
export type FunnelsDefinition = Static<typeof FunnelsDefinition>;
