import { randomBytes } from 'node:crypto';

/**
 * Prefixed random identifiers (`app_…`, `ten_…`): readable in logs, and a key pasted
 * where an app id belongs is recognisable at a glance. 96 bits of randomness.
 */
export function newId(prefix: 'ten' | 'app' | 'key' | 'client' | 'endpoint' | 'src' | 'ins' | 'dsh'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
