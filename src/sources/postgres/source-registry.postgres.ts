import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import type { PgLocation } from '../../storage/postgres.ts';
import type { Source, SourceKind, SourceRegistry } from '../source-registry.port.ts';
import { toSource, type Row } from '../source-row.ts';
import { sourcesMigrations } from '../sources.migrations.ts';
import { newSourceId, newWriteKey } from '../write-key.ts';

/** Sources in PostgreSQL, beside the catalog (the sources module's migrations). */
export class PgSourceRegistry implements SourceRegistry {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgSourceRegistry> {
    return new PgSourceRegistry(
      await openMigratedPool(where, 2, {
        ...options,
        modules: [{ module: 'sources', steps: sourcesMigrations }],
      }),
    );
  }

  async create(tenantId: string, kind: SourceKind, appId: string): Promise<Source> {
    const row: Row = {
      id: newSourceId(),
      tenant_id: tenantId,
      kind,
      app_id: appId,
      write_key: newWriteKey(kind),
      created_at: new Date().toISOString(),
      revoked_at: null,
      allowed_origins: null,
    };
    await this.pool.query(
      'INSERT INTO sources (id, tenant_id, kind, app_id, write_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [row.id, tenantId, kind, appId, row.write_key, row.created_at],
    );
    return toSource(row);
  }

  async list(tenantId: string): Promise<Source[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM sources WHERE tenant_id = $1 ORDER BY created_at COLLATE "C" DESC, id COLLATE "C"',
      [tenantId],
    );
    return rows.map(toSource);
  }

  async get(tenantId: string, id: string): Promise<Source | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM sources WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async revoke(tenantId: string, id: string): Promise<Source | null> {
    await this.pool.query(
      'UPDATE sources SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL',
      [tenantId, id, new Date().toISOString()],
    );
    return this.get(tenantId, id);
  }

  async setAllowedOrigins(tenantId: string, id: string, origins: readonly string[]): Promise<Source | null> {
    await this.pool.query('UPDATE sources SET allowed_origins = $3 WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
      JSON.stringify(origins),
    ]);
    return this.get(tenantId, id);
  }

  async findByWriteKey(writeKey: string): Promise<Source | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM sources WHERE write_key = $1', [writeKey]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
