/**
 * SourceRegistry port: the sources of a tenant — one per SDK install base that sends in a
 * vendor's capture dialect (Segment, PostHog), each bound to one app and identified by
 * its write key. Kept beside the catalog, in the same database.
 *
 * Write keys are public by design: browser code carries them, and they can only ingest
 * into their source's app. So they are stored as they are and may be shown again, unlike
 * API keys and OAuth client secrets, which are stored hashed.
 */

export const SOURCE_KINDS = ['segment', 'posthog'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface Source {
  id: string;
  tenantId: string;
  kind: SourceKind;
  /** The app its events land in. */
  appId: string;
  writeKey: string;
  createdAt: string;
  revokedAt: string | null;
  /**
   * The web origins (`https://app.example.com`) whose pages may send with its key; empty:
   * any. A browser names its page's origin on every cross-site request, so a key copied
   * to another site sends nothing; a server-side client sends no Origin and is not held.
   */
  allowedOrigins: string[];
}

export interface SourceRegistry {
  create(tenantId: string, kind: SourceKind, appId: string): Promise<Source>;
  /** Newest first, revoked ones included. */
  list(tenantId: string): Promise<Source[]>;
  get(tenantId: string, id: string): Promise<Source | null>;
  /** The source, revoked now (or when it was first revoked); null when the tenant has no such source. */
  revoke(tenantId: string, id: string): Promise<Source | null>;
  /** The source with its allowed origins replaced; null when the tenant has no such source. */
  setAllowedOrigins(tenantId: string, id: string, origins: readonly string[]): Promise<Source | null>;
  /** The source a write key belongs to, revoked or not; null when none does. */
  findByWriteKey(writeKey: string): Promise<Source | null>;
  close(): Promise<void>;
}
