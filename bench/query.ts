/**
 * npm run bench:query — query latency with 10 million events stored.
 *
 * Loads BENCH_EVENTS (default 10,000,000) events — 100,000 users, 30 days, 20 event
 * names — through usagehub's ingest API, then times through the query API (median of
 * 5 after a warm-up):
 *   - daily counts by name over 30 days
 *   - daily distinct users over 30 days
 *   - top 10 users over 30 days
 * and the same SQL run directly on the store by its engine (the raw baseline, which
 * scans events where usagehub may read a rollup). Prints the server's peak resident
 * memory.
 *
 * `npm run bench:query -- scale` does the same on the scale profile (one process with
 * role all on the local NATS and PostgreSQL, a stream and schema of its own); the raw
 * baseline is then PostgreSQL scanning the events table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { fmt, peakRss, timed, scaleDeployment, startUsagehub } from './lib.ts';
import { TOTAL, end, loadDataset, start, waitForSettledLog } from './query-dataset.ts';
import { runtimesLine } from './node.ts';
import { eventsById, timeExport, type ByIdResult } from './read-back.ts';

const SCALE = process.argv[2] === 'scale';
const range = (ms: (t: number) => string) => `occurred_at >= ${ms(start)} AND occurred_at < ${ms(end)}`;
const duck = (t: number) => `epoch_ms(${t}::BIGINT)`;
const postgres = (t: number) => `to_timestamp(${t / 1000})`;

/** Each query through usagehub's API, and as SQL over raw events in DuckDB and in PostgreSQL. */
const QUERIES = {
  'daily counts by name, 30 days': {
    url: `/v1/query/counts?interval=day&groupBy=name&from=${start}&to=${end}`,
    duckdb: `SELECT time_bucket(INTERVAL '1 day', occurred_at) b, name, sum(count) FROM events WHERE ${range(duck)} GROUP BY ALL`,
    postgres: `SELECT date_trunc('day', occurred_at) b, name, sum(count) FROM events WHERE ${range(postgres)} GROUP BY 1, 2`,
  },
  'daily distinct users, 30 days': {
    url: `/v1/query/users?interval=day&from=${start}&to=${end}`,
    duckdb: `SELECT time_bucket(INTERVAL '1 day', occurred_at) b, count(DISTINCT user_key) FROM events WHERE ${range(duck)} GROUP BY ALL`,
    postgres: `SELECT date_trunc('day', occurred_at) b, count(DISTINCT user_key) FROM events WHERE ${range(postgres)} GROUP BY 1`,
  },
  'top 10 users, 30 days': {
    url: `/v1/query/top-users?limit=10&from=${start}&to=${end}`,
    duckdb: `SELECT user_key, sum(count) e FROM events WHERE ${range(duck)} GROUP BY ALL ORDER BY e DESC LIMIT 10`,
    postgres: `SELECT user_key, sum(count) e FROM events WHERE ${range(postgres)} GROUP BY 1 ORDER BY e DESC LIMIT 10`,
  },
};

async function main(): Promise<void> {
  const scale = SCALE ? await scaleDeployment() : null;
  const hub = scale
    ? {
        ...(await scale.start('all', 18181)),
        ingestKey: scale.ingestKey,
        readKey: scale.readKey,
        dataDir: '',
        removeData: () => {},
      }
    : await startUsagehub(18181);
  const results: Record<string, { usagehub: number; raw: number }> = {};
  let rss: number | undefined;
  let byId: ByIdResult | undefined;
  try {
    const { acked: loadSeconds, stored: storedSeconds } = await loadDataset(hub);
    const settledSeconds = scale ? null : await waitForSettledLog(hub);
    console.log(`\n${runtimesLine()}`);
    console.log(
      `\nloaded ${fmt(TOTAL)} events: acknowledged in ${fmt(loadSeconds, 1)} s, stored in ${fmt(storedSeconds, 1)} s` +
        (settledSeconds === null ? '' : `, the log compacted ${fmt(settledSeconds, 1)} s after that`),
    );
    for (const [name, q] of Object.entries(QUERIES)) {
      const ms = await timed(async () => {
        const res = await fetch(`${hub.url}${q.url}`, {
          headers: { authorization: `Bearer ${hub.readKey}` },
        });
        if (res.status !== 200) throw new Error(`query failed: ${res.status}`);
        await res.json();
      });
      results[name] = { usagehub: ms, raw: 0 };
    }
    byId = await eventsById(hub);
    rss = peakRss(hub.child.pid!);
  } finally {
    await hub.stop();
  }
  let exported: { seconds: number; lines: number } | null = null;
  let size: number;
  if (scale) {
    const url = new URL(scale.env.USAGEHUB_STORE!);
    url.searchParams.delete('schema');
    const db = new pg.Client({
      connectionString: url.toString(),
      options: `-c search_path=${scale.schema} -c TimeZone=UTC`,
    });
    await db.connect();
    for (const [name, q] of Object.entries(QUERIES))
      results[name]!.raw = await timed(() => db.query(q.postgres));
    size = Number(
      (
        await db.query<{ n: string }>(
          `SELECT sum(pg_total_relation_size(c.oid)) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`,
          [scale.schema],
        )
      ).rows[0]!.n,
    );
    await db.end();
    await scale.remove();
  } else {
    const file = path.join(hub.dataDir, 'store.duckdb');
    const instance = await DuckDBInstance.create(file, { memory_limit: '512MB', threads: '2' });
    const conn = await instance.connect();
    for (const [name, q] of Object.entries(QUERIES)) {
      results[name]!.raw = await timed(async () => (await conn.runAndReadAll(q.duckdb)).getRows());
    }
    conn.closeSync();
    instance.closeSync();
    const files = fs
      .readdirSync(hub.dataDir)
      .map((f) => [f, fs.statSync(path.join(hub.dataDir, f)).size] as const);
    size = files.reduce((s, [, bytes]) => s + bytes, 0);
    console.log(
      `\ndata directory: ${files
        .filter(([, bytes]) => bytes > 0)
        .map(([f, bytes]) => `${f} ${fmt(bytes / 2 ** 20, 1)} MiB (${fmt(bytes / TOTAL, 1)} bytes per event)`)
        .join(', ')}`,
    );
    // A tenth of the range: about a million events, most from settled segments.
    exported = await timeExport(hub.dataDir, end - 3 * 86400_000, end);
    hub.removeData();
  }

  console.log(
    `\n| query (${fmt(TOTAL)} events, ${SCALE ? 'scale' : 'embedded'} profile) | usagehub ms | raw ${SCALE ? 'PostgreSQL' : 'DuckDB'} ms | ratio |`,
  );
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${fmt(r.usagehub, 1)} | ${fmt(r.raw, 1)} | ${fmt(r.usagehub / r.raw, 2)} |`);
  }
  console.log(
    `\none event by id (GET /v1/events/:id, ${byId!.found} ids spread over the log): p50 ${fmt(byId!.p50, 2)} ms, p99 ${fmt(byId!.p99, 2)} ms`,
  );
  if (exported)
    console.log(
      `usagehub export of the last 3 days: ${fmt(exported.lines)} events in ${fmt(exported.seconds, 1)} s (${fmt(exported.lines / exported.seconds)} events/s)`,
    );
  console.log(
    `\nserver peak resident memory: ${fmt(rss! / 2 ** 20)} MiB; ${SCALE ? 'PostgreSQL schema' : 'data directory'}: ${fmt(size / 2 ** 20)} MiB, ${fmt(size / TOTAL, 1)} bytes per event`,
  );
}

await main();
