import type { CatalogChanges } from '../catalog/changes.ts';
import type { SourceKind, SourceRegistry } from './source-registry.port.ts';

/** Who a write key lets in: one source, ingesting into one app. */
export interface WriteKeyPrincipal {
  tenantId: string;
  appId: string;
  sourceId: string;
  /** The web origins its pages may send from; empty: any (origins.ts). */
  allowedOrigins: readonly string[];
}

/** How long an answer is trusted without asking the registry again: what bounds a revocation's reach on another process. */
const TTL_MS = 3000;
/** Unknown keys are remembered too (a client with a wrong key retries a lot), up to this many. */
const MAX_ENTRIES = 10_000;
/** Longer than any write key usagehub issues: not worth a lookup. */
const MAX_KEY_LENGTH = 128;

/**
 * Resolves the write keys of one kind of source to the app they ingest into, with a
 * cache of a few seconds so that ingest costs no registry round trip per request. A
 * change in this process (a revocation) clears it at once; other processes drop a
 * revoked key within TTL_MS. A key of another kind is not a key here: a Segment write
 * key does not open the PostHog routes.
 */
export class WriteKeys {
  private readonly cache = new Map<string, { principal: WriteKeyPrincipal | null; until: number }>();

  constructor(
    private readonly registry: SourceRegistry,
    private readonly kind: SourceKind,
    changes: CatalogChanges,
  ) {
    changes.subscribe(() => this.cache.clear());
  }

  async resolve(writeKey: string): Promise<WriteKeyPrincipal | null> {
    if (writeKey === '' || writeKey.length > MAX_KEY_LENGTH) return null;
    const now = Date.now();
    const hit = this.cache.get(writeKey);
    if (hit && hit.until > now) return hit.principal;
    const source = await this.registry.findByWriteKey(writeKey);
    const principal =
      source && source.kind === this.kind && source.revokedAt === null
        ? {
            tenantId: source.tenantId,
            appId: source.appId,
            sourceId: source.id,
            allowedOrigins: source.allowedOrigins,
          }
        : null;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(writeKey, { principal, until: now + TTL_MS });
    return principal;
  }
}
