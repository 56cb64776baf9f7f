import type Database from 'better-sqlite3';
import { openSqlite } from '../../../storage/sqlite.ts';
import type { SessionTypeStore } from '../session-types.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS session_types (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), type TEXT NOT NULL, PRIMARY KEY (tenant_id, type));
`;

/** Session types in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteSessionTypeStore implements SessionTypeStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async list(tenantId: string): Promise<string[]> {
    return this.db
      .prepare<[string], { type: string }>('SELECT type FROM session_types WHERE tenant_id = ? ORDER BY type')
      .all(tenantId)
      .map((r) => r.type);
  }

  async add(tenantId: string, type: string): Promise<void> {
    this.db
      .prepare('INSERT OR IGNORE INTO session_types (tenant_id, type) VALUES (?, ?)')
      .run(tenantId, type);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
