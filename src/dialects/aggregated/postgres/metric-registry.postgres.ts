import type pg from 'pg';
import { openMigratedPool } from '../../../storage/pg-migrations.ts';
import type { PgLocation } from '../../../storage/postgres.ts';
import type { Metric, MetricRegistry } from '../metric-registry.port.ts';

/** Metrics in PostgreSQL, beside the catalog (table from migration 2). */
export class PgMetricRegistry implements MetricRegistry {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgMetricRegistry> {
    return new PgMetricRegistry(await openMigratedPool(where, 2, options));
  }

  async list(tenantId: string): Promise<Metric[]> {
    const { rows } = await this.pool.query<Metric>(
      'SELECT key, description FROM metrics WHERE tenant_id = $1 ORDER BY key COLLATE "C"',
      [tenantId],
    );
    return rows;
  }

  async put(tenantId: string, metric: Metric): Promise<Metric> {
    await this.pool.query(
      `INSERT INTO metrics (tenant_id, key, description) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, key) DO UPDATE SET description = excluded.description`,
      [tenantId, metric.key, metric.description],
    );
    return metric;
  }

  async remove(tenantId: string, key: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM metrics WHERE tenant_id = $1 AND key = $2', [
      tenantId,
      key,
    ]);
    return (res.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
