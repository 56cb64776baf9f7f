/**
 * npm run bench:sustained — ingest held for minutes, not seconds: BENCH_EVENTS (default
 * 2,000,000) new native events of 100,000 users in 1000-event batches from 8
 * connections, sent to the raw baseline and then to usagehub with every background
 * thread running (store writer, profiles, Live, the log's compaction). A 10-second peak
 * is mostly absorbed by the log while the store falls behind; over millions of events
 * the store's and the log's work is paid for in the same minutes.
 *
 * Printed: events/s to acknowledge them all and the ratio to the baseline, the seconds
 * until the store held them all and until the log had compacted them, the server's CPU
 * per event over the whole run (catching up included), its peak resident memory, and
 * the data directory's size per event. BENCH_RUNS pairs (default 1) alternate the two.
 */
import fs from 'node:fs';
import path from 'node:path';
import { measureThreads } from './cpu.ts';
import {
  eventBatch,
  fmt,
  load,
  peakRss,
  startBaseline,
  startUsagehub,
  storeCaughtUp,
  type LoadResult,
} from './lib.ts';
import { runtimesLine } from './node.ts';
import { waitForSettledLog } from './query-dataset.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const SIZE = 1000;
const CONNECTIONS = 8;
const USERS = 100_000;

interface HubRun extends LoadResult {
  storedSeconds: number;
  settledSeconds: number;
  cpuPerEvent: number;
  rssMiB: number;
  bytesPerEvent: number;
}

const amount = Math.ceil(EVENTS / SIZE);
/** Each usagehub run's CPU seconds by thread name. */
const perThread: Map<string, number>[] = [];

async function baselineRun(): Promise<LoadResult> {
  const baseline = await startBaseline();
  try {
    const body = eventBatch(SIZE, 'bench', USERS);
    return await load({
      url: `${baseline.url}/`,
      headers: { 'content-type': 'application/json' },
      body,
      eventsPerRequest: SIZE,
      connections: CONNECTIONS,
      seconds: 0,
      amount,
    });
  } finally {
    await baseline.stop();
  }
}

async function hubRun(): Promise<HubRun> {
  const hub = await startUsagehub(18090);
  try {
    const t0 = performance.now();
    const threads = measureThreads(hub.child.pid!);
    const result = await load({
      url: `${hub.url}/v1/events`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.ingestKey}` },
      body: eventBatch(SIZE, hub.appName, USERS),
      eventsPerRequest: SIZE,
      connections: CONNECTIONS,
      seconds: 0,
      amount,
    });
    await storeCaughtUp(hub.url, 30 * 60);
    const storedSeconds = (performance.now() - t0) / 1000;
    const settledSeconds = await waitForSettledLog(hub);
    const byThread = threads();
    const cpu = [...byThread.values()].reduce((a, b) => a + b, 0);
    perThread.push(byThread);
    const rssMiB = peakRss(hub.child.pid!) / 2 ** 20;
    await hub.stop();
    const bytes = fs
      .readdirSync(hub.dataDir)
      .reduce((sum, f) => sum + fs.statSync(path.join(hub.dataDir, f)).size, 0);
    return {
      ...result,
      storedSeconds,
      settledSeconds,
      cpuPerEvent: (cpu * 1e6) / EVENTS,
      rssMiB,
      bytesPerEvent: bytes / EVENTS,
    };
  } finally {
    await hub.stop();
    hub.removeData();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const b = await baselineRun();
    const u = await hubRun();
    rows.push(
      `| ${r + 1} | ${fmt(b.eventsPerSec)} | ${fmt(u.eventsPerSec)} | ${fmt(u.eventsPerSec / b.eventsPerSec, 3)} | ${u.p99} | ${fmt(u.storedSeconds, 1)} | ${fmt(u.settledSeconds, 1)} | ${fmt(u.cpuPerEvent, 1)} | ${fmt(u.rssMiB)} | ${fmt(u.bytesPerEvent, 1)} | ${u.errors + u.non2xx} |`,
    );
  }
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\n${fmt(EVENTS)} new native events, ${fmt(USERS)} users, ${SIZE}-event batches, ${CONNECTIONS} connections\n`,
  );
  console.log(
    '| run | baseline events/s | usagehub events/s | ratio | p99 ms | stored after s | compacted s after | server CPU µs per event | peak RSS MiB | data bytes per event | errors |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log('\nserver CPU µs per event by thread (whole run, catching up included):\n');
  const names = [...new Set(perThread.flatMap((m) => [...m.keys()]))].sort();
  console.log(`| thread | ${perThread.map((_, i) => `run ${i + 1}`).join(' | ')} |`);
  console.log(`|---|${perThread.map(() => '---:').join('|')}|`);
  for (const name of names)
    console.log(
      `| ${name} | ${perThread.map((m) => fmt(((m.get(name) ?? 0) * 1e6) / EVENTS, 2)).join(' | ')} |`,
    );
}

await main();
