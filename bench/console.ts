/**
 * npm run bench:console — the console on the bench:query data set (10 M events).
 *
 * 1. Overview load: a signed-in Chromium (Debian's, as the tests use) opens the overview
 *    over the data set's 30 days; the time from navigation to both charts drawn, median
 *    of 5 loads after a cold one, and the JSON the page fetched. Target: ≤ 1 s.
 * 2. Live stream against ingest, side by side: saturating native ingest (1000-event
 *    batches) with and without a stream reader open, alternated three times each
 *    (ratio with/without, target ≥ 0.9); then 20,000 events/s paced for 10 s with the
 *    stream open: how many of the events the reader got, and ingest p99.
 *
 * BENCH_DATA=/dir reuses a data directory a previous run kept (BENCH_KEEP_DATA=1);
 * BENCH_CONSOLE=overview or stream runs one part.
 */
import { openBrowser } from '../test/helpers/browser.ts';
import { request } from 'undici';
import {
  eventBatch,
  fmt,
  load,
  median,
  paced,
  storeCaughtUp,
  startUsagehub,
  type LoadResult,
  type UsagehubInstance,
} from './lib.ts';
import { TOTAL, end, loadDataset, start } from './query-dataset.ts';
import { measure, processes } from './cpu.ts';
import { runtimesLine } from './node.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function overviewLoads(url: string, readKey: string) {
  const signIn = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: readKey }),
  });
  const token = /usagehub_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1];
  if (!token) throw new Error(`sign-in failed: ${signIn.status}`);
  // The tests' Chromium, with the flags a machine without network needs.
  const { context: browser, close } = await openBrowser();
  await browser.addCookies([{ name: 'usagehub_session', value: token, url }]);
  const page = `${url}/?range=custom&from=${day(start)}&to=${day(end - 86400_000)}`;
  const loads: { ms: number; jsonBytes: number }[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const tab = await browser.newPage();
      const bodies: Promise<number>[] = [];
      tab.on('response', (r) => {
        if (new URL(r.url()).pathname.startsWith('/v1/'))
          bodies.push(
            r.body().then(
              (b) => b.length,
              () => 0,
            ),
          );
      });
      await tab.goto(page);
      // performance.now() counts from the navigation's start.
      // A function, not text: the page's policy forbids evaluating text.
      const ms = await tab.waitForFunction(
        () => {
          const page = globalThis as unknown as {
            document: { querySelectorAll(s: string): { length: number } };
          };
          return page.document.querySelectorAll('.chart [data-drawn]').length >= 2 && performance.now();
        },
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      // The top lists come after the charts: the JSON counted is all the page asked for.
      await tab.waitForLoadState('networkidle');
      const jsonBytes = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
      loads.push({ ms: (await ms.jsonValue()) as number, jsonBytes });
      await tab.close();
    }
  } finally {
    await close();
  }
  return { cold: loads[0]!, warm: loads.slice(1).sort((a, b) => a.ms - b.ms)[2]! };
}

const USAGE = Buffer.from('\nevent: usage\n');
const SKIPPED = Buffer.from('{"skipped":');

interface StreamCounts {
  received: number;
  skipped: number;
}

/** Where `needle` occurs in `buf`. */
function* occurrences(buf: Buffer, needle: Buffer): Generator<number> {
  for (let k = buf.indexOf(needle); k >= 0; k = buf.indexOf(needle, k + 1)) yield k;
}

/** A stream reader, as curl or the console would be: counts what arrives. */
async function openStream(url: string, readKey: string) {
  const res = await request(`${url}/v1/stream`, { headers: { authorization: `Bearer ${readKey}` } });
  let received = 0;
  let skipped = 0;
  let tail = Buffer.alloc(0);
  const done = (async () => {
    for await (const chunk of res.body) {
      // Counted on the bytes, without decoding them: the reader shares the machine with
      // the server it measures. A mark cut by a chunk's edge is counted from `seam`.
      const buf = chunk as Buffer;
      const seam = Buffer.concat([tail, buf.subarray(0, 64)]);
      for (const k of occurrences(seam, USAGE))
        if (k < tail.length && k + USAGE.length > tail.length) received++;
      received += [...occurrences(buf, USAGE)].length;
      // `{"skipped":N}` is rare: counted when whole within one chunk.
      for (const k of occurrences(buf, SKIPPED))
        skipped += parseInt(buf.toString('latin1', k + SKIPPED.length, k + SKIPPED.length + 20), 10);
      tail = Buffer.from(buf.subarray(-64));
    }
  })().catch(() => {});
  return {
    counts: (): StreamCounts => ({ received, skipped }),
    close: async () => {
      res.body.destroy();
      await done;
    },
  };
}

async function main(): Promise<void> {
  const reuse = process.env.BENCH_DATA;
  const hub = await startUsagehub(18182, reuse);
  try {
    if (!reuse) {
      const { acked, stored } = await loadDataset(hub);
      console.log(`\n${runtimesLine()}`);
      console.log(
        `loaded ${fmt(TOTAL)} events: acknowledged in ${fmt(acked, 1)} s, stored in ${fmt(stored, 1)} s`,
      );
    }
    const part = process.env.BENCH_CONSOLE;
    if (part !== 'stream') await overview(hub);
    if (part !== 'overview') await streamAgainstIngest(hub);
  } finally {
    await hub.stop();
    if (!reuse) hub.removeData();
  }
}

async function overview(hub: UsagehubInstance): Promise<void> {
  const { cold, warm } = await overviewLoads(hub.url, hub.readKey);
  console.log(`\n| overview, 30 days of ${fmt(TOTAL)} events | navigation → charts drawn | JSON fetched |`);
  console.log('|---|---:|---:|');
  console.log(
    `| first load (cold assets and store) | ${fmt(cold.ms)} ms | ${fmt(cold.jsonBytes / 1024, 1)} KiB |`,
  );
  console.log(`| median of 5 loads | ${fmt(warm.ms)} ms | ${fmt(warm.jsonBytes / 1024, 1)} KiB |`);
}

async function streamAgainstIngest(hub: UsagehubInstance): Promise<void> {
  const ingest = {
    url: `${hub.url}/v1/events`,
    headers: { authorization: `Bearer ${hub.ingestKey}`, 'content-type': 'application/json' },
    // One numbering across every phase: a body sent twice would be duplicates, which
    // are not new in the log and so never reach a stream.
    body: (() => {
      const batch = eventBatch(1000, hub.appName);
      let sent = 0;
      return () => batch(sent++);
    })(),
    eventsPerRequest: 1000,
  };
  const without: LoadResult[] = [];
  const withStream: LoadResult[] = [];
  let streamed = { received: 0, skipped: 0, sent: 0 };
  for (let round = 0; round < 3; round++) {
    await storeCaughtUp(hub.url);
    without.push(await load({ ...ingest, connections: 8, seconds: 8 }));
    await storeCaughtUp(hub.url);
    const stream = await openStream(hub.url, hub.readKey);
    const r = await load({ ...ingest, connections: 8, seconds: 8 });
    await new Promise((res) => setTimeout(res, 1000));
    const c = stream.counts();
    await stream.close();
    withStream.push(r);
    streamed = { ...c, sent: Math.round(r.eventsPerSec * 8) };
  }
  const a = median(without);
  const b = median(withStream);
  console.log('\n| native ingest, 1000-event batches, 8 connections | events/s | p99 ms |');
  console.log('|---|---:|---:|');
  console.log(`| no stream open | ${fmt(a.eventsPerSec)} | ${fmt(a.p99)} |`);
  console.log(`| one stream reading every event | ${fmt(b.eventsPerSec)} | ${fmt(b.p99)} |`);
  console.log(`ratio with / without: ${fmt(b.eventsPerSec / a.eventsPerSec, 2)} (target ≥ 0.9)`);
  console.log(
    `last saturated round: the reader got ${fmt(streamed.received)} events, was told of ${fmt(streamed.skipped)} skipped (≈ ${fmt(streamed.sent)} acknowledged)`,
  );

  // 20,000 events/s, alternated with and without a stream; the server's CPU time
  // (all its threads) until the store has caught up, per million events.
  const server = processes('usagehub', () => [hub.child.pid!]);
  const pacedRounds: { stream: boolean; r: LoadResult; cpuPerMillion: number; got?: StreamCounts }[] = [];
  for (let round = 0; round < 6; round++) {
    const withOne = round % 2 === 1;
    await storeCaughtUp(hub.url);
    const stream = withOne ? await openStream(hub.url, hub.readKey) : null;
    const cpu = measure([server]);
    const r = await paced({ ...ingest, rate: 20, seconds: 10 });
    await new Promise((res) => setTimeout(res, 1000));
    await storeCaughtUp(hub.url);
    const used = cpu().get('usagehub')!;
    const got = stream?.counts();
    await stream?.close();
    pacedRounds.push({ stream: withOne, r, cpuPerMillion: used / ((r.eventsPerSec * 10) / 1e6), got });
  }
  console.log(
    '\n| 20,000 events/s paced, 10 s (median of 3) | ingest p50 ms | ingest p99 ms | server CPU s per M events | stream received | skipped |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const mid = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((x, y) => by(x) - by(y))[1]!;
  for (const withOne of [false, true]) {
    const rounds = pacedRounds.filter((x) => x.stream === withOne);
    const p = mid(rounds, (x) => x.r.p99);
    const c = mid(rounds, (x) => x.cpuPerMillion);
    const g = rounds.map((x) => x.got).filter((x): x is StreamCounts => x !== undefined);
    const received = g.length
      ? `${fmt(mid(g, (x) => x.received).received)} of ${fmt(p.r.eventsPerSec * 10)}`
      : '–';
    const skipped = g.length ? fmt(g.reduce((n, x) => n + x.skipped, 0)) : '–';
    console.log(
      `| ${withOne ? 'one stream reading every event' : 'no stream'} | ${fmt(mid(rounds, (x) => x.r.p50).r.p50)} | ${fmt(p.r.p99)} | ${fmt(c.cpuPerMillion, 2)} | ${received} | ${skipped} |`,
    );
  }
}

await main();
