import type { Catalog, Role } from '../catalog/catalog.port.ts';
import { minuteStart } from '../domain/instant.ts';
import { hashSecret } from './api-keys.ts';

export interface Principal {
  tenantId: string;
  keyId: string;
  role: Role;
}

/** What resolves a presented key to its principal (the Authenticator; the CLI's local mode has its own). */
export interface KeyResolver {
  authenticate(secret: string): Promise<Principal | null>;
  /** The same, by the key's hash as the catalog keeps it (a console session holds that, never the key). */
  authenticateHash(hash: string): Promise<Principal | null>;
}

/** How long a resolved key is trusted without asking the catalog again. */
const TTL_MS = 5000;

/**
 * Resolves API key secrets to principals. Positive answers are cached for a few
 * seconds so that ingest costs no catalog round trip per request; `invalidate` (called
 * on key revocation in this process) drops them at once, and the TTL bounds how long
 * another process may still accept a revoked key.
 */
export class Authenticator implements KeyResolver {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly catalog: Catalog,
    /** A last-use write failed (it is retried with the key's next use). */
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  async authenticate(secret: string): Promise<Principal | null> {
    return this.authenticateHash(hashSecret(secret));
  }

  async authenticateHash(hash: string): Promise<Principal | null> {
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const key = await this.catalog.findKeyByHash(hash);
    if (!key || key.revokedAt !== null) {
      this.cache.delete(hash);
      return null;
    }
    const principal = { tenantId: key.tenantId, keyId: key.id, role: key.role };
    this.cache.set(hash, { principal, until: now + TTL_MS });
    // The catalog is asked again at most every TTL_MS per key, so this is cheap; it is
    // not awaited: a request never waits for its key's bookkeeping.
    // Kept to the minute: at most one catalog write per key and minute.
    const minute = new Date(minuteStart(now)).toISOString();
    if (key.lastUsedAt === null || key.lastUsedAt < minute)
      this.catalog.touchKey(key.id, minute).catch((err: unknown) => this.onError(err as Error));
    return principal;
  }

  invalidate(): void {
    this.cache.clear();
  }
}

/** `Authorization: Bearer <secret>` → secret, else null. */
export function bearerSecret(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
