import type { Module } from '../dialects/dialect.ts';
import { limitsCommands } from './limits.commands.ts';
import { limitsMigrations } from './limits.migrations.ts';

/** Limits: what tenants' admins set of their own rates and quotas, and the quotas' counts. */
export const limitsModule: Module = {
  name: 'limits',
  commands: limitsCommands,
  pgMigrations: limitsMigrations,
  open: async (place) => (await import('./limits.module.ts')).openLimits(place),
};
