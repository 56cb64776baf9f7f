/**
 * npm run bench:insights — insights over bench:query's data set (BENCH_EVENTS, default
 * 10,000,000 native events of 100,000 persons over 30 days, 20 names), each event with a
 * plan and a number of seconds in its properties.
 *
 * Times each insight through POST /v1/insights/query (median of 5 after a warm-up) and a
 * hand-written DuckDB query computing the same answer over the raw events in the same
 * run (no persons are merged in this data, so the raw queries count user keys), then the
 * server's peak resident memory.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { fmt, peakRss, timed, startUsagehub } from './lib.ts';
import { TOTAL, end, loadDataset, start, waitForSettledLog } from './query-dataset.ts';
import { runtimesLine } from './node.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const inRange = `occurred_at >= epoch_ms(${start}::BIGINT) AND occurred_at < epoch_ms(${end}::BIGINT)`;
const WEEK_MS = 7 * 86400_000;

const INSIGHTS: Record<string, { definition: unknown; raw: string }> = {
  'trends: unique persons per day of one event, by plan (top 10)': {
    definition: {
      kind: 'trends',
      range: { from: day(start), to: day(end) },
      series: [{ event: 'event_3', math: 'unique_persons' }],
      breakdown: { by: 'properties.plan' },
    },
    raw: `SELECT date_trunc('day', occurred_at) b, json_extract_string(properties, '$.plan') k,
            count(DISTINCT user_key) FROM events WHERE name = 'event_3' AND ${inRange} GROUP BY ALL`,
  },
  'funnel: 3 steps, 7-day window, 30 days': {
    definition: {
      kind: 'funnels',
      range: { from: day(start), to: day(end) },
      steps: [{ event: 'event_0' }, { event: 'event_1' }, { event: 'event_2' }],
      window: { value: 7, unit: 'day' },
    },
    raw: `WITH ev AS (SELECT user_key AS who, epoch_ms(occurred_at) AS t, seq AS q, name FROM events
                     WHERE name IN ('event_0', 'event_1', 'event_2') AND ${inRange}),
          a AS (SELECT who, t AS t0, q AS q0 FROM ev WHERE name = 'event_0'),
          b AS (SELECT a.*, s.t AS t1, s.q AS q1 FROM a LEFT JOIN LATERAL (
                  SELECT t, q FROM ev x WHERE x.who = a.who AND x.name = 'event_1' AND (x.t, x.q) > (a.t0, a.q0)
                    AND x.t <= a.t0 + ${WEEK_MS} ORDER BY t, q LIMIT 1) s ON true),
          c AS (SELECT b.*, s.t AS t2 FROM b LEFT JOIN LATERAL (
                  SELECT t, q FROM ev x WHERE x.who = b.who AND x.name = 'event_2' AND (x.t, x.q) > (b.t1, b.q1)
                    AND x.t <= b.t0 + ${WEEK_MS} ORDER BY t, q LIMIT 1) s ON true),
          best AS (SELECT who, max(1 + (t1 IS NOT NULL)::INT + (t2 IS NOT NULL)::INT) AS level FROM c GROUP BY who)
     SELECT count(*), count(*) FILTER (level >= 2), count(*) FILTER (level >= 3) FROM best`,
  },
  'retention: weekly, first time, 5 weeks': {
    definition: {
      kind: 'retention',
      start: { event: '*' },
      return: { event: '*' },
      period: 'week',
      periods: 5,
      range: { from: day(start), to: day(end) },
    },
    raw: `WITH firsts AS (SELECT user_key, date_trunc('week', min(occurred_at)) c FROM events GROUP BY user_key),
          back AS (SELECT DISTINCT user_key, date_trunc('week', occurred_at) w FROM events)
     SELECT c, w, count(*) FROM firsts JOIN back USING (user_key) WHERE w >= c GROUP BY ALL`,
  },
};

async function main(): Promise<void> {
  const hub = await startUsagehub(18182);
  const results: Record<string, { usagehub: number; raw: number }> = {};
  let rss: number | undefined;
  try {
    const { acked, stored } = await loadDataset(hub, { properties: true });
    // The log's compaction done, as bench:query waits: insights are timed on a server at rest.
    await waitForSettledLog(hub);
    console.log(`\n${runtimesLine()}`);
    console.log(
      `loaded ${fmt(TOTAL)} events with properties: acknowledged in ${fmt(acked, 1)} s, stored in ${fmt(stored, 1)} s`,
    );
    for (const [name, q] of Object.entries(INSIGHTS)) {
      const ms = await timed(async () => {
        const res = await fetch(`${hub.url}/v1/insights/query`, {
          method: 'POST',
          headers: { authorization: `Bearer ${hub.readKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(q.definition),
        });
        if (res.status !== 200) throw new Error(`insight failed: ${res.status} ${await res.text()}`);
        await res.json();
      });
      results[name] = { usagehub: ms, raw: 0 };
    }
    rss = peakRss(hub.child.pid!);
  } finally {
    await hub.stop();
  }
  const instance = await DuckDBInstance.create(path.join(hub.dataDir, 'store.duckdb'), {
    memory_limit: '512MB',
    threads: '2',
  });
  const conn = await instance.connect();
  for (const [name, q] of Object.entries(INSIGHTS))
    results[name]!.raw = await timed(async () => (await conn.runAndReadAll(q.raw)).getRows());
  conn.closeSync();
  instance.closeSync();
  hub.removeData();

  console.log(`\n| insight (${fmt(TOTAL)} events, embedded profile) | usagehub ms | raw DuckDB ms | ratio |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of Object.entries(results))
    console.log(`| ${name} | ${fmt(r.usagehub, 1)} | ${fmt(r.raw, 1)} | ${fmt(r.usagehub / r.raw, 2)} |`);
  console.log(`\nserver peak resident memory: ${fmt((rss ?? 0) / 2 ** 20)} MiB`);
}

await main();
