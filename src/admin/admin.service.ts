import type { ApiKey, App, Catalog, OAuthClient, Role, Tenant } from '../catalog/catalog.port.ts';
import type { Category } from '../domain/categories.ts';
import type { Scope } from '../domain/scopes.ts';
import type { AdminEventType } from '../live/event-types.ts';
import { generateSecret, hashSecret, secretPrefix } from '../auth/api-keys.ts';
import { newId } from '../domain/ids.ts';

export interface CreatedKey {
  key: ApiKey;
  /** Shown once, here; only its hash is stored. */
  secret: string;
}

export interface CreatedClient {
  client: OAuthClient;
  /** The client_secret, shown once, here; only its hash is stored. */
  secret: string;
}

export type InitOutcome =
  | { outcome: 'created'; tenant: Tenant; adminKey: CreatedKey }
  | { outcome: 'tenant_exists'; tenants: Tenant[] };

/**
 * What an admin request can come to. Expected failures are values: the routes (through
 * admin.outcomes.ts) turn each into its documented error code.
 */
export type AdminOutcome<T> =
  | { outcome: 'ok'; value: T }
  | { outcome: 'tenant_not_found'; tenant: string }
  | { outcome: 'app_not_found'; app: string }
  | { outcome: 'app_name_taken'; name: string }
  | { outcome: 'origin_taken'; origin: number | null }
  | { outcome: 'mapping_not_found'; app: string; eventName: string }
  | { outcome: 'key_not_found'; key: string }
  | { outcome: 'last_admin_key'; key: string }
  | { outcome: 'client_not_found'; client: string };

const ok = <T>(value: T) => ({ outcome: 'ok' as const, value });

/**
 * What an administrator can do with the catalog, independent of how they ask: the admin
 * REST API calls this (and the CLI, through that API). `changed` tells this process's
 * caches (catalog/changes.ts); `emit` tells Live API subscribers.
 */
export class AdminService {
  constructor(
    private readonly catalog: Catalog,
    private readonly changed: () => void = () => {},
    /** Tells Live API subscribers of a change (the server wires it; offline tools do not). */
    private readonly emit: (
      tenantId: string,
      type: AdminEventType,
      data: Record<string, unknown>,
    ) => Promise<void> | void = () => {},
  ) {}

  /**
   * Creates a tenant with its first admin key. Without an explicit name, it refuses
   * once any tenant exists, so running `init` twice does not silently make a second one.
   */
  async init(name: string | undefined): Promise<InitOutcome> {
    const tenants = await this.catalog.listTenants();
    if (name === undefined && tenants.length > 0) return { outcome: 'tenant_exists', tenants };
    const tenant = await this.catalog.createTenant(name ?? 'default');
    const adminKey = await this.createKey(tenant.id, 'admin', 'initial admin key');
    return { outcome: 'created', tenant, adminKey };
  }

  async tenant(tenantId: string): Promise<AdminOutcome<Tenant>> {
    const tenant = await this.catalog.getTenant(tenantId);
    return tenant ? ok(tenant) : { outcome: 'tenant_not_found', tenant: tenantId };
  }

  async renameTenant(tenantId: string, name: string): Promise<AdminOutcome<Tenant>> {
    const tenant = await this.catalog.renameTenant(tenantId, name);
    if (!tenant) return { outcome: 'tenant_not_found', tenant: tenantId };
    this.changed();
    return ok(tenant);
  }

  listApps(tenantId: string): Promise<App[]> {
    return this.catalog.listApps(tenantId);
  }

  async app(tenantId: string, idOrName: string): Promise<AdminOutcome<App>> {
    const app = await this.catalog.findApp(tenantId, idOrName);
    return app ? ok(app) : { outcome: 'app_not_found', app: idOrName };
  }

  async createApp(tenantId: string, name: string): Promise<AdminOutcome<App>> {
    const res = await this.catalog.createApp(tenantId, name);
    if (res.outcome === 'name_taken') return { outcome: 'app_name_taken', name };
    this.changed();
    await this.emit(tenantId, 'usagehub.app.Created', { app: res.value });
    return ok(res.value);
  }

  async renameApp(tenantId: string, id: string, name: string): Promise<AdminOutcome<App>> {
    const res = await this.catalog.renameApp(tenantId, id, name);
    if (!res) return { outcome: 'app_not_found', app: id };
    if (res.outcome === 'name_taken') return { outcome: 'app_name_taken', name };
    return this.appChanged(tenantId, res.value);
  }

  async setAppOrigin(tenantId: string, idOrName: string, origin: number | null): Promise<AdminOutcome<App>> {
    const found = await this.app(tenantId, idOrName);
    if (found.outcome !== 'ok') return found;
    const res = await this.catalog.setAppOrigin(tenantId, found.value.id, origin);
    if (!res) return { outcome: 'app_not_found', app: idOrName };
    if (res.outcome === 'name_taken') return { outcome: 'origin_taken', origin };
    return this.appChanged(tenantId, res.value);
  }

  async mapEvent(
    tenantId: string,
    idOrName: string,
    eventName: string,
    category: Category,
  ): Promise<AdminOutcome<App>> {
    const found = await this.app(tenantId, idOrName);
    if (found.outcome !== 'ok') return found;
    const updated = await this.catalog.setEventMapping(tenantId, found.value.id, { eventName, category });
    if (!updated) return { outcome: 'app_not_found', app: idOrName };
    return this.appChanged(tenantId, updated);
  }

  async unmapEvent(tenantId: string, idOrName: string, eventName: string): Promise<AdminOutcome<App>> {
    const found = await this.app(tenantId, idOrName);
    if (found.outcome !== 'ok') return found;
    if (!found.value.eventMappings.some((m) => m.eventName === eventName))
      return { outcome: 'mapping_not_found', app: found.value.name, eventName };
    const updated = await this.catalog.removeEventMapping(tenantId, found.value.id, eventName);
    if (!updated) return { outcome: 'app_not_found', app: idOrName };
    return this.appChanged(tenantId, updated);
  }

  private async appChanged(tenantId: string, app: App): Promise<AdminOutcome<App>> {
    this.changed();
    await this.emit(tenantId, 'usagehub.app.Changed', { app });
    return ok(app);
  }

  listKeys(tenantId: string): Promise<ApiKey[]> {
    return this.catalog.listKeys(tenantId);
  }

  async createKey(tenantId: string, role: Role, name: string): Promise<CreatedKey> {
    const secret = generateSecret(role);
    const key = await this.catalog.createKey(
      { id: newId('key'), tenantId, name, role, prefix: secretPrefix(secret) },
      hashSecret(secret),
    );
    await this.emit(tenantId, 'usagehub.key.Created', { key });
    return { key, secret };
  }

  /**
   * Revokes a key, except the tenant's last active admin key: without it nobody could
   * manage the tenant until someone ran the CLI on the stopped server. Revocations in
   * one process take turns, so two at once cannot both pass the check.
   */
  revokeKey(tenantId: string, id: string): Promise<AdminOutcome<ApiKey>> {
    const run = async (): Promise<AdminOutcome<ApiKey>> => {
      const keys = await this.catalog.listKeys(tenantId);
      const target = keys.find((k) => k.id === id);
      const activeAdmins = keys.filter((k) => k.role === 'admin' && k.revokedAt === null);
      if (target?.role === 'admin' && target.revokedAt === null && activeAdmins.length === 1)
        return { outcome: 'last_admin_key', key: id };
      const key = await this.catalog.revokeKey(tenantId, id);
      if (!key) return { outcome: 'key_not_found', key: id };
      this.changed();
      await this.emit(tenantId, 'usagehub.key.Revoked', { key });
      return ok(key);
    };
    const done = this.revocations.then(run, run);
    this.revocations = done.catch(() => {});
    return done;
  }
  private revocations: Promise<unknown> = Promise.resolve();

  listOAuthClients(tenantId: string): Promise<OAuthClient[]> {
    return this.catalog.listOAuthClients(tenantId);
  }

  async createOAuthClient(tenantId: string, name: string, scopes: Scope[]): Promise<CreatedClient> {
    const secret = generateSecret('client');
    const client = await this.catalog.createOAuthClient(
      { id: newId('client'), tenantId, name, scopes: [...new Set(scopes)] },
      hashSecret(secret),
    );
    await this.emit(tenantId, 'usagehub.oauth_client.Created', { client });
    return { client, secret };
  }

  async revokeOAuthClient(tenantId: string, id: string): Promise<AdminOutcome<OAuthClient>> {
    const client = await this.catalog.revokeOAuthClient(tenantId, id);
    if (!client) return { outcome: 'client_not_found', client: id };
    this.changed();
    await this.emit(tenantId, 'usagehub.oauth_client.Revoked', { client });
    return ok(client);
  }
}
