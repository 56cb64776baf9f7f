/**
 * npm run bench — ingest throughput and latency of usagehub against a raw baseline
 * (node:http + JSON.parse), both loaded by the same generator on 127.0.0.1.
 *
 * usagehub runs durable (fsync'd group commit) with dedup on; every request carries
 * new events. Each scenario is measured BENCH_RUNS times (default 3), baseline and
 * usagehub alternating, and the medians are printed: on a shared two-core machine
 * single runs of the same code differ by 10-15%. Each usagehub run starts once the
 * store has caught up with the runs before it. BENCH_SECONDS per run (default 10).
 */
import {
  eventBatch,
  median,
  printCompared,
  type ComparedRow,
  load,
  paced,
  startBaseline,
  startUsagehub,
  storeCaughtUp,
  type LoadResult,
} from './lib.ts';
import { runtimesLine } from './node.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
/** Which batch sizes to measure (BENCH_SIZES=1 for the per-request path alone); default both. */
const sizes = (process.env.BENCH_SIZES ?? '1000,1').split(',').map(Number);

async function main(): Promise<void> {
  const baseline = await startBaseline();
  const hub = await startUsagehub(18080);
  const rows: ComparedRow[] = [];
  const plain = { 'content-type': 'application/json' };
  const hubHeaders = { ...plain, authorization: `Bearer ${hub.ingestKey}` };
  const toBaseline = `${baseline.url}/`;
  const toHub = `${hub.url}/v1/events`;
  try {
    for (const [size, connections] of (
      [
        [1000, 16],
        [1, 64],
      ] as const
    ).filter(([n]) => sizes.includes(n))) {
      const peak = (url: string, headers: Record<string, string>, s = seconds) =>
        load({
          url,
          headers,
          body: eventBatch(size, hub.appName),
          eventsPerRequest: size,
          connections,
          seconds: s,
        });
      // Warm up both (JIT, caches), then measure.
      await peak(toBaseline, plain, 2);
      await peak(toHub, hubHeaders, 2);
      const b: LoadResult[] = [];
      const u: LoadResult[] = [];
      for (let r = 0; r < runs; r++) {
        b.push(await peak(toBaseline, plain));
        await storeCaughtUp(hub.url);
        u.push(await peak(toHub, hubHeaders));
      }
      const hubPeak = median(u);
      rows.push({ scenario: `${size}-event requests, peak`, baseline: median(b), usagehub: hubPeak });
      if (size === 1000) {
        // Latency below saturation: open-loop, evenly paced at half of usagehub's peak.
        const rate = Math.max(1, Math.floor(hubPeak.requestsPerSec / 2));
        const at = (url: string, headers: Record<string, string>) =>
          paced({ url, headers, body: eventBatch(size, hub.appName), eventsPerRequest: size, rate, seconds });
        const bh: LoadResult[] = [];
        const uh: LoadResult[] = [];
        for (let r = 0; r < runs; r++) {
          bh.push(await at(toBaseline, plain));
          await storeCaughtUp(hub.url);
          uh.push(await at(toHub, hubHeaders));
        }
        const byP99 = (xs: LoadResult[]) => [...xs].sort((x, y) => x.p99 - y.p99)[Math.floor(xs.length / 2)]!;
        rows.push({
          scenario: `${size}-event requests, paced at ${rate} req/s (half of peak)`,
          baseline: byP99(bh),
          usagehub: byP99(uh),
        });
      }
    }
  } finally {
    await hub.stop();
    hub.removeData();
    await baseline.stop();
  }
  print(rows);
}

function print(rows: ComparedRow[]): void {
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub ingest benchmark: medians of ${runs} runs of ${seconds} s; durable group commit, dedup on\n`,
  );
  printCompared(rows);
}

await main();
