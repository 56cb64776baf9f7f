/**
 * The insight library: what a tenant saved — insights (a name and a definition) and
 * dashboards (a name and the insights on it) — kept beside the catalog, shared by
 * everyone of the tenant. Both are documents of a kind, by tenant and id.
 */
export const DOCUMENT_KINDS = ['insight', 'dashboard'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface LibraryDocument {
  id: string;
  tenantId: string;
  kind: DocumentKind;
  name: string;
  /** The kind's own fields (an insight's description and definition, a dashboard's items), as JSON. */
  body: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface InsightLibrary {
  /** Every document of the kind, by name then id. */
  list(tenantId: string, kind: DocumentKind): Promise<LibraryDocument[]>;
  get(tenantId: string, kind: DocumentKind, id: string): Promise<LibraryDocument | null>;
  /** Stores it new, or over the one with its id (keeping that one's createdAt). */
  put(doc: LibraryDocument): Promise<LibraryDocument>;
  /** Whether there was one to remove. */
  remove(tenantId: string, kind: DocumentKind, id: string): Promise<boolean>;
  close(): Promise<void>;
}
