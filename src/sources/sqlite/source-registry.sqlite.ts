import type Database from 'better-sqlite3';
import { openSqlite, type AddedColumn } from '../../storage/sqlite.ts';
import type { Source, SourceKind, SourceRegistry } from '../source-registry.port.ts';
import { toSource, type Row } from '../source-row.ts';
import { newSourceId, newWriteKey } from '../write-key.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL, app_id TEXT NOT NULL REFERENCES apps(id),
    write_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
  CREATE INDEX IF NOT EXISTS sources_tenant ON sources (tenant_id, created_at);
`;

const ADDED_COLUMNS: AddedColumn[] = [
  ['sources', 'allowed_origins', 'ALTER TABLE sources ADD COLUMN allowed_origins TEXT'],
];

/** Sources in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteSourceRegistry implements SourceRegistry {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'], addedColumns: ADDED_COLUMNS });
  }

  async create(tenantId: string, kind: SourceKind, appId: string): Promise<Source> {
    const source: Source = {
      id: newSourceId(),
      tenantId,
      kind,
      appId,
      writeKey: newWriteKey(kind),
      createdAt: new Date().toISOString(),
      revokedAt: null,
      allowedOrigins: [],
    };
    this.db
      .prepare(
        'INSERT INTO sources (id, tenant_id, kind, app_id, write_key, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(source.id, tenantId, kind, appId, source.writeKey, source.createdAt);
    return source;
  }

  async list(tenantId: string): Promise<Source[]> {
    return this.db
      .prepare<[string], Row>('SELECT * FROM sources WHERE tenant_id = ? ORDER BY created_at DESC, id')
      .all(tenantId)
      .map(toSource);
  }

  async get(tenantId: string, id: string): Promise<Source | null> {
    const row = this.db
      .prepare<[string, string], Row>('SELECT * FROM sources WHERE tenant_id = ? AND id = ?')
      .get(tenantId, id);
    return row ? toSource(row) : null;
  }

  async revoke(tenantId: string, id: string): Promise<Source | null> {
    this.db
      .prepare('UPDATE sources SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), tenantId, id);
    return this.get(tenantId, id);
  }

  async setAllowedOrigins(tenantId: string, id: string, origins: readonly string[]): Promise<Source | null> {
    this.db
      .prepare('UPDATE sources SET allowed_origins = ? WHERE tenant_id = ? AND id = ?')
      .run(JSON.stringify(origins), tenantId, id);
    return this.get(tenantId, id);
  }

  async findByWriteKey(writeKey: string): Promise<Source | null> {
    const row = this.db.prepare<[string], Row>('SELECT * FROM sources WHERE write_key = ?').get(writeKey);
    return row ? toSource(row) : null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
