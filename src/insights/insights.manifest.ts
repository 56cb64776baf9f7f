import type { Module } from '../dialects/dialect.ts';

/** Insights: trends (and the kinds to come) over the event store, at /v1/insights. */
export const insights: Module = {
  name: 'insights',
  open: async () => (await import('./insights.module.ts')).openInsights(),
};
