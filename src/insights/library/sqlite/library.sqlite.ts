import type Database from 'better-sqlite3';
import { openSqlite } from '../../../storage/sqlite.ts';
import { toDocument, type LibraryRow } from '../library-row.ts';
import type { DocumentKind, InsightLibrary, LibraryDocument } from '../library.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS insight_library (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), kind TEXT NOT NULL, id TEXT NOT NULL,
    name TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, id));
`;

/** The insight library in the embedded catalog file (catalog.db), on a connection of its own. */
export class SqliteInsightLibrary implements InsightLibrary {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async list(tenantId: string, kind: DocumentKind): Promise<LibraryDocument[]> {
    return this.db
      .prepare<[string, string], LibraryRow>(
        'SELECT * FROM insight_library WHERE tenant_id = ? AND kind = ? ORDER BY name, id',
      )
      .all(tenantId, kind)
      .map(toDocument);
  }

  async get(tenantId: string, kind: DocumentKind, id: string): Promise<LibraryDocument | null> {
    const row = this.db
      .prepare<[string, string, string], LibraryRow>(
        'SELECT * FROM insight_library WHERE tenant_id = ? AND kind = ? AND id = ?',
      )
      .get(tenantId, kind, id);
    return row ? toDocument(row) : null;
  }

  async put(doc: LibraryDocument): Promise<LibraryDocument> {
    this.db
      .prepare(
        `INSERT INTO insight_library VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = excluded.name, body = excluded.body,
           updated_at = excluded.updated_at`,
      )
      .run(doc.tenantId, doc.kind, doc.id, doc.name, JSON.stringify(doc.body), doc.createdAt, doc.updatedAt);
    return (await this.get(doc.tenantId, doc.kind, doc.id))!;
  }

  async remove(tenantId: string, kind: DocumentKind, id: string): Promise<boolean> {
    return (
      this.db
        .prepare('DELETE FROM insight_library WHERE tenant_id = ? AND kind = ? AND id = ?')
        .run(tenantId, kind, id).changes > 0
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
