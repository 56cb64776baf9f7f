/**
 * LimitStore port: what a tenant's admin set of its own limits — lower rates for the
 * tenant or for one of its keys (a leaked write key throttled, say) and quotas of events
 * per day and per month — and how many events each tenant's quota has counted. Kept
 * beside the catalog, in the same database.
 *
 * The server's configuration is the ceiling: a setting here can only lower a rate
 * (limits/effective-limits.ts), so one tenant's admin cannot take another's share.
 */
import { Type, type Static } from 'typebox';

const rate = (description: string) =>
  Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description }));

export const LimitSettingsSchema = Type.Object(
  {
    requestsPerSecond: rate('Requests per second (at most the server’s limit).'),
    eventsPerSecond: rate('Events per second (at most the server’s limit).'),
    bytesPerSecond: rate('Request body bytes per second, decoded (at most the server’s limit).'),
    eventsPerDay: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1e15, description: 'Events per UTC day (tenant only).' }),
    ),
    eventsPerMonth: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1e15, description: 'Events per UTC month (tenant only).' }),
    ),
  },
  { additionalProperties: false },
);
export type LimitSettings = Static<typeof LimitSettingsSchema>;

/** A tenant's settings: its own, and its keys' (by key id: an API key, a write key's source, an OAuth client). */
export interface TenantLimitSettings {
  tenantId: string;
  tenant: LimitSettings;
  keys: Record<string, LimitSettings>;
}

/** Events a quota counted in one period: `d2026-12-07` (a UTC day) or `m2026-12` (a UTC month). */
export interface Usage {
  tenantId: string;
  period: string;
  events: number;
}

export interface LimitStore {
  /** The tenant's settings ({} and no keys when none were set). */
  get(tenantId: string): Promise<TenantLimitSettings>;
  /** Every tenant that has any setting. */
  all(): Promise<TenantLimitSettings[]>;
  /** Replaces the tenant's own settings ({} clears them). */
  setTenant(tenantId: string, settings: LimitSettings): Promise<void>;
  /** Replaces one key's settings; null removes them. */
  setKey(tenantId: string, keyId: string, settings: LimitSettings | null): Promise<void>;
  /** Adds counted events to each tenant's periods. */
  addUsage(rows: readonly Usage[]): Promise<void>;
  /** The events counted in the given periods (0 where none). */
  usage(tenantId: string, periods: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}
