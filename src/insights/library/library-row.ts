import type { DocumentKind, LibraryDocument } from './library.port.ts';

export interface LibraryRow {
  tenant_id: string;
  kind: string;
  id: string;
  name: string;
  body: string;
  created_at: string;
  updated_at: string;
}

export const toDocument = (r: LibraryRow): LibraryDocument => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind as DocumentKind,
  name: r.name,
  body: JSON.parse(r.body) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
