import type { Module } from '../dialects/dialect.ts';
import { insightsMigrations } from './library/library.migrations.ts';

/** Insights: trends, funnels and retention over the event store at /v1/insights/query; saved insights and dashboards. */
export const insights: Module = {
  name: 'insights',
  pgMigrations: insightsMigrations,
  open: async (place) => (await import('./insights.module.ts')).openInsights(place),
};
