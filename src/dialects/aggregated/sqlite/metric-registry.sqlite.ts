import type Database from 'better-sqlite3';
import { openSqlite } from '../../../storage/sqlite.ts';
import type { Metric, MetricRegistry } from '../metric-registry.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS metrics (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), key TEXT NOT NULL, description TEXT,
    PRIMARY KEY (tenant_id, key));
`;

/** Metrics in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteMetricRegistry implements MetricRegistry {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async list(tenantId: string): Promise<Metric[]> {
    return this.db
      .prepare<[string], Metric>('SELECT key, description FROM metrics WHERE tenant_id = ? ORDER BY key')
      .all(tenantId);
  }

  async put(tenantId: string, metric: Metric): Promise<Metric> {
    this.db
      .prepare(
        `INSERT INTO metrics (tenant_id, key, description) VALUES (?, ?, ?)
         ON CONFLICT (tenant_id, key) DO UPDATE SET description = excluded.description`,
      )
      .run(tenantId, metric.key, metric.description);
    return metric;
  }

  async remove(tenantId: string, key: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM metrics WHERE tenant_id = ? AND key = ?').run(tenantId, key).changes > 0
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
