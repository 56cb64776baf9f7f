import type { BreakdownKey } from '../trends/trends.result.ts';

export interface FunnelStepResult {
  step: number;
  label: string;
  /** Persons (or companies) who reached this step. */
  entered: number;
  /** …of whom reached the next step (the last step: all of them, the funnel's conversions). */
  converted: number;
  /** …of whom went no further: entered − converted. */
  dropped: number;
  /** entered / the first step's entered; null when no one entered the first. */
  conversionFromFirst: number | null;
  /** entered / the previous step's entered. */
  conversionFromPrevious: number | null;
  /** Seconds from the previous step to this one, over those who reached it; null for the first step and in `any` order. */
  medianSecondsFromPrevious: number | null;
  p90SecondsFromPrevious: number | null;
}

export interface FunnelGroup {
  /** The first step's value of the breakdown field (absent without a breakdown). */
  breakdown?: BreakdownKey;
  steps: FunnelStepResult[];
}

export interface FunnelsResult {
  kind: 'funnels';
  timezone: string;
  range: { from: string; to: string };
  windowSeconds: number;
  order: string;
  unit: string;
  groups: FunnelGroup[];
}
