/**
 * npm run bench:sdk — the SDK dialects' ingest against a raw baseline parsing the same
 * bodies (node:http + gunzip + JSON.parse), both loaded by the same generator:
 *
 * - Segment `POST /v1/batch`, 15-message batches, HTTP Basic write key (what
 *   @segment/analytics-node sends: its default maxEventsInBatch is 15);
 * - PostHog `POST /batch/`, 20-event batches, gzip (posthog-node: flushAt 20,
 *   Content-Encoding: gzip).
 *
 * Every request carries new message ids. Each scenario is measured BENCH_RUNS times
 * (default 3), baseline and usagehub alternating; medians are printed. BENCH_SECONDS per
 * run (default 10); BENCH_SDK=segment or posthog for one of them; BENCH_CONNECTIONS (default
 * 32) to see whether a rate is bound by latency (it rises with connections) or by CPU.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { measureFaults, measureThreads } from './cpu.ts';
import {
  fmt,
  load,
  median,
  printCompared,
  segmentTrack,
  startBaseline,
  startUsagehub,
  storeCaughtUp,
  type ComparedRow,
  type LoadResult,
} from './lib.ts';
import { runtimesLine } from './node.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

// Placeholders filled per request (plain text: JSON.stringify would escape control characters).
const ID = '@@ID@@';
const TIME = '@@TIME@@';
/** Event time starts an hour ago and advances a second per 1000 events, as live traffic's does. */
const START = Date.now() - 3600_000;
const timeOf = (events: number) => new Date(START + Math.floor(events / 1000) * 1000).toISOString();

/** Segment batches as analytics-node sends them; a cheap template, new ids and times per call. */
function segmentBodies(size: number): (n: number) => string {
  const messages = Array.from({ length: size }, (_, i) =>
    JSON.stringify(segmentTrack(i, `node-next-${ID}-${i}`, TIME)),
  );
  const template = `{"batch":[${messages.join(',')}],"sentAt":"${TIME}"}`;
  return (n) => template.replaceAll(ID, String(n)).replaceAll(TIME, timeOf(n * size));
}

/**
 * PostHog batches as posthog-node sends them, gzipped. Compressing per request would
 * take the generator's CPU from the server it measures, so a pool is made beforehand;
 * requests past it repeat bodies (acknowledged as duplicates), which the pool's size
 * keeps rare.
 */
function posthogBodies(size: number, token: string, pool: number): (n: number) => Buffer {
  const bodies: Buffer[] = [];
  for (let b = 0; b < pool; b++) {
    const t = timeOf(b * size);
    const batch = Array.from({ length: size }, (_, i) => ({
      distinct_id: `user-${i}`,
      event: 'video played',
      properties: { seconds: 40 + i, $lib: 'posthog-node', $lib_version: '5.70.0', $geoip_disable: true },
      type: 'capture',
      library: 'posthog-node',
      library_version: '5.70.0',
      timestamp: t,
      uuid: randomUUID(),
    }));
    bodies.push(gzipSync(JSON.stringify({ api_key: token, batch, sent_at: t })));
  }
  return (n) => bodies[n % pool]!;
}

async function main(): Promise<void> {
  const baseline = await startBaseline();
  const hub = await startUsagehub(18081);
  const rows: ComparedRow[] = [];
  const costs: {
    scenario: string;
    baseline: Tally;
    usagehub: Tally;
    generator: Tally;
    faults: number;
    events: number;
  }[] = [];
  try {
    const source = async (kind: string) => {
      const res = await fetch(`${hub.url}/v1/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind, app: hub.appName }),
      });
      return ((await res.json()) as { writeKey: string }).writeKey;
    };
    const segmentKey = await source('segment');
    const posthogKey = await source('posthog');
    const scenarios: {
      scenario: string;
      size: number;
      path: string;
      headers: Record<string, string>;
      body: (n: number) => string | Buffer;
    }[] = [
      {
        scenario: 'Segment /v1/batch, 15-message batches',
        size: 15,
        path: '/v1/batch',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${segmentKey}:`).toString('base64')}`,
        },
        body: segmentBodies(15),
      },
      {
        scenario: 'PostHog /batch/, 20-event gzip batches',
        size: 20,
        path: '/batch/',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: posthogBodies(20, posthogKey, 120_000),
      },
    ];
    // BENCH_SDK=segment or posthog measures one of them.
    const only = process.env.BENCH_SDK?.toLowerCase();
    for (const s of scenarios.filter((x) => !only || x.scenario.toLowerCase().startsWith(only))) {
      const peak = (url: string, secs = seconds) =>
        load({
          url,
          headers: s.headers,
          body: s.body,
          eventsPerRequest: s.size,
          connections: CONNECTIONS,
          seconds: secs,
        });
      await peak(`${baseline.url}/`, 2);
      await peak(`${hub.url}${s.path}`, 2);
      const b: LoadResult[] = [];
      const u: LoadResult[] = [];
      const cpu = {
        baseline: new Tally(),
        usagehub: new Tally(),
        generator: new Tally(),
        faults: 0,
        events: 0,
      };
      for (let r = 0; r < runs; r++) {
        let server = measureThreads(baseline.child.pid!);
        b.push(await peak(`${baseline.url}/`));
        cpu.baseline.add(server(), b.at(-1)!.eventsPerSec * seconds);
        await storeCaughtUp(hub.url);
        server = measureThreads(hub.child.pid!);
        const faults = measureFaults(hub.child.pid!);
        const generator = measureThreads(process.pid);
        u.push(await peak(`${hub.url}${s.path}`));
        const events = u.at(-1)!.eventsPerSec * seconds;
        cpu.generator.add(generator(), events);
        // The store and the profiles catching up belong to these events too.
        await storeCaughtUp(hub.url);
        cpu.usagehub.add(server(), events);
        cpu.faults += faults();
        cpu.events += events;
      }
      rows.push({ scenario: s.scenario, baseline: median(b), usagehub: median(u) });
      costs.push({ scenario: s.scenario, ...cpu });
    }
  } finally {
    await hub.stop();
    hub.removeData();
    await baseline.stop();
  }
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub SDK ingest benchmark: medians of ${runs} runs of ${seconds} s, ${CONNECTIONS} connections; durable, dedup on\n`,
  );
  printCompared(rows);
  // Where the CPU goes: on two cores, the generator and every server thread share them.
  console.log(`\n| CPU µs per event, all runs | ${costs.map((c) => c.scenario).join(' | ')} |`);
  console.log(`|---|${costs.map(() => '---:').join('|')}|`);
  const line = (label: string, of: (c: (typeof costs)[number]) => number) =>
    console.log(`| ${label} | ${costs.map((c) => fmt(of(c), 1)).join(' | ')} |`);
  line('baseline server', (c) => c.baseline.total());
  line('usagehub, all threads (incl. catching up)', (c) => c.usagehub.total());
  const threads = [...new Set(costs.flatMap((c) => c.usagehub.names()))];
  for (const t of threads.sort((x, y) => costs[0]!.usagehub.of(y) - costs[0]!.usagehub.of(x)))
    if (costs.some((c) => c.usagehub.of(t) >= 0.1)) line(`— ${THREADS[t] ?? t}`, (c) => c.usagehub.of(t));
  line('the load generator (this process)', (c) => c.generator.total());
  console.log(
    `| usagehub's page faults per event (all threads) | ${costs.map((c) => fmt(c.faults / c.events, 3)).join(' | ')} |`,
  );
}

const THREADS: Record<string, string> = {
  main: 'main thread (HTTP, parsing, mapping, encoding)',
  // Node 20 names V8's and libuv's helper threads alike; Node 24 tells them apart.
  node: "Node's helper threads (garbage collection; gunzip and DuckDB's work on the libuv pool)",
  V8Worker: "V8's helper threads (garbage collection)",
  'libuv-worker': "libuv's pool (gunzip; DuckDB's work)",
  'usagehub-log': 'log thread (durable dedup and append)',
  'usagehub-store': 'store thread (DuckDB)',
  'usagehub-profil': 'profiles thread',
};

/** CPU seconds by thread name over runs, and the events they carried: read as µs per event. */
class Tally {
  private readonly seconds = new Map<string, number>();
  private events = 0;
  add(used: Map<string, number>, events: number): void {
    for (const [name, s] of used) this.seconds.set(name, (this.seconds.get(name) ?? 0) + s);
    this.events += events;
  }
  names(): string[] {
    return [...this.seconds.keys()];
  }
  of(name: string): number {
    return ((this.seconds.get(name) ?? 0) * 1e6) / this.events;
  }
  total(): number {
    return ([...this.seconds.values()].reduce((a, b) => a + b, 0) * 1e6) / this.events;
  }
}

await main();
