/**
 * Catalog port: tenants, apps and API keys — the small, transactional data that
 * every request consults. The embedded adapter is SQLite; hot lookups are cached by
 * callers (auth/, ingest/), so an adapter may be a network round trip away.
 */
export type Role = 'admin' | 'ingest' | 'read';
export const ROLES: readonly Role[] = ['admin', 'ingest', 'read'];

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface App {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  /** The first characters of the secret, safe to show, to tell keys apart. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Outcomes a caller must handle are values, not exceptions. */
export type CreateOutcome<T> = { outcome: 'created'; value: T } | { outcome: 'name_taken' };

export interface Catalog {
  createTenant(name: string): Promise<Tenant>;
  listTenants(): Promise<Tenant[]>;
  getTenant(id: string): Promise<Tenant | null>;
  renameTenant(id: string, name: string): Promise<Tenant | null>;

  createApp(tenantId: string, name: string): Promise<CreateOutcome<App>>;
  listApps(tenantId: string): Promise<App[]>;
  /** Finds an app by id, else by name, within the tenant. */
  findApp(tenantId: string, idOrName: string): Promise<App | null>;
  renameApp(tenantId: string, id: string, name: string): Promise<CreateOutcome<App> | null>;

  /** Stores a key by the hash of its secret; the secret itself is never stored. */
  createKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt'>, secretHash: string): Promise<ApiKey>;
  listKeys(tenantId: string): Promise<ApiKey[]>;
  revokeKey(tenantId: string, id: string): Promise<ApiKey | null>;
  findKeyByHash(secretHash: string): Promise<ApiKey | null>;

  close(): Promise<void>;
}
