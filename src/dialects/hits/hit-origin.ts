import type { FastifyRequest } from 'fastify';
import type { App } from '../../catalog/catalog.port.ts';
import { UsageHubError, problem } from '../../domain/errors.ts';
import { principalOf } from '../../http/auth-hook.ts';
import type { HitRegistrySnapshot } from './hit-snapshots.ts';
import { type Hit } from './hits.mapping.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import type { Catalog } from '../../catalog/catalog.port.ts';

/** Third-party hits (origin -1) without a client id header are stored under this app. */
export const THIRD_PARTY_APP = 'third-party';
const CLIENT_ID_HEADER = 'x-kpk-client-id';

/**
 * Finds the user interface (an app) a hit comes from, by its origin or the
 * X-KPK-CLIENT-ID header; third-party hits without one go to an app made for them.
 */
export function originResolver(deps: { apps: AppDirectory; catalog: Catalog }) {
  /** The user interface (an app) a hit comes from: its origin, else the client id header. */
  const resolveOrigin = async (
    req: FastifyRequest,
    hit: Hit,
    registry: HitRegistrySnapshot,
  ): Promise<{ app: App; origin: number }> => {
    const tenantId = principalOf(req).tenantId;
    const header = req.headers[CLIENT_ID_HEADER];
    const clientId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
    const byClientId = async (): Promise<App> => {
      const found = /^-?\d+$/.test(clientId!)
        ? registry.origins.get(Number(clientId))
        : (await deps.apps.lookup(tenantId))(clientId!);
      if (!found) {
        throw new UsageHubError('validation_failed', undefined, [
          problem(
            'X-KPK-CLIENT-ID',
            'unknown_origin',
            `no user interface ${clientId} (GET /api/dam/user-interfaces)`,
          ),
        ]);
      }
      return found;
    };
    if (hit.origin === undefined) {
      if (clientId === undefined) {
        throw new UsageHubError('validation_failed', undefined, [
          problem('origin', 'field_required', 'origin, or the X-KPK-CLIENT-ID header, is required'),
        ]);
      }
      const found = await byClientId();
      return { app: found, origin: found.origin ?? -1 };
    }
    if (hit.origin === -1) {
      if (clientId !== undefined) return { app: await byClientId(), origin: -1 };
      return { app: await thirdPartyApp(tenantId), origin: -1 };
    }
    const found = registry.origins.get(hit.origin);
    if (!found) {
      throw new UsageHubError('validation_failed', undefined, [
        problem(
          'origin',
          'unknown_origin',
          `origin ${hit.origin} is not a user interface of GET /api/dam/user-interfaces, nor -1`,
        ),
      ]);
    }
    return { app: found, origin: hit.origin };
  };

  const thirdPartyApp = async (tenantId: string): Promise<App> => {
    const existing = (await deps.apps.lookup(tenantId))(THIRD_PARTY_APP);
    if (existing) return existing;
    const created = await deps.catalog.createApp(tenantId, THIRD_PARTY_APP);
    deps.apps.invalidate();
    if (created.outcome === 'created') return created.value;
    const raced = await deps.catalog.findApp(tenantId, THIRD_PARTY_APP);
    if (!raced) throw new Error('the third-party app vanished');
    return raced;
  };
  return resolveOrigin;
}
