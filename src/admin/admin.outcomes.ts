import { UsageHubError } from '../domain/errors.ts';
import type { AdminOutcome } from './admin.service.ts';

/**
 * The one place where the admin service's outcomes become error codes (docs/errors.md):
 * the value when it went through, else the error the route answers with.
 */
export function valueOrThrow<T>(res: AdminOutcome<T>): T {
  switch (res.outcome) {
    case 'ok':
      return res.value;
    case 'tenant_not_found':
      throw new UsageHubError('not_found', `tenant ${res.tenant} does not exist`);
    case 'app_not_found':
      throw new UsageHubError('not_found', `app ${res.app} does not exist`);
    case 'app_name_taken':
      throw new UsageHubError('conflict', `an app named ${res.name} already exists`);
    case 'origin_taken':
      throw new UsageHubError('conflict', `another app already is user interface ${res.origin}`);
    case 'mapping_not_found':
      throw new UsageHubError('not_found', `app ${res.app} has no mapping for ${res.eventName}`);
    case 'key_not_found':
      throw new UsageHubError('not_found', `key ${res.key} does not exist`);
    case 'last_admin_key':
      throw new UsageHubError(
        'conflict',
        `key ${res.key} is the tenant's last active admin key; create another admin key before revoking it`,
      );
    case 'client_not_found':
      throw new UsageHubError('not_found', `OAuth client ${res.client} does not exist`);
  }
}
