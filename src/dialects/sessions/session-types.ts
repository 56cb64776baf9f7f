import type { SessionTypeStore } from './session-types.port.ts';

/**
 * The types every tenant's registry starts with. The API knows "a fixed number of
 * types"; a tenant adds its own with `usagehub session-types add`.
 */
export const DEFAULT_SESSION_TYPES = [
  'APPSTART',
  'APPUSAGE',
  'PAGEVIEW',
  'SEARCH',
  'DOWNLOAD',
  'LOCATION',
  'ERROR',
  'CUSTOM',
] as const;

/** A type name: upper-case letters, digits and underscores, as the defaults are. */
export const SESSION_TYPE_PATTERN = '^[A-Z][A-Z0-9_]{0,63}$';

const TTL_MS = 5000;

/** Per-tenant cache of the type registry for the ingest path. */
export class SessionTypeRegistry {
  private readonly tenants = new Map<string, { types: Set<string>; until: number }>();

  constructor(private readonly store: SessionTypeStore) {}

  async types(tenantId: string): Promise<Set<string>> {
    const now = Date.now();
    const hit = this.tenants.get(tenantId);
    if (hit && hit.until > now) return hit.types;
    const types = new Set<string>([...DEFAULT_SESSION_TYPES, ...(await this.store.list(tenantId))]);
    this.tenants.set(tenantId, { types, until: now + TTL_MS });
    return types;
  }

  invalidate(): void {
    this.tenants.clear();
  }
}
