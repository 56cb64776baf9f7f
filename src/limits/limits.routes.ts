import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { UsageHubError } from '../domain/errors.ts';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import type { LimitSettingsCache } from './limit-settings-cache.ts';
import { LimitSettingsSchema, type LimitSettings, type LimitStore } from './limit-store.port.ts';
import { periodsAt } from './quotas.ts';

export interface LimitRoutesDeps {
  auth: KeyResolver;
  store: LimitStore;
  /** The serving process's cache, told of a change at once (absent in the CLI's local admin). */
  cache: () => LimitSettingsCache | null;
  /** The server's own rates, the ceiling of every setting (null in the CLI's local admin). */
  ceilings: () => Ceilings | null;
}

export interface Ceilings {
  key: { requestsPerSecond: number; eventsPerSecond: number; bytesPerSecond: number };
  tenant: { requestsPerSecond: number; eventsPerSecond: number; bytesPerSecond: number };
}

const Rates = Type.Object({
  requestsPerSecond: Type.Number(),
  eventsPerSecond: Type.Number(),
  bytesPerSecond: Type.Number(),
});
const LimitsView = Type.Object({
  server: Type.Union([Type.Object({ key: Rates, tenant: Rates }), Type.Null()], {
    description: "The server's limits (USAGEHUB_LIMIT_*): the ceiling of every setting below.",
  }),
  tenant: LimitSettingsSchema,
  keys: Type.Record(Type.String(), LimitSettingsSchema, {
    description: 'By key id: an API key, a write key’s source (src_…), an OAuth client.',
  }),
  usage: Type.Object({
    day: Type.Object({
      period: Type.String(),
      events: Type.Number(),
      quota: Type.Union([Type.Number(), Type.Null()]),
    }),
    month: Type.Object({
      period: Type.String(),
      events: Type.Number(),
      quota: Type.Union([Type.Number(), Type.Null()]),
    }),
  }),
});
const KeyParams = Type.Object({
  keyId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
});

/**
 * A tenant's own limits (docs/operations.md, "Rate limits"): lower rates for the tenant
 * or one of its keys, and quotas of events per UTC day and month. Admin keys only. The
 * server's configuration is the ceiling: a rate set above it has no effect.
 */
export const limitRoutes: FastifyPluginAsync<LimitRoutesDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'admin'));

  const view = async (tenantId: string) => {
    const settings = await deps.store.get(tenantId);
    const p = periodsAt(Date.now());
    const usage = await deps.store.usage(tenantId, [p.day, p.month]);
    const live = deps.cache()?.quotas.usage(tenantId);
    return {
      server: deps.ceilings(),
      tenant: settings.tenant,
      keys: settings.keys,
      usage: {
        day: {
          period: p.day.slice(1),
          events: Math.max(usage[p.day] ?? 0, live?.day ?? 0),
          quota: settings.tenant.eventsPerDay ?? null,
        },
        month: {
          period: p.month.slice(1),
          events: Math.max(usage[p.month] ?? 0, live?.month ?? 0),
          quota: settings.tenant.eventsPerMonth ?? null,
        },
      },
    };
  };
  const changed = async (tenantId: string) => {
    await deps.cache()?.changed(tenantId);
    return view(tenantId);
  };

  app.get(
    '/v1/limits',
    {
      schema: {
        ...adminSchema,
        summary: "The tenant's limits, its keys', the server's ceilings, and the quotas' usage",
        response: { 200: LimitsView, ...errors },
      },
    },
    async (req) => view(tenantOf(req)),
  );
  app.put(
    '/v1/limits',
    {
      schema: {
        ...adminSchema,
        summary: "Sets the tenant's own limits and quotas (replacing them; {} clears them)",
        body: LimitSettingsSchema,
        response: { 200: LimitsView, ...errors },
      },
    },
    async (req) => {
      await deps.store.setTenant(tenantOf(req), req.body);
      return changed(tenantOf(req));
    },
  );
  app.put(
    '/v1/limits/keys/:keyId',
    {
      schema: {
        ...adminSchema,
        summary: "Sets one key's own rates (replacing them)",
        params: KeyParams,
        body: LimitSettingsSchema,
        response: { 200: LimitsView, ...errors },
      },
    },
    async (req) => {
      refuseKeyQuotas(req.body);
      await deps.store.setKey(tenantOf(req), req.params.keyId, req.body);
      return changed(tenantOf(req));
    },
  );
  app.delete(
    '/v1/limits/keys/:keyId',
    {
      schema: {
        ...adminSchema,
        summary: "Removes one key's own rates: the tenant's and the server's apply",
        params: KeyParams,
        response: { 200: LimitsView, ...errors },
      },
    },
    async (req) => {
      await deps.store.setKey(tenantOf(req), req.params.keyId, null);
      return changed(tenantOf(req));
    },
  );
};

/** Quotas count a tenant's events; a key has rates only. */
function refuseKeyQuotas(s: LimitSettings): void {
  for (const field of ['eventsPerDay', 'eventsPerMonth'] as const)
    if (s[field] !== undefined)
      throw new UsageHubError('validation_failed', 'The limits are invalid; nothing was changed.', [
        { field, code: 'field_unknown', reason: `${field} is a tenant's quota: set it with PUT /v1/limits` },
      ]);
}
