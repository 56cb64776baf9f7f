/**
 * npm run bench — ingest throughput and latency of usagehub against a raw baseline
 * (node:http + JSON.parse), both loaded by the same generator on 127.0.0.1.
 *
 * usagehub runs durable (fsync'd group commit) with dedup on; every request carries
 * new events. Each usagehub run starts once the store has caught up with the runs
 * before it. Options: BENCH_SECONDS (default 10).
 */
import {
  eventBatch,
  fmt,
  load,
  paced,
  startBaseline,
  startUsagehub,
  storeCaughtUp,
  type LoadResult,
} from './lib.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

interface Row {
  scenario: string;
  baseline: LoadResult;
  usagehub: LoadResult;
}

async function main(): Promise<void> {
  const baseline = await startBaseline();
  const hub = await startUsagehub(18080);
  const rows: Row[] = [];
  try {
    const hubHeaders = { 'content-type': 'application/json', authorization: `Bearer ${hub.ingestKey}` };
    const plain = { 'content-type': 'application/json' };
    for (const [size, connections] of [
      [1000, 16],
      [1, 64],
    ] as const) {
      const body = eventBatch(size, hub.appName);
      // Warm up both (JIT, caches), then measure.
      await load({
        url: `${baseline.url}/`,
        headers: plain,
        body,
        eventsPerRequest: size,
        connections,
        seconds: 2,
      });
      const b = await load({
        url: `${baseline.url}/`,
        headers: plain,
        body,
        eventsPerRequest: size,
        connections,
        seconds,
      });
      await load({
        url: `${hub.url}/v1/events`,
        headers: hubHeaders,
        body: eventBatch(size, hub.appName),
        eventsPerRequest: size,
        connections,
        seconds: 2,
      });
      await storeCaughtUp(hub.url);
      const u = await load({
        url: `${hub.url}/v1/events`,
        headers: hubHeaders,
        body,
        eventsPerRequest: size,
        connections,
        seconds,
      });
      rows.push({ scenario: `${size}-event requests, peak`, baseline: b, usagehub: u });
      if (size === 1000) {
        // Latency below saturation: half of usagehub's peak request rate.
        const rate = Math.max(1, Math.floor(u.requestsPerSec / 2));
        const half = eventBatch(size, hub.appName); // fresh ids and times
        // Open-loop, evenly paced: latency as clients spread in time would see it.
        const at = (url: string, headers: Record<string, string>) =>
          paced({ url, headers, body: half, eventsPerRequest: size, rate, seconds });
        const bh = await at(`${baseline.url}/`, plain);
        await storeCaughtUp(hub.url);
        const uh = await at(`${hub.url}/v1/events`, hubHeaders);
        rows.push({
          scenario: `${size}-event requests, paced at ${rate} req/s (half of peak)`,
          baseline: bh,
          usagehub: uh,
        });
      }
    }
  } finally {
    await hub.stop();
    await baseline.stop();
  }
  print(rows);
}

function print(rows: Row[]): void {
  console.log(`\nusagehub ingest benchmark (${seconds}s per run, durable group commit, dedup on)\n`);
  console.log('| scenario | server | events/s | requests/s | p50 ms | p99 ms | errors |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    for (const [name, x] of [
      ['baseline', r.baseline],
      ['usagehub', r.usagehub],
    ] as const) {
      console.log(
        `| ${r.scenario} | ${name} | ${fmt(x.eventsPerSec)} | ${fmt(x.requestsPerSec)} | ${x.p50} | ${x.p99} | ${x.errors + x.non2xx} |`,
      );
    }
    console.log(
      `| ${r.scenario} | ratio usagehub/baseline | ${fmt(r.usagehub.eventsPerSec / r.baseline.eventsPerSec, 2)} | ${fmt(r.usagehub.requestsPerSec / r.baseline.requestsPerSec, 2)} | | | |`,
    );
  }
}

await main();
