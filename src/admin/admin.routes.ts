import type { FastifyInstance } from 'fastify';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { Registries } from '../dialects/dialect.ts';
import { ipRangeRoutes } from './ip-ranges.routes.ts';
import type { AdminEventType } from '../live/event-types.ts';
import type { AdminService } from './admin.service.ts';
import { appRoutes } from './apps.routes.ts';
import { keyRoutes } from './keys.routes.ts';
import { oauthClientRoutes } from './oauth-clients.routes.ts';
import { tenantRoutes } from './tenant.routes.ts';

export interface AdminApiDeps {
  auth: KeyResolver;
  admin: AdminService;
  registries: Registries;
  emit: (tenantId: string, type: AdminEventType, data: Record<string, unknown>) => Promise<void> | void;
}

/**
 * The whole admin API: the catalog's nouns, the IP range tables, and each module's
 * registries. The server serves it, and so does the CLI's local mode (cli/local-admin.ts).
 */
export async function registerAdminRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const { auth, admin, registries } = deps;
  for (const routes of [tenantRoutes, appRoutes, keyRoutes, oauthClientRoutes])
    await app.register(routes, { auth, admin });
  await app.register(ipRangeRoutes, {
    auth,
    table: registries.ipRanges,
    changed: () => registries.changes.notify(),
    emit: deps.emit,
  });
  const findApp = async (tenantId: string, idOrName: string) => {
    const res = await admin.app(tenantId, idOrName);
    return res.outcome === 'ok' ? res.value : null;
  };
  for (const module of registries.modules) await module.admin?.(app, { auth, findApp });
}
