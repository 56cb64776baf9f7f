import type { Catalog, Tenant } from '../catalog/catalog.port.ts';
import type { Config } from '../config.ts';
import { CliError } from './cli-error.ts';

/** One admin API request, answered: its status and parsed body. */
export type Transport = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: string | undefined,
  contentType: string,
) => Promise<{ status: number; json: unknown }>;

/**
 * The tenant a command works on in a data directory: the one named by `--tenant` (id or
 * name), else the only one. With several and none named, it refuses and lists them
 * rather than guess.
 */
export async function chooseTenant(
  catalog: Catalog,
  config: Config,
  wanted: string | undefined,
): Promise<Tenant> {
  const tenants = await catalog.listTenants();
  if (wanted) {
    const found = tenants.find((t) => t.id === wanted || t.name === wanted);
    if (!found) throw new CliError(`no tenant ${wanted} in ${config.dataDir}`);
    return found;
  }
  if (tenants.length === 0) throw new CliError(`no tenant yet in ${config.dataDir}: run usagehub init`);
  if (tenants.length > 1) {
    throw new CliError(
      `several tenants in ${config.dataDir}; pick one with --tenant (${tenants.map((t) => t.id).join(', ')})`,
    );
  }
  return tenants[0]!;
}
