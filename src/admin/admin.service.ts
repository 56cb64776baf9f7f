import type {
  ApiKey,
  App,
  Catalog,
  HitUser,
  Media,
  Metric,
  OAuthClient,
  Role,
  Tenant,
} from '../catalog/catalog.ts';
import { resolveCompany, type CompanyResolution } from '../enrichment/companies.ts';
import { parseIpRangeCsv } from '../enrichment/ip-range-csv.ts';
import { IpRangeIndex } from '../enrichment/ip-ranges.ts';
import { METRIC_KEY } from '../dialects/aggregated/aggregated.schema.ts';
import { DEFAULT_SESSION_TYPES, SESSION_TYPE_PATTERN } from '../dialects/sessions/session-types.ts';
import type { Category } from '../domain/categories.ts';
import type { Scope } from '../auth/oauth/scopes.ts';
import type { AdminEventType } from '../live/event-types.ts';
import { generateSecret, hashSecret, secretPrefix } from '../auth/api-keys.ts';
import { newId } from '../domain/ids.ts';
import { UsageHubError, problem } from '../domain/errors.ts';

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
 * What an administrator can do, independent of how they ask: the admin REST API and
 * the CLI's local mode both call this. `onChange` lets caches (auth, app lookup) drop
 * what they hold.
 */
export class AdminService {
  constructor(
    private readonly catalog: Catalog,
    private readonly onChange: () => void = () => {},
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

  async tenant(tenantId: string): Promise<Tenant> {
    const tenant = await this.catalog.getTenant(tenantId);
    if (!tenant) throw new UsageHubError('not_found', `tenant ${tenantId} does not exist`);
    return tenant;
  }

  async renameTenant(tenantId: string, name: string): Promise<Tenant> {
    const tenant = await this.catalog.renameTenant(tenantId, name);
    if (!tenant) throw new UsageHubError('not_found', `tenant ${tenantId} does not exist`);
    this.onChange();
    return tenant;
  }

  listApps(tenantId: string): Promise<App[]> {
    return this.catalog.listApps(tenantId);
  }

  async app(tenantId: string, idOrName: string): Promise<App> {
    const app = await this.catalog.findApp(tenantId, idOrName);
    if (!app) throw new UsageHubError('not_found', `app ${idOrName} does not exist`);
    return app;
  }

  async createApp(tenantId: string, name: string): Promise<App> {
    const res = await this.catalog.createApp(tenantId, name);
    if (res.outcome === 'name_taken')
      throw new UsageHubError('conflict', `an app named ${name} already exists`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.app.Created', { app: res.value });
    return res.value;
  }

  async renameApp(tenantId: string, id: string, name: string): Promise<App> {
    const res = await this.catalog.renameApp(tenantId, id, name);
    if (!res) throw new UsageHubError('not_found', `app ${id} does not exist`);
    if (res.outcome === 'name_taken')
      throw new UsageHubError('conflict', `an app named ${name} already exists`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.app.Changed', { app: res.value });
    return res.value;
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
  revokeKey(tenantId: string, id: string): Promise<ApiKey> {
    const run = async (): Promise<ApiKey> => {
      const keys = await this.catalog.listKeys(tenantId);
      const target = keys.find((k) => k.id === id);
      const activeAdmins = keys.filter((k) => k.role === 'admin' && k.revokedAt === null);
      if (target?.role === 'admin' && target.revokedAt === null && activeAdmins.length === 1) {
        throw new UsageHubError(
          'conflict',
          `key ${id} is the tenant's last active admin key; create another admin key before revoking it`,
        );
      }
      const key = await this.catalog.revokeKey(tenantId, id);
      if (!key) throw new UsageHubError('not_found', `key ${id} does not exist`);
      this.onChange();
      await this.emit(tenantId, 'usagehub.key.Revoked', { key });
      return key;
    };
    const done = this.revocations.then(run, run);
    this.revocations = done.catch(() => {});
    return done;
  }
  private revocations: Promise<unknown> = Promise.resolve();

  async mapEvent(tenantId: string, idOrName: string, eventName: string, category: Category): Promise<App> {
    const app = await this.app(tenantId, idOrName);
    const updated = await this.catalog.setEventMapping(tenantId, app.id, { eventName, category });
    if (!updated) throw new UsageHubError('not_found', `app ${idOrName} does not exist`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.app.Changed', { app: updated });
    return updated;
  }

  async unmapEvent(tenantId: string, idOrName: string, eventName: string): Promise<App> {
    const app = await this.app(tenantId, idOrName);
    if (!app.eventMappings.some((m) => m.eventName === eventName)) {
      throw new UsageHubError('not_found', `app ${app.name} has no mapping for ${eventName}`);
    }
    const updated = await this.catalog.removeEventMapping(tenantId, app.id, eventName);
    if (!updated) throw new UsageHubError('not_found', `app ${idOrName} does not exist`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.app.Changed', { app: updated });
    return updated;
  }

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

  async revokeOAuthClient(tenantId: string, id: string): Promise<OAuthClient> {
    const client = await this.catalog.revokeOAuthClient(tenantId, id);
    if (!client) throw new UsageHubError('not_found', `OAuth client ${id} does not exist`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.oauth_client.Revoked', { client });
    return client;
  }

  async setAppOrigin(tenantId: string, idOrName: string, origin: number | null): Promise<App> {
    const app = await this.app(tenantId, idOrName);
    const res = await this.catalog.setAppOrigin(tenantId, app.id, origin);
    if (!res) throw new UsageHubError('not_found', `app ${idOrName} does not exist`);
    if (res.outcome === 'name_taken')
      throw new UsageHubError('conflict', `another app already is user interface ${origin}`);
    this.onChange();
    await this.emit(tenantId, 'usagehub.app.Changed', { app: res.value });
    return res.value;
  }

  listHitUsers(tenantId: string): Promise<HitUser[]> {
    return this.catalog.listHitUsers(tenantId);
  }

  async putHitUser(tenantId: string, user: HitUser): Promise<HitUser> {
    const saved = await this.catalog.putHitUser(tenantId, user);
    this.onChange();
    return saved;
  }

  async removeHitUser(tenantId: string, id: string): Promise<void> {
    if (!(await this.catalog.removeHitUser(tenantId, id)))
      throw new UsageHubError('not_found', `user ${id} does not exist`);
    this.onChange();
  }

  listMedias(tenantId: string): Promise<Media[]> {
    return this.catalog.listMedias(tenantId);
  }

  async putMedia(tenantId: string, media: Media): Promise<Media> {
    const saved = await this.catalog.putMedia(tenantId, media);
    this.onChange();
    return saved;
  }

  async removeMedia(tenantId: string, id: string): Promise<void> {
    if (!(await this.catalog.removeMedia(tenantId, id)))
      throw new UsageHubError('not_found', `media ${id} does not exist`);
    this.onChange();
  }

  listMetrics(tenantId: string): Promise<Metric[]> {
    return this.catalog.listMetrics(tenantId);
  }

  async defineMetric(tenantId: string, key: string, description: string | null): Promise<Metric> {
    if (!new RegExp(METRIC_KEY).test(key)) {
      throw new UsageHubError('invalid_request', undefined, [
        problem(
          'key',
          'field_format',
          `metric ${JSON.stringify(key)} must be primary, or secondary followed by a number`,
        ),
      ]);
    }
    const metric = await this.catalog.putMetric(tenantId, { key, description });
    this.onChange();
    return metric;
  }

  async removeMetric(tenantId: string, key: string): Promise<void> {
    if (!(await this.catalog.removeMetric(tenantId, key)))
      throw new UsageHubError('not_found', `metric ${key} is not defined`);
    this.onChange();
  }

  /** Replaces the tenant's IP range table with a CSV one, or changes nothing if any line is bad. */
  async importIpRanges(
    tenantId: string,
    csv: string,
  ): Promise<{ imported: number; ipv4: number; ipv6: number }> {
    const { ranges, problems } = parseIpRangeCsv(csv);
    if (problems.length > 0) {
      await this.emit(tenantId, 'usagehub.import.ip_ranges.Failed', {
        badLines: problems.length,
        first: problems[0],
      });
      throw new UsageHubError(
        'validation_failed',
        `${problems.length} bad line(s); nothing was imported. Each problem's index is its line number.`,
        problems.slice(0, 1000),
      );
    }
    await this.catalog.replaceIpRanges(tenantId, ranges);
    this.onChange();
    const ipv6 = ranges.filter((r) => r.cidr.includes(':')).length;
    const result = { imported: ranges.length, ipv4: ranges.length - ipv6, ipv6 };
    await this.emit(tenantId, 'usagehub.import.ip_ranges.Imported', result);
    return result;
  }

  /** How an address and a domain would be resolved to a company now, for audit. */
  async resolveCompany(
    tenantId: string,
    ip: string | undefined,
    domain: string | undefined,
  ): Promise<CompanyResolution> {
    const index = new IpRangeIndex(await this.catalog.listIpRanges(tenantId));
    return resolveCompany(domain, ip, index);
  }

  /** The tenant's session types: the defaults, and those it added. */
  async sessionTypes(tenantId: string): Promise<{ type: string; default: boolean }[]> {
    const added = await this.catalog.listSessionTypes(tenantId);
    return [
      ...DEFAULT_SESSION_TYPES.map((type) => ({ type, default: true })),
      ...added
        .filter((t) => !(DEFAULT_SESSION_TYPES as readonly string[]).includes(t))
        .map((type) => ({ type, default: false })),
    ];
  }

  async addSessionType(tenantId: string, type: string): Promise<{ type: string; default: boolean }[]> {
    if (!new RegExp(SESSION_TYPE_PATTERN).test(type)) {
      throw new UsageHubError('invalid_request', undefined, [
        problem(
          'type',
          'field_format',
          `type ${JSON.stringify(type)} must be upper-case letters, digits and _ (like APPSTART)`,
        ),
      ]);
    }
    await this.catalog.addSessionType(tenantId, type);
    this.onChange();
    return this.sessionTypes(tenantId);
  }
}
