import type pg from 'pg';
import { openMigratedPool } from '../../../storage/pg-migrations.ts';
import type { PgLocation } from '../../../storage/postgres.ts';
import { toDocument, type LibraryRow } from '../library-row.ts';
import { insightsMigrations } from '../library.migrations.ts';
import type { DocumentKind, InsightLibrary, LibraryDocument } from '../library.port.ts';

/** The insight library in PostgreSQL, beside the catalog (the insights module's migrations). */
export class PgInsightLibrary implements InsightLibrary {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgInsightLibrary> {
    return new PgInsightLibrary(
      await openMigratedPool(where, 2, {
        ...options,
        modules: [{ module: 'insights', steps: insightsMigrations }],
      }),
    );
  }

  async list(tenantId: string, kind: DocumentKind): Promise<LibraryDocument[]> {
    const r = await this.pool.query<LibraryRow>(
      'SELECT * FROM insight_library WHERE tenant_id = $1 AND kind = $2 ORDER BY name COLLATE "C", id COLLATE "C"',
      [tenantId, kind],
    );
    return r.rows.map(toDocument);
  }

  async get(tenantId: string, kind: DocumentKind, id: string): Promise<LibraryDocument | null> {
    const r = await this.pool.query<LibraryRow>(
      'SELECT * FROM insight_library WHERE tenant_id = $1 AND kind = $2 AND id = $3',
      [tenantId, kind, id],
    );
    return r.rows[0] ? toDocument(r.rows[0]) : null;
  }

  async put(doc: LibraryDocument): Promise<LibraryDocument> {
    const r = await this.pool.query<LibraryRow>(
      `INSERT INTO insight_library VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = excluded.name, body = excluded.body,
         updated_at = excluded.updated_at
       RETURNING *`,
      [doc.tenantId, doc.kind, doc.id, doc.name, JSON.stringify(doc.body), doc.createdAt, doc.updatedAt],
    );
    return toDocument(r.rows[0]!);
  }

  async remove(tenantId: string, kind: DocumentKind, id: string): Promise<boolean> {
    const r = await this.pool.query(
      'DELETE FROM insight_library WHERE tenant_id = $1 AND kind = $2 AND id = $3',
      [tenantId, kind, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
