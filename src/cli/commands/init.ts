import type { Config } from '../../config.ts';
import { AdminService } from '../../admin/admin.service.ts';
import { openCatalog } from '../../runtime.ts';
import { CliError, lockDataDir } from '../backend.ts';

export interface InitResult {
  tenantId: string;
  adminKey: string;
}

/**
 * Creates the first tenant (or, with a name, another one) and its admin key, directly
 * in the data directory. Refuses while a server holds it.
 */
export async function init(config: Config, name: string | undefined): Promise<InitResult> {
  const release = lockDataDir(config, 'stop it first', { create: true });
  const catalog = await openCatalog(config);
  try {
    const res = await new AdminService(catalog).init(name);
    if (res.outcome === 'tenant_exists') {
      throw new CliError(
        `${config.dataDir} already has a tenant (${res.tenants.map((t) => `${t.id} "${t.name}"`).join(', ')}); ` +
          'pass --name to create another one',
      );
    }
    return { tenantId: res.tenant.id, adminKey: res.adminKey.secret };
  } finally {
    await catalog.close();
    release();
  }
}
