import cookie from '@fastify/cookie';
import type { CatalogPlace } from '../catalog/catalog-place.ts';
import type { CatalogChanges } from '../catalog/changes.ts';
import type { OpenModule } from '../dialects/dialect.ts';
import { consoleAssets } from './console-assets.ts';
import { ConsoleSessions } from './console-sessions.ts';
import { openSessionStore } from './open-session-store.ts';
import { sessionHook } from './session-hook.ts';
import { sessionRoutes } from './session.routes.ts';

/** The console: its session store opened, its sign-in, its cookie on every route, its pages. */
export async function openConsole(place: CatalogPlace, changes: CatalogChanges): Promise<OpenModule> {
  const store = await openSessionStore(place);
  let sessions: ConsoleSessions | null = null;
  changes.subscribe(() => sessions?.invalidate());
  return {
    serve: async (app, deps) => {
      sessions = new ConsoleSessions(store, deps.auth, deps.config.consoleSessionHours * 3600_000);
      // No parsing hook of its own on every request: the session hook parses when it needs to.
      await app.register(cookie, { hook: false });
      app.decorateRequest('consoleSession', null);
      app.decorateRequest('consoleCsrf', null);
      // On the root, before any other route is added: every read route takes the session.
      app.addHook(
        'onRequest',
        sessionHook(sessions, (header) => app.parseCookie(header)),
      );
      await app.register(sessionRoutes, { sessions });
      await app.register(consoleAssets);
    },
    close: () => store.close(),
  };
}
