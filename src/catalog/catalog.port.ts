/**
 * Catalog port: tenants, apps and API keys — the small, transactional data that
 * every request consults. The embedded adapter is SQLite; hot lookups are cached by
 * callers (auth/, ingest/), so an adapter may be a network round trip away.
 */
import type { Category } from '../domain/categories.ts';
import type { Scope } from '../domain/scopes.ts';

export type Role = 'admin' | 'ingest' | 'read';
export const ROLES: readonly Role[] = ['admin', 'ingest', 'read'];

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

/** One event name an app may send, and its category (domain/categories.ts). */
export interface EventMapping {
  eventName: string;
  category: Category;
}

export interface App {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
  /** Sorted by event name. Dialects that require a mapping accept only these names. */
  eventMappings: EventMapping[];
  /** The app's number as a user interface of the statistic-hits API, unique in the tenant. */
  origin: number | null;
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
  /** When it last authenticated, to the minute (Authenticator); null if never. */
  lastUsedAt: string | null;
}

/** An OAuth2 client (client credentials grant) of a tenant; its secret is stored hashed. */
export interface OAuthClient {
  /** The client_id. */
  id: string;
  tenantId: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
  /** When it was last given a token, to the minute; null if never. */
  lastUsedAt: string | null;
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

  /** Adds a mapping or changes its category; null when the app does not exist. */
  setEventMapping(tenantId: string, appId: string, mapping: EventMapping): Promise<App | null>;
  /** Null when the app does not exist; the app unchanged when the name was not mapped. */
  removeEventMapping(tenantId: string, appId: string, eventName: string): Promise<App | null>;

  /** Gives an app a user-interface number (or none); `name_taken` when another app has it. */
  setAppOrigin(tenantId: string, appId: string, origin: number | null): Promise<CreateOutcome<App> | null>;

  createOAuthClient(
    client: Omit<OAuthClient, 'createdAt' | 'revokedAt' | 'lastUsedAt'>,
    secretHash: string,
  ): Promise<OAuthClient>;
  listOAuthClients(tenantId: string): Promise<OAuthClient[]>;
  revokeOAuthClient(tenantId: string, id: string): Promise<OAuthClient | null>;
  /** Any tenant's client by its client_id, with the hash to check a presented secret against. */
  findOAuthClient(id: string): Promise<{ client: OAuthClient; secretHash: string } | null>;
  /**
   * The secret that signs access tokens, created on first use. Every process serving
   * the same catalog signs and verifies with it.
   */
  tokenSigningKey(): Promise<string>;

  /** Stores a key by the hash of its secret; the secret itself is never stored. */
  createKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt' | 'lastUsedAt'>, secretHash: string): Promise<ApiKey>;
  listKeys(tenantId: string): Promise<ApiKey[]>;
  revokeKey(tenantId: string, id: string): Promise<ApiKey | null>;
  findKeyByHash(secretHash: string): Promise<ApiKey | null>;
  /** Records that a key was used at `at` (ISO 8601); an earlier time never overwrites a later one. */
  touchKey(id: string, at: string): Promise<void>;
  /** The same for an OAuth client, when it is given a token. */
  touchOAuthClient(id: string, at: string): Promise<void>;

  close(): Promise<void>;
}
