import fs from 'node:fs';
import type { ApiKey, App, OAuthClient, Role, Tenant } from '../catalog/catalog.port.ts';
import type { CompanyResolution } from '../enrichment/companies.ts';
import type { Category } from '../domain/categories.ts';
import type { Scope } from '../domain/scopes.ts';
import { isScaleProfile, type Config } from '../config.ts';
import { engineOf } from '../port-settings.ts';
import type { CreatedClient, CreatedKey } from '../admin/admin.service.ts';
import { acquireDataLock } from '../ops/data-lock.ts';
import { dataFiles } from '../ops/data-files.ts';
import { CliError } from './cli-error.ts';
import type { Transport } from './tenant-admin.ts';
import type { Problem } from '../domain/errors.ts';

export { chooseTenant, type Transport } from './tenant-admin.ts';

/** What the admin commands need, whether they talk to a server or to the files. */
export interface AdminBackend {
  /** Any admin API request; the methods below are the core's, typed. */
  call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  tenant(): Promise<Tenant>;
  listApps(): Promise<App[]>;
  getApp(idOrName: string): Promise<App>;
  createApp(name: string): Promise<App>;
  renameApp(idOrName: string, name: string): Promise<App>;
  listKeys(): Promise<ApiKey[]>;
  createKey(role: Role, name: string): Promise<CreatedKey>;
  revokeKey(id: string): Promise<ApiKey>;
  mapEvent(app: string, eventName: string, category: Category): Promise<App>;
  unmapEvent(app: string, eventName: string): Promise<App>;
  setAppOrigin(app: string, origin: number | null): Promise<App>;
  importIpRanges(csv: string): Promise<{ imported: number; ipv4: number; ipv6: number }>;
  resolveCompany(ip: string | undefined, domain: string | undefined): Promise<CompanyResolution>;
  listOAuthClients(): Promise<OAuthClient[]>;
  createOAuthClient(name: string, scopes: Scope[]): Promise<CreatedClient>;
  revokeOAuthClient(id: string): Promise<OAuthClient>;
  close(): Promise<void>;
}

export { CliError };

/** An API error for people: its code and message, then each problem on a line of its own. */
function describeError(code: string, message: string, details: readonly Problem[]): string {
  const shown = details
    .slice(0, 20)
    .map((p) => `\n  ${p.index === undefined ? '' : `[${p.index}] `}${p.reason}`);
  const more = details.length > shown.length ? `\n  … and ${details.length - shown.length} more` : '';
  return `${code}: ${message}${shown.join('')}${more}`;
}

/**
 * Takes the data directory for a CLI command, or fails saying who holds it and what to
 * do instead (`instead`). Returns the release function. Only `init` (`create`) may start
 * a new data directory: any other command on a directory that was never initialised
 * fails before writing anything there.
 */
export function lockDataDir(config: Config, instead: string, { create = false } = {}): () => void {
  // The scale profile keeps nothing in a data directory: its engines serve many processes.
  if (isScaleProfile(config)) return () => {};
  const files = dataFiles(config.dataDir);
  if (!create && engineOf(config.catalog) === 'sqlite' && !fs.existsSync(files.catalog))
    throw new CliError(
      `${config.dataDir} holds no usagehub data yet: run usagehub init first (or pass --data)`,
    );
  const lock = acquireDataLock(files.lock, 'cli');
  if (lock.outcome === 'acquired') return lock.release;
  if (lock.outcome === 'unwritable') throw new CliError(lock.reason);
  const { role, pid } = lock.holder;
  throw new CliError(`a usagehub ${role} (pid ${pid}) holds ${config.dataDir}; ${instead}`);
}

/** With a URL configured, talk to that server; otherwise open the data directory. */
export async function openBackend(config: Config, tenantId: string | undefined): Promise<AdminBackend> {
  if (config.url) {
    if (!config.key) throw new CliError('--url needs an admin key: pass --key or set USAGEHUB_KEY');
    return remoteClient(config.url, config.key);
  }
  const release = lockDataDir(config, 'talk to it with --url and --key (or USAGEHUB_URL and USAGEHUB_KEY)');
  try {
    // Loaded when a command needs it: a command that talks to a server does not pay for
    // the engines' modules (the CLI answers in a fraction of a second).
    const { openLocalAdmin } = await import('./local-admin.ts');
    const local = await openLocalAdmin(config, tenantId);
    return new AdminClient(local.transport, config.dataDir, async () => {
      await local.close();
      release();
    });
  } catch (err) {
    release();
    throw err;
  }
}

/** A client of a running server's admin API. */
export const remoteClient = (url: string, key: string): AdminClient =>
  new AdminClient(remoteTransport(url, key), url, async () => {});

/** A running server's admin API, over HTTP with the admin key. */
function remoteTransport(url: string, key: string): Transport {
  return async (method, path, body, contentType) => {
    let res;
    try {
      // undici itself is imported here, not at the top: most commands never call a server,
      // and loading it costs a noticeable part of a command's start.
      const { request } = await import('undici');
      res = await request(new URL(path, url), {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': contentType }),
        },
        body,
      });
    } catch (err) {
      throw new CliError(`cannot reach ${url}: ${(err as Error).message}`);
    }
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : null };
  };
}

/**
 * The admin API as the CLI calls it: the same requests whether they go to a running
 * server or to the data directory (cli/local-admin.ts serves the same routes in-process).
 */
export class AdminClient implements AdminBackend {
  constructor(
    private readonly transport: Transport,
    /** What the requests go to, for messages. */
    readonly target: string,
    private readonly closeTarget: () => Promise<void>,
  ) {}

  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const { status, json } = await this.transport(method, path, text, contentType);
    if (status >= 400) {
      const e = (json as { error?: { code: string; message: string; details?: Problem[] } } | null)?.error;
      throw new CliError(e ? describeError(e.code, e.message, e.details ?? []) : `HTTP ${status}`);
    }
    return json as T;
  }

  tenant = () => this.call<Tenant>('GET', '/v1/tenant');
  listApps = async () => (await this.call<{ apps: App[] }>('GET', '/v1/apps')).apps;
  getApp = (idOrName: string) => this.call<App>('GET', `/v1/apps/${encodeURIComponent(idOrName)}`);
  createApp = (name: string) => this.call<App>('POST', '/v1/apps', { name });
  renameApp = (idOrName: string, name: string) =>
    this.call<App>('PATCH', `/v1/apps/${encodeURIComponent(idOrName)}`, { name });
  listKeys = async () => (await this.call<{ keys: ApiKey[] }>('GET', '/v1/keys')).keys;
  createKey = (role: Role, name: string) => this.call<CreatedKey>('POST', '/v1/keys', { role, name });
  revokeKey = (id: string) => this.call<ApiKey>('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
  private mappingPath = (app: string, eventName: string) =>
    `/v1/apps/${encodeURIComponent(app)}/event-mappings/${encodeURIComponent(eventName)}`;
  mapEvent = (app: string, eventName: string, category: Category) =>
    this.call<App>('PUT', this.mappingPath(app, eventName), { category });
  unmapEvent = (app: string, eventName: string) => this.call<App>('DELETE', this.mappingPath(app, eventName));
  setAppOrigin = (app: string, origin: number | null) =>
    this.call<App>('PATCH', `/v1/apps/${encodeURIComponent(app)}`, { origin });
  importIpRanges = (csv: string) =>
    this.call<{ imported: number; ipv4: number; ipv6: number }>('PUT', '/v1/ip-ranges', csv, 'text/csv');
  resolveCompany = (ip: string | undefined, domain: string | undefined) => {
    const q = new URLSearchParams();
    if (ip) q.set('ip', ip);
    if (domain) q.set('domain', domain);
    return this.call<CompanyResolution>('GET', `/v1/ip-ranges/resolve?${q.toString()}`);
  };
  listOAuthClients = async () =>
    (await this.call<{ clients: OAuthClient[] }>('GET', '/v1/oauth-clients')).clients;
  createOAuthClient = (name: string, scopes: Scope[]) =>
    this.call<CreatedClient>('POST', '/v1/oauth-clients', { name, scopes });
  revokeOAuthClient = (id: string) =>
    this.call<OAuthClient>('DELETE', `/v1/oauth-clients/${encodeURIComponent(id)}`);
  close = () => this.closeTarget();
}
