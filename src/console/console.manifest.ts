import type { Module } from '../dialects/dialect.ts';
import { consoleMigrations } from './console.migrations.ts';

/**
 * The console: the web pages at `/` (built from web/ by Vite) and the sign-in that
 * exchanges an API key for a session cookie. Its pages read only the public API.
 */
export const consoleModule: Module = {
  name: 'console',
  pgMigrations: consoleMigrations,
  open: async (place, changes) => (await import('./console.module.ts')).openConsole(place, changes),
};
