import type { Row, SqlQuery, StoreReader } from '../store/event-store.port.ts';
import { Sql } from '../store/sql-builder.ts';

/** What the events say of a person: how many, when first and last, doing what. */
export interface PersonActivity {
  events: number;
  firstEventAt: string | null;
  lastEventAt: string | null;
  topEvents: { name: string; events: number }[];
}

/** The engine's SQL for a person's activity, over the events whose user_key is one of their ids. */
interface ActivitySql {
  totals(tenantId: string, ids: readonly string[]): SqlQuery;
  topNames(tenantId: string, ids: readonly string[], limit: number): SqlQuery;
}

function scope(tenantId: string, ids: readonly string[]): Sql {
  const sql = new Sql();
  sql.where(`tenant_id = ${sql.param(tenantId)}`);
  sql.where(sql.in('user_key', ids));
  return sql;
}

const ENGINES: Record<StoreReader['engine'], ActivitySql> = {
  duckdb: {
    totals: (t, ids) => {
      const sql = scope(t, ids);
      return {
        sql: `SELECT coalesce(sum(count), 0)::DOUBLE AS events, epoch_ms(min(occurred_at)) AS first,
                     epoch_ms(max(occurred_at)) AS last FROM events ${sql.whereSql}`,
        params: sql.params,
      };
    },
    topNames: (t, ids, limit) => {
      const sql = scope(t, ids);
      return {
        sql: `SELECT name, sum(count)::DOUBLE AS events FROM events ${sql.whereSql}
              GROUP BY name ORDER BY events DESC, name LIMIT ${Math.trunc(limit)}`,
        params: sql.params,
      };
    },
  },
  postgres: {
    totals: (t, ids) => {
      const sql = scope(t, ids);
      return {
        sql: `SELECT coalesce(sum(count), 0)::float8 AS events,
                     (extract(epoch FROM min(occurred_at)) * 1000)::float8 AS first,
                     (extract(epoch FROM max(occurred_at)) * 1000)::float8 AS last FROM events ${sql.whereSql}`,
        params: sql.params,
      };
    },
    topNames: (t, ids, limit) => {
      const sql = scope(t, ids);
      return {
        sql: `SELECT name, sum(count)::float8 AS events FROM events ${sql.whereSql}
              GROUP BY name ORDER BY events DESC, name COLLATE "C" LIMIT ${Math.trunc(limit)}`,
        params: sql.params,
      };
    },
  },
};

const iso = (v: Row[string]): string | null =>
  v === null || v === undefined ? null : new Date(Number(v)).toISOString();

/** A person's activity from the store, by the ids they go by. */
export async function personActivity(
  store: StoreReader,
  tenantId: string,
  ids: readonly string[],
): Promise<PersonActivity> {
  const sql = ENGINES[store.engine];
  const run = (q: SqlQuery) => store.select(q.sql, q.params);
  const [[totals], names] = await Promise.all([
    run(sql.totals(tenantId, ids)),
    run(sql.topNames(tenantId, ids, 10)),
  ]);
  return {
    events: Number(totals?.events ?? 0),
    firstEventAt: iso(totals?.first),
    lastEventAt: iso(totals?.last),
    topEvents: names.map((r) => ({ name: String(r.name), events: Number(r.events) })),
  };
}
