import type { Source, SourceKind } from './source-registry.port.ts';

/** A row of the sources table, as both engines store it (sqlite/, postgres/). */
export interface Row {
  id: string;
  tenant_id: string;
  kind: SourceKind;
  app_id: string;
  write_key: string;
  created_at: string;
  revoked_at: string | null;
  /** A JSON list; null on rows from before origins could be set. */
  allowed_origins: string | null;
}

export const toSource = (r: Row): Source => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind,
  appId: r.app_id,
  writeKey: r.write_key,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  allowedOrigins: r.allowed_origins ? (JSON.parse(r.allowed_origins) as string[]) : [],
});
