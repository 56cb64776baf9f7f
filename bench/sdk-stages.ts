/**
 * npm run bench:sdk-stages — what each stage of a Segment batch's way through ingest
 * costs, in this process, without HTTP: the bodies bench:sdk sends (15 analytics-node
 * track messages, new ids every body), each stage run as the server runs it, on top of
 * the ones before. Printed: CPU of the whole process per event (V8's helper threads and
 * the kernel included), each stage's own share, and the events per second one core
 * could carry at that cost.
 *
 *   raw baseline    JSON.parse of the text: what bench:sdk's raw server does besides HTTP
 *   body            strict UTF-8, Fastify's JSON parser refusing __proto__ and
 *                   constructor keys, the canonical check (http/body.ts)
 *   mapping         mapSegment: the messages as canonical events, dedup keys made
 *   encoding        checkEvents and encodeBatch: the events checked, then their documents
 *   durable append  SqliteEventLog.append on a file of its own: the dedup keys claimed
 *                   and the documents written, 32 requests per commit (what group
 *                   commit gathers at bench:sdk's 32 connections), synced to disk
 *
 * The server also spends CPU on what this leaves out — HTTP and Fastify's request path,
 * the write key's lookup, the answer, the threads' messages, the store and the profiles
 * — which bench:sdk's per-thread figures show. BENCH_BODIES (default 4,000) bodies per
 * pass, BENCH_RUNS (default 5) passes per stage, stages interleaved; medians printed.
 * Run through tsx like every bench, whose name-keeping wrappers add ~5 % to the mapping
 * stage that the server's tsc build does not pay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { assertCanonical, strictJsonParser } from '../src/http/body.ts';
import type { EncodedBatch } from '../src/log/event-log.port.ts';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import type { UsageEvent } from '../src/domain/event.ts';
import { measureWork } from './cpu.ts';
import { fmt, segmentTrack } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';
import { encodeEvents, mapSegmentMessages } from './segment-events.ts';

// Measures usagehub's code in this process: on BENCH_NODE when it names another Node.
onServerNode();

const BODIES = Number(process.env.BENCH_BODIES ?? 4000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 15;
const PER_COMMIT = 32;

/** The n-th body: analytics-node's batch of track messages, as bench:sdk builds it. */
function body(n: number): Buffer {
  const at = new Date(Date.now() - 3600_000 + Math.floor((n * BATCH) / 1000) * 1000).toISOString();
  const messages = Array.from({ length: BATCH }, (_, i) => segmentTrack(i, `node-next-${n}-${i}`, at));
  return Buffer.from(JSON.stringify({ batch: messages, sentAt: at }));
}

const app = Fastify();
const parseBody = strictJsonParser(app);
/** The body as the route gets it: parsed (synchronously, through the callback), then held to the canonical form. */
function parsed(bytes: Buffer): { batch: unknown[] } {
  let value: unknown;
  // A request with no server limits: the stage measures parsing, not admission.
  parseBody({ server: {} } as never, bytes, (err, v) => {
    if (err) throw err;
    value = v;
  });
  assertCanonical(value, 'body');
  return value as { batch: unknown[] };
}
function mapped(bytes: Buffer): UsageEvent[] {
  return mapSegmentMessages(parsed(bytes).batch);
}
function encoded(bytes: Buffer): EncodedBatch {
  return encodeEvents(mapped(bytes));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-sdk-stages-'));
const log = new SqliteEventLog(path.join(dir, 'log.db'), { cacheMiB: 4 });
const STAGES: { name: string; run: (bodies: Buffer[]) => Promise<void> }[] = [
  { name: 'raw baseline: JSON.parse', run: async (bs) => bs.forEach((b) => JSON.parse(b.toString('utf8'))) },
  { name: 'body: strict parse, canonical check', run: async (bs) => bs.forEach(parsed) },
  { name: '+ mapping', run: async (bs) => bs.forEach(mapped) },
  { name: '+ checks and encoding', run: async (bs) => bs.forEach(encoded) },
  {
    name: '+ durable append (SQLite log)',
    run: async (bs) => {
      for (let i = 0; i < bs.length; i += PER_COMMIT)
        await log.append(bs.slice(i, i + PER_COMMIT).map(encoded));
    },
  },
];

async function main(): Promise<void> {
  const perEvent: number[][] = STAGES.map(() => []);
  let next = 0; // every pass gets new message ids: the log sees new events, not duplicates
  for (let r = -1; r < RUNS; r++) {
    for (const [s, stage] of STAGES.entries()) {
      const bodies = Array.from({ length: BODIES }, () => body(next++));
      const us = (await measureWork(() => stage.run(bodies))).cpuUs / (BODIES * BATCH);
      if (r >= 0) perEvent[s]!.push(us); // the first pass warms up
    }
  }
  const med = perEvent.map((xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub SDK ingest stages: Segment batches of ${BATCH} messages, ${BODIES} bodies per pass, medians of ${RUNS} passes; CPU of the whole process\n`,
  );
  console.log('| stage | CPU µs per event | its own µs | events/s per core | × raw baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [s, stage] of STAGES.entries()) {
    const own = s === 0 ? 0 : med[s]! - med[s - 1]!;
    console.log(
      `| ${stage.name} | ${fmt(med[s]!, 2)} | ${s === 0 ? '' : fmt(own, 2)} | ${fmt(1e6 / med[s]!)} | ${fmt(med[s]! / med[0]!, 1)} |`,
    );
  }
}

try {
  await main();
} finally {
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
