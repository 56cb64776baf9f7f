import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
import { byTenant } from '../by-tenant.ts';
import { applyGroupUpdates } from '../groups/group-merge.ts';
import { groupId, type GroupRecord, type GroupUpdate } from '../groups/group.ts';
import { applyUpdates, namedIds, type Loaded } from '../merge.ts';
import { idsOf, type PersonRecord, type Outboxed, type ProfileUpdate } from '../profile.ts';
import type { Applied, ProfileStore, TraitSearch } from '../profile-store.port.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS profiles (
    tenant_id TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (tenant_id, id));
  CREATE TABLE IF NOT EXISTS profile_ids (
    tenant_id TEXT NOT NULL, alias TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (tenant_id, alias));
  CREATE TABLE IF NOT EXISTS profile_outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS profile_groups (
    tenant_id TEXT NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, type, key));
`;

/** People in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteProfileStore implements ProfileStore {
  private readonly db: Database.Database;
  private readonly applyTx: Database.Transaction<(updates: readonly ProfileUpdate[]) => Applied>;
  private readonly groupsTx: Database.Transaction<(updates: readonly GroupUpdate[]) => void>;

  private readonly settleTx: Database.Transaction<(ids: string) => void>;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA);
    const settle = this.db.prepare<[string]>(
      'DELETE FROM profile_outbox WHERE id IN (SELECT value FROM json_each(?))',
    );
    this.settleTx = this.db.transaction((ids: string) => void settle.run(ids));
    const owner = this.db.prepare<[string, string], { person_id: string }>(
      'SELECT person_id FROM profile_ids WHERE tenant_id = ? AND alias = ?',
    );
    const person = this.db.prepare<[string, string], { doc: string }>(
      'SELECT doc FROM profiles WHERE tenant_id = ? AND id = ?',
    );
    const put = this.db.prepare('INSERT OR REPLACE INTO profiles (tenant_id, id, doc) VALUES (?, ?, ?)');
    const drop = this.db.prepare('DELETE FROM profiles WHERE tenant_id = ? AND id = ?');
    const own = this.db.prepare(
      'INSERT OR REPLACE INTO profile_ids (tenant_id, alias, person_id) VALUES (?, ?, ?)',
    );
    const outbox = this.db.prepare('INSERT OR IGNORE INTO profile_outbox (id, doc) VALUES (?, ?)');
    this.applyTx = this.db.transaction((updates: readonly ProfileUpdate[]) => {
      let recorded = 0;
      const persons: PersonRecord[] = [];
      for (const [tenantId, mine] of byTenant(updates)) {
        const loaded: Loaded = { persons: new Map(), owners: new Map() };
        for (const alias of namedIds(mine)) {
          const row = owner.get(tenantId, alias);
          if (!row || loaded.persons.has(row.person_id)) continue;
          const doc = person.get(tenantId, row.person_id);
          if (!doc) continue;
          const p = JSON.parse(doc.doc) as PersonRecord;
          loaded.persons.set(p.id, p);
          for (const id of idsOf(p)) loaded.owners.set(id, p.id);
        }
        const applied = applyUpdates(loaded, mine);
        for (const id of applied.removed) drop.run(tenantId, id);
        for (const p of applied.saved) {
          put.run(tenantId, p.id, JSON.stringify(p));
          for (const id of idsOf(p)) own.run(tenantId, id, p.id);
        }
        for (const c of applied.changes) recorded += outbox.run(c.id, JSON.stringify(c)).changes;
        persons.push(...loaded.persons.values());
      }
      return { recorded, persons };
    });
    const group = this.db.prepare<[string, string, string], { doc: string }>(
      'SELECT doc FROM profile_groups WHERE tenant_id = ? AND type = ? AND key = ?',
    );
    const putGroup = this.db.prepare(
      'INSERT OR REPLACE INTO profile_groups (tenant_id, type, key, doc) VALUES (?, ?, ?, ?)',
    );
    this.groupsTx = this.db.transaction((updates: readonly GroupUpdate[]) => {
      for (const [tenantId, mine] of byTenant(updates)) {
        const loaded = new Map<string, GroupRecord>();
        for (const u of mine) {
          const row = loaded.has(groupId(u)) ? undefined : group.get(tenantId, u.type, u.key);
          if (row) loaded.set(groupId(u), JSON.parse(row.doc) as GroupRecord);
        }
        for (const g of applyGroupUpdates(loaded, mine))
          putGroup.run(tenantId, g.type, g.key, JSON.stringify(g));
      }
    });
  }

  async applyGroups(updates: readonly GroupUpdate[]): Promise<void> {
    if (updates.length) this.groupsTx.immediate(updates);
  }

  async findGroup(tenantId: string, type: string, key: string): Promise<GroupRecord | null> {
    const row = this.db
      .prepare<[string, string, string], { doc: string }>(
        'SELECT doc FROM profile_groups WHERE tenant_id = ? AND type = ? AND key = ?',
      )
      .get(tenantId, type, key);
    return row ? (JSON.parse(row.doc) as GroupRecord) : null;
  }

  async apply(updates: readonly ProfileUpdate[]): Promise<Applied> {
    // IMMEDIATE: the transaction reads before it writes, and a deferred one that another
    // connection wrote under (the outbox drain) fails at once with SQLITE_BUSY instead of waiting.
    return updates.length === 0 ? { recorded: 0, persons: [] } : this.applyTx.immediate(updates);
  }

  async find(tenantId: string, id: string): Promise<PersonRecord | null> {
    const row = this.db
      .prepare<[string, string, string, string], { doc: string }>(
        `SELECT doc FROM profiles WHERE tenant_id = ? AND id = COALESCE(
           (SELECT person_id FROM profile_ids WHERE tenant_id = ? AND alias = ?), ?)`,
      )
      .get(tenantId, tenantId, id, id);
    return row ? (JSON.parse(row.doc) as PersonRecord) : null;
  }

  async search(q: TraitSearch): Promise<PersonRecord[]> {
    // A quoted JSON path key: a trait named with dots is still one key. Values compare as
    // text, booleans as true and false (as PostgreSQL's ->> gives them).
    const rows = this.db
      .prepare<[Record<string, unknown>], { doc: string }>(
        `SELECT doc FROM profiles
         WHERE tenant_id = @tenant AND id > @after AND json_type(doc, @path || '.at') IS NOT NULL
           AND json_type(doc, @path || '.gone') IS NULL
           AND (@value IS NULL OR
                CASE json_type(doc, @path || '.value') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                ELSE CAST(json_extract(doc, @path || '.value') AS TEXT) END = @value)
         ORDER BY id LIMIT @limit`,
      )
      .all({
        tenant: q.tenantId,
        after: q.after ?? '',
        path: `$.traits.${JSON.stringify(q.trait)}`,
        value: q.value ?? null,
        limit: q.limit,
      });
    return rows.map((r) => JSON.parse(r.doc) as PersonRecord);
  }

  async page(after: { tenantId: string; id: string } | null, limit: number): Promise<PersonRecord[]> {
    return this.db
      .prepare<[string, string, string, number], { doc: string }>(
        `SELECT doc FROM profiles WHERE tenant_id > ? OR (tenant_id = ? AND id > ?)
         ORDER BY tenant_id, id LIMIT ?`,
      )
      .all(after?.tenantId ?? '', after?.tenantId ?? '', after?.id ?? '', limit)
      .map((r) => JSON.parse(r.doc) as PersonRecord);
  }

  async pending(limit: number): Promise<Outboxed[]> {
    return this.db
      .prepare<[number], { doc: string }>('SELECT doc FROM profile_outbox ORDER BY seq LIMIT ?')
      .all(limit)
      .map((r) => JSON.parse(r.doc) as Outboxed);
  }

  /**
   * Not synced: a settle lost to a crash reports its changes again, which their ids make
   * harmless (drainOutbox). Synced, each settle held the thread that drains the outbox —
   * the ingest event loop — for an fsync: 3.3 s of its time per million events of
   * 100,000 new people (bench:sustained, 2026-12-07).
   */
  async settle(ids: readonly string[]): Promise<void> {
    this.db.pragma('synchronous = NORMAL');
    try {
      this.settleTx.immediate(JSON.stringify(ids));
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
