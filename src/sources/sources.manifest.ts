import type { Module } from '../dialects/dialect.ts';
import { sourcesCommands } from './sources.commands.ts';
import { sourcesMigrations } from './sources.migrations.ts';

/**
 * Sources: the write keys that Segment and PostHog SDKs send with, each bound to one app.
 * Shared by the segment and posthog dialects, which resolve keys of their own kind.
 */
export const sources: Module = {
  name: 'sources',
  commands: sourcesCommands,
  pgMigrations: sourcesMigrations,
  open: async (place, changes) => (await import('./sources.module.ts')).openSources(place, changes),
};
