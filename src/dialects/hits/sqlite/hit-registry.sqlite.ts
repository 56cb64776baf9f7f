import type Database from 'better-sqlite3';
import { openSqlite } from '../../../storage/sqlite.ts';
import type { HitRegistry, HitUser, Media, MediaKind } from '../hit-registry.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS hit_users (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, first_name TEXT,
    last_name TEXT, email TEXT, PRIMARY KEY (tenant_id, id));
  CREATE TABLE IF NOT EXISTS medias (
    tenant_id TEXT NOT NULL REFERENCES tenants(id), id TEXT NOT NULL, kind TEXT NOT NULL,
    duration_seconds REAL, PRIMARY KEY (tenant_id, id));
`;

/** The hit registry in the embedded catalog file (catalog.db), on a connection of its own. */
export class SqliteHitRegistry implements HitRegistry {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async listUsers(tenantId: string): Promise<HitUser[]> {
    return this.db
      .prepare<
        [string],
        { id: string; first_name: string | null; last_name: string | null; email: string | null }
      >('SELECT id, first_name, last_name, email FROM hit_users WHERE tenant_id = ? ORDER BY id')
      .all(tenantId)
      .map((r) => ({ id: r.id, firstName: r.first_name, lastName: r.last_name, email: r.email }));
  }

  async putUser(tenantId: string, user: HitUser): Promise<HitUser> {
    this.db
      .prepare(
        `INSERT INTO hit_users (tenant_id, id, first_name, last_name, email) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, id) DO UPDATE SET first_name = excluded.first_name,
           last_name = excluded.last_name, email = excluded.email`,
      )
      .run(tenantId, user.id, user.firstName, user.lastName, user.email);
    return user;
  }

  async removeUser(tenantId: string, id: string): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM hit_users WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0
    );
  }

  async listMedias(tenantId: string): Promise<Media[]> {
    return this.db
      .prepare<[string], { id: string; kind: MediaKind; duration_seconds: number | null }>(
        'SELECT id, kind, duration_seconds FROM medias WHERE tenant_id = ? ORDER BY id',
      )
      .all(tenantId)
      .map((r) => ({ id: r.id, kind: r.kind, durationSeconds: r.duration_seconds }));
  }

  async putMedia(tenantId: string, media: Media): Promise<Media> {
    this.db
      .prepare(
        `INSERT INTO medias (tenant_id, id, kind, duration_seconds) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id, id) DO UPDATE SET kind = excluded.kind,
           duration_seconds = excluded.duration_seconds`,
      )
      .run(tenantId, media.id, media.kind, media.durationSeconds);
    return media;
  }

  async removeMedia(tenantId: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM medias WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
