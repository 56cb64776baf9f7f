import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
import type { IpRange } from '../../domain/ip-range.ts';
import type { IpRangeTable } from '../ip-range-table.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ip_ranges (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), cidr TEXT NOT NULL, organisation TEXT NOT NULL,
    domain TEXT, PRIMARY KEY (tenant_id, cidr)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** IP range tables in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteIpRangeTable implements IpRangeTable {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async replace(tenantId: string, ranges: readonly IpRange[]): Promise<void> {
    const remove = this.db.prepare('DELETE FROM ip_ranges WHERE tenant_id = ?');
    const insert = this.db.prepare(
      'INSERT INTO ip_ranges (tenant_id, cidr, organisation, domain) VALUES (?, ?, ?, ?)',
    );
    const bump = this.db.prepare(
      `INSERT INTO settings (name, value) VALUES (?, '1')
       ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
    );
    this.db.transaction(() => {
      remove.run(tenantId);
      for (const r of ranges) insert.run(tenantId, r.cidr, r.organisation, r.domain);
      bump.run(`ip_ranges_version:${tenantId}`);
    })();
  }

  async version(tenantId: string): Promise<number> {
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?')
      .get(`ip_ranges_version:${tenantId}`);
    return row ? Number(row.value) : 0;
  }

  async list(tenantId: string): Promise<IpRange[]> {
    return this.db
      .prepare<[string], IpRange>('SELECT cidr, organisation, domain FROM ip_ranges WHERE tenant_id = ?')
      .all(tenantId);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
