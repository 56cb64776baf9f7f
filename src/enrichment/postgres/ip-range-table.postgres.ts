import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import { transaction, type PgLocation } from '../../storage/postgres.ts';
import type { IpRange } from '../../domain/ip-range.ts';
import type { IpRangeTable } from '../ip-range-table.port.ts';

/** IP range tables in PostgreSQL, beside the catalog (tables from migration 2). */
export class PgIpRangeTable implements IpRangeTable {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgIpRangeTable> {
    return new PgIpRangeTable(await openMigratedPool(where, 2, options));
  }

  async replace(tenantId: string, ranges: readonly IpRange[]): Promise<void> {
    await transaction(this.pool, async (client) => {
      await client.query('DELETE FROM ip_ranges WHERE tenant_id = $1', [tenantId]);
      await client.query(
        `INSERT INTO ip_ranges (tenant_id, cidr, organisation, domain)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
        [tenantId, ranges.map((r) => r.cidr), ranges.map((r) => r.organisation), ranges.map((r) => r.domain)],
      );
      await client.query(
        `INSERT INTO settings (name, value) VALUES ($1, '1')
         ON CONFLICT (name) DO UPDATE SET value = (settings.value::integer + 1)::text`,
        [`ip_ranges_version:${tenantId}`],
      );
    });
  }

  async list(tenantId: string): Promise<IpRange[]> {
    const { rows } = await this.pool.query<IpRange>(
      'SELECT cidr, organisation, domain FROM ip_ranges WHERE tenant_id = $1',
      [tenantId],
    );
    return rows;
  }

  async version(tenantId: string): Promise<number> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [
      `ip_ranges_version:${tenantId}`,
    ]);
    return rows[0] ? Number(rows[0].value) : 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
