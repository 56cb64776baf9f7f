import type { Config } from '../../config.ts';
import { AdminService } from '../../admin/admin.service.ts';
import { acquireDataLock } from '../../ops/data-lock.ts';
import { dataFiles, openCatalog } from '../../runtime.ts';
import { CliError } from '../backend.ts';

export interface InitResult {
  tenantId: string;
  adminKey: string;
}

/**
 * Creates the first tenant (or, with a name, another one) and its admin key, directly
 * in the data directory. Refuses while a server holds it.
 */
export async function init(config: Config, name: string | undefined): Promise<InitResult> {
  const lock = acquireDataLock(dataFiles(config.dataDir).lock, 'cli');
  if (lock.outcome === 'held') {
    throw new CliError(
      `a usagehub ${lock.holder.role} (pid ${lock.holder.pid}) holds ${config.dataDir}; stop it first`,
    );
  }
  const catalog = openCatalog(config);
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
    lock.release();
  }
}
