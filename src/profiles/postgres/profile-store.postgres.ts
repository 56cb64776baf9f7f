import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import type { PgLocation } from '../../storage/postgres.ts';
import { byTenant } from '../by-tenant.ts';
import { applyGroupUpdates } from '../groups/group-merge.ts';
import { groupId, type GroupRecord, type GroupUpdate } from '../groups/group.ts';
import { applyUpdates, namedIds, type Loaded } from '../merge.ts';
import { idsOf, type PersonRecord, type Outboxed, type ProfileUpdate } from '../profile.ts';
import type { Applied, ProfileStore, TraitSearch } from '../profile-store.port.ts';
import { profilesMigrations } from '../profiles.migrations.ts';

/** Serialises appliers across processes: workers of a scale deployment share the tables. */
const APPLY_LOCK = 0x75_68_70_72; // "uhpr"

/** People in PostgreSQL, beside the catalog (the profiles module's migrations). */
export class PgProfileStore implements ProfileStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgProfileStore> {
    return new PgProfileStore(
      await openMigratedPool(where, 2, {
        ...options,
        modules: [{ module: 'profiles', steps: profilesMigrations }],
      }),
    );
  }

  async apply(updates: readonly ProfileUpdate[]): Promise<Applied> {
    if (updates.length === 0) return { recorded: 0, persons: [] };
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPLY_LOCK]);
      let recorded = 0;
      const persons: PersonRecord[] = [];
      for (const [tenantId, mine] of byTenant(updates)) {
        const { rows } = await client.query<{ doc: PersonRecord }>(
          `SELECT p.doc FROM profiles p WHERE p.tenant_id = $1 AND p.id IN
             (SELECT person_id FROM profile_ids WHERE tenant_id = $1 AND alias = ANY($2::text[]))`,
          [tenantId, namedIds(mine)],
        );
        const loaded: Loaded = { persons: new Map(), owners: new Map() };
        for (const { doc } of rows) {
          loaded.persons.set(doc.id, doc);
          for (const id of idsOf(doc)) loaded.owners.set(id, doc.id);
        }
        const applied = applyUpdates(loaded, mine);
        if (applied.removed.length)
          await client.query('DELETE FROM profiles WHERE tenant_id = $1 AND id = ANY($2::text[])', [
            tenantId,
            applied.removed,
          ]);
        // One statement per table, whatever the number of people (each id belongs to one of them).
        const saved = applied.saved;
        const owned = saved.flatMap((p) => idsOf(p).map((id) => [id, p.id] as const));
        await client.query(
          `INSERT INTO profiles (tenant_id, id, doc) SELECT $1, * FROM unnest($2::text[], $3::jsonb[])
           ON CONFLICT (tenant_id, id) DO UPDATE SET doc = excluded.doc`,
          [tenantId, saved.map((p) => p.id), saved.map((p) => JSON.stringify(p))],
        );
        await client.query(
          `INSERT INTO profile_ids (tenant_id, alias, person_id) SELECT $1, * FROM unnest($2::text[], $3::text[])
           ON CONFLICT (tenant_id, alias) DO UPDATE SET person_id = excluded.person_id`,
          [tenantId, owned.map(([id]) => id), owned.map(([, person]) => person)],
        );
        const res = await client.query(
          // In the order they happened: the outbox is reported oldest first.
          `INSERT INTO profile_outbox (id, doc)
           SELECT id, doc FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS c(id, doc, n) ORDER BY n
           ON CONFLICT (id) DO NOTHING`,
          [applied.changes.map((c) => c.id), applied.changes.map((c) => JSON.stringify(c))],
        );
        recorded += res.rowCount ?? 0;
        persons.push(...loaded.persons.values());
      }
      await client.query('COMMIT');
      return { recorded, persons };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async applyGroups(updates: readonly GroupUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The same lock as people's: workers of a scale deployment share the tables.
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPLY_LOCK]);
      for (const [tenantId, mine] of byTenant(updates)) {
        const named = [...new Map(mine.map((u) => [groupId(u), u])).values()];
        const { rows } = await client.query<{ doc: GroupRecord }>(
          `SELECT g.doc FROM profile_groups g JOIN unnest($2::text[], $3::text[]) AS n(type, key)
             ON g.type = n.type AND g.key = n.key WHERE g.tenant_id = $1`,
          [tenantId, named.map((u) => u.type), named.map((u) => u.key)],
        );
        const loaded = new Map(rows.map(({ doc }) => [groupId(doc), doc]));
        const saved = applyGroupUpdates(loaded, mine);
        await client.query(
          `INSERT INTO profile_groups (tenant_id, type, key, doc)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[])
           ON CONFLICT (tenant_id, type, key) DO UPDATE SET doc = excluded.doc`,
          [tenantId, saved.map((g) => g.type), saved.map((g) => g.key), saved.map((g) => JSON.stringify(g))],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async findGroup(tenantId: string, type: string, key: string): Promise<GroupRecord | null> {
    const { rows } = await this.pool.query<{ doc: GroupRecord }>(
      'SELECT doc FROM profile_groups WHERE tenant_id = $1 AND type = $2 AND key = $3',
      [tenantId, type, key],
    );
    return rows[0]?.doc ?? null;
  }

  async find(tenantId: string, id: string): Promise<PersonRecord | null> {
    const { rows } = await this.pool.query<{ doc: PersonRecord }>(
      `SELECT doc FROM profiles WHERE tenant_id = $1 AND id = COALESCE(
         (SELECT person_id FROM profile_ids WHERE tenant_id = $1 AND alias = $2), $2)`,
      [tenantId, id],
    );
    return rows[0]?.doc ?? null;
  }

  async search(q: TraitSearch): Promise<PersonRecord[]> {
    const { rows } = await this.pool.query<{ doc: PersonRecord }>(
      `SELECT doc FROM profiles
       WHERE tenant_id = $1 AND id COLLATE "C" > $2 AND doc->'traits' ? $3
         AND NOT doc->'traits'->$3 ? 'gone'
         AND ($4::text IS NULL OR doc->'traits'->$3->>'value' = $4)
       ORDER BY id COLLATE "C" LIMIT $5`,
      [q.tenantId, q.after ?? '', q.trait, q.value ?? null, q.limit],
    );
    return rows.map((r) => r.doc);
  }

  async page(after: { tenantId: string; id: string } | null, limit: number): Promise<PersonRecord[]> {
    const { rows } = await this.pool.query<{ doc: PersonRecord }>(
      `SELECT doc FROM profiles
       WHERE tenant_id COLLATE "C" > $1 OR (tenant_id = $1 AND id COLLATE "C" > $2)
       ORDER BY tenant_id COLLATE "C", id COLLATE "C" LIMIT $3`,
      [after?.tenantId ?? '', after?.id ?? '', limit],
    );
    return rows.map((r) => r.doc);
  }

  async pending(limit: number): Promise<Outboxed[]> {
    const { rows } = await this.pool.query<{ doc: Outboxed }>(
      'SELECT doc FROM profile_outbox ORDER BY seq LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.doc);
  }

  async settle(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.pool.query('DELETE FROM profile_outbox WHERE id = ANY($1::text[])', [ids]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
