import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { registerAdminRoutes } from '../admin/admin.routes.ts';
import { AdminService } from '../admin/admin.service.ts';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { Config } from '../config.ts';
import { installRequestHandling } from '../http/request-handling.ts';
import { openCatalog, openRegistries } from '../runtime.ts';
import { chooseTenant, type Transport } from './tenant-admin.ts';

/**
 * The admin API served in this process, over the data directory's files, for the CLI
 * when no server holds them: the same routes, validation and errors as the server's, so
 * a command behaves alike with and without --url. The caller holds the directory's lock.
 */
export async function openLocalAdmin(
  config: Config,
  tenantId: string | undefined,
): Promise<{ transport: Transport; close(): Promise<void> }> {
  const catalog = await openCatalog(config);
  const registries = await openRegistries(config).catch(async (err: unknown) => {
    await catalog.close();
    throw err;
  });
  const closeAll = async () => {
    await registries.close();
    await catalog.close();
  };
  try {
    const tenant = await chooseTenant(catalog, config, tenantId);
    // The person at the terminal acts as the tenant's admin: a token that lives as long
    // as this process and is known only to it.
    const token = randomBytes(24).toString('base64url');
    const auth: KeyResolver = {
      authenticate: async (secret) =>
        secret === token ? { tenantId: tenant.id, keyId: 'cli', role: 'admin' } : null,
      authenticateHash: async () => null,
    };
    const app = Fastify();
    await installRequestHandling(app, () => {});
    await registerAdminRoutes(app, {
      auth,
      admin: new AdminService(catalog, () => registries.changes.notify()),
      registries,
      emit: () => {},
    });
    await app.ready();
    const transport: Transport = async (method, url, body, contentType) => {
      const res = await app.inject({
        method,
        url,
        payload: body,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': contentType }),
        },
      });
      return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as unknown) : null };
    };
    return {
      transport,
      close: async () => {
        await app.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
