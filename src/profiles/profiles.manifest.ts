import type { Module } from '../dialects/dialect.ts';
import { profilesMigrations } from './profiles.migrations.ts';

/**
 * User profiles: one per person and tenant, kept from every dialect's events (ids
 * merged, traits by event time), queried at /v1/users, changes on the Live stream.
 */
export const profiles: Module = {
  name: 'profiles',
  pgMigrations: profilesMigrations,
  open: async (place) => (await import('./profiles.module.ts')).openProfiles(place),
};
