import type { Dialect } from '../dialect.ts';
import { sessionsMigrations } from './sessions.migrations.ts';
import { sessionsProjection } from './sessions.projection.ts';
import { sessionCommands } from './sessions.commands.ts';

/** Sessions v3: START/UPDATE/END events, sessions joined from them at query time. */
export const sessions: Dialect = {
  name: 'sessions',
  projection: sessionsProjection,
  pgMigrations: sessionsMigrations,
  commands: sessionCommands,
  open: async (place, changes) => (await import('./sessions.module.ts')).openSessions(place, changes),
  liveTypeNames: ['usagehub.session.Started', 'usagehub.session.Ended'],
  liveTypes: (e) => {
    if (e.session.id === undefined) return [];
    if (e.session.action === 'START') return ['usagehub.session.Started'];
    if (e.session.action === 'END') return ['usagehub.session.Ended'];
    return [];
  },
};
