import type pg from 'pg';
import { openMigratedPool } from '../../../storage/pg-migrations.ts';
import type { PgLocation } from '../../../storage/postgres.ts';
import type { HitRegistry, HitUser, Media, MediaKind } from '../hit-registry.port.ts';

/** The hit registry in PostgreSQL, beside the catalog (tables from migration 2). */
export class PgHitRegistry implements HitRegistry {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgHitRegistry> {
    return new PgHitRegistry(await openMigratedPool(where, 2, options));
  }

  async listUsers(tenantId: string): Promise<HitUser[]> {
    const { rows } = await this.pool.query<{
      id: string;
      first_name: string | null;
      last_name: string | null;
      email: string | null;
    }>(
      'SELECT id, first_name, last_name, email FROM hit_users WHERE tenant_id = $1 ORDER BY id COLLATE "C"',
      [tenantId],
    );
    return rows.map((r) => ({ id: r.id, firstName: r.first_name, lastName: r.last_name, email: r.email }));
  }

  async putUser(tenantId: string, user: HitUser): Promise<HitUser> {
    await this.pool.query(
      `INSERT INTO hit_users (tenant_id, id, first_name, last_name, email) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, id) DO UPDATE SET first_name = excluded.first_name,
         last_name = excluded.last_name, email = excluded.email`,
      [tenantId, user.id, user.firstName, user.lastName, user.email],
    );
    return user;
  }

  async removeUser(tenantId: string, id: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM hit_users WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
    return (res.rowCount ?? 0) > 0;
  }

  async listMedias(tenantId: string): Promise<Media[]> {
    const { rows } = await this.pool.query<{ id: string; kind: MediaKind; duration_seconds: number | null }>(
      'SELECT id, kind, duration_seconds FROM medias WHERE tenant_id = $1 ORDER BY id COLLATE "C"',
      [tenantId],
    );
    return rows.map((r) => ({ id: r.id, kind: r.kind, durationSeconds: r.duration_seconds }));
  }

  async putMedia(tenantId: string, media: Media): Promise<Media> {
    await this.pool.query(
      `INSERT INTO medias (tenant_id, id, kind, duration_seconds) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, id) DO UPDATE SET kind = excluded.kind, duration_seconds = excluded.duration_seconds`,
      [tenantId, media.id, media.kind, media.durationSeconds],
    );
    return media;
  }

  async removeMedia(tenantId: string, id: string): Promise<boolean> {
    const res = await this.pool.query('DELETE FROM medias WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return (res.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
