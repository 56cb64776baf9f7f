import type pg from 'pg';
import { openMigratedPool } from '../../../storage/pg-migrations.ts';
import type { PgLocation } from '../../../storage/postgres.ts';
import type { SessionTypeStore } from '../session-types.port.ts';

/** Session types in PostgreSQL, beside the catalog (table from migration 2). */
export class PgSessionTypeStore implements SessionTypeStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgSessionTypeStore> {
    return new PgSessionTypeStore(await openMigratedPool(where, 2, options));
  }

  async list(tenantId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ type: string }>(
      'SELECT type FROM session_types WHERE tenant_id = $1 ORDER BY type COLLATE "C"',
      [tenantId],
    );
    return rows.map((r) => r.type);
  }

  async add(tenantId: string, type: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO session_types (tenant_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [tenantId, type],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
