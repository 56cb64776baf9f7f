/**
 * SessionTypeStore port: the session event types (v3) a tenant added to the default
 * set (session-types.ts). Kept beside the catalog, in the same database.
 */
export interface SessionTypeStore {
  /** The tenant's added types, sorted. */
  list(tenantId: string): Promise<string[]>;
  /** Adding a type twice is adding it once. */
  add(tenantId: string, type: string): Promise<void>;
  close(): Promise<void>;
}
