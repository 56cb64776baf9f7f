import { Type, type Static } from 'typebox';
import { Common, EventPattern, Filters, literals } from '../../definition/definition.schema.ts';

export const PERIODS = ['day', 'week', 'month'] as const;
export type RetentionPeriod = (typeof PERIODS)[number];
export const COHORT_KINDS = ['first_time', 'recurring'] as const;
export const MAX_PERIODS = 52;

const Event = Type.Object(
  { event: EventPattern, filters: Type.Optional(Filters) },
  { additionalProperties: false },
);

export const RetentionDefinition = Type.Object(
  {
    kind: Type.Literal('retention'),
    start: Event,
    return: Event,
    period: Type.Optional(literals(PERIODS, PERIODS.join(', '))),
    periods: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PERIODS,
        description: 'periods followed, the cohort’s own first',
      }),
    ),
    cohort: Type.Optional(
      literals(
        COHORT_KINDS,
        'first_time: a person’s first start event ever; recurring: every period with one',
      ),
    ),
    unit: Type.Optional(literals(['person', 'company'] as const, 'who counts: person (default) or company')),
    ...Common,
  },
  { additionalProperties: false },
);
export type RetentionDefinition = Static<typeof RetentionDefinition>;
