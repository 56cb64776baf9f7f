import type pg from 'pg';

const OCCURRED_AT = /"occurredAt":(-?\d+)/g;
const DUPLICATE_TABLE = '42P07';

/**
 * The monthly partitions of a table partitioned by `occurred_at`: created the first time
 * an event of the month arrives, by whichever store writer sees it first.
 */
export class MonthlyPartitions {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly known: Set<string>,
  ) {}

  static async load(pool: pg.Pool, table: string): Promise<MonthlyPartitions> {
    const r = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass`,
      [table],
    );
    return new MonthlyPartitions(pool, table, new Set(r.rows.map((row) => row.name)));
  }

  /**
   * Creates the partitions the documents' event times need. Reading the times with a
   * pattern may also see a nested "occurredAt" of a client's raw payload: that only
   * creates a partition early, never misses one, since every document has its own.
   */
  async ensure(ndjson: string): Promise<void> {
    const months = new Set<number>();
    for (const m of ndjson.matchAll(OCCURRED_AT)) {
      const t = new Date(Number(m[1]));
      months.add(t.getUTCFullYear() * 12 + t.getUTCMonth());
    }
    for (const month of months) {
      const name = `${this.table}_${Math.floor(month / 12)}_${String((month % 12) + 1).padStart(2, '0')}`;
      if (this.known.has(name)) continue;
      const from = new Date(Date.UTC(Math.floor(month / 12), month % 12, 1)).toISOString();
      const to = new Date(Date.UTC(Math.floor((month + 1) / 12), (month + 1) % 12, 1)).toISOString();
      try {
        await this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${this.table} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      } catch (err) {
        // Two writers creating the same partition at once: the other one won.
        if ((err as { code?: string }).code !== DUPLICATE_TABLE) throw err;
      }
      this.known.add(name);
    }
  }
}
