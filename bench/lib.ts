/** Helpers shared by the benchmarks: start servers as child processes, load them, report. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { serverNode } from './node.ts';
import { NO_RATE_LIMITS } from '../test/helpers/no-limits.ts';

export const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'usagehub.js');

export interface Started {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

export async function startBaseline(): Promise<Started> {
  const child = spawn(serverNode, ['--import', 'tsx', path.join(root, 'bench', 'baseline-server.ts'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const { port } = JSON.parse(String(line.value)) as { port: number };
  return { url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child) };
}

export interface UsagehubInstance extends Started {
  dataDir: string;
  /**
   * Removes the data directory startUsagehub made (a 10 M-event run leaves 4.4 GiB in
   * the temporary directory), after `stop`; BENCH_KEEP_DATA=1 keeps it, and says where.
   */
  removeData(): void;
  adminKey: string;
  ingestKey: string;
  readKey: string;
  appName: string;
}

function cli(dataDir: string, args: string[]): string {
  return execFileSync(serverNode, [bin, '--data', dataDir, '--json', ...args], { encoding: 'utf8' });
}

/**
 * The benchmarks measure what the server can do, not its rate limits: one key sends
 * far more than the per-key defaults allow (bench:fairness measures the limits).
 */
export const UNLIMITED = NO_RATE_LIMITS;

/** The server's flags, as `npm start` gives them; BENCH_SERVER_FLAGS adds some (`--cpu-prof --cpu-prof-dir=…` to profile it). */
export const SERVER_NODE_FLAGS = [
  '--max-semi-space-size=64',
  ...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean),
];

/** A fresh data directory with a tenant, an app "bench" and keys (unless `dataDir` holds them); then the server on it. */
export async function startUsagehub(
  port: number,
  dataDir?: string,
  nodeArgs: string[] = SERVER_NODE_FLAGS,
  env: Record<string, string> = {},
): Promise<UsagehubInstance> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-bench-'));
  let adminKey = '';
  if (!fs.existsSync(path.join(dir, 'catalog.db'))) {
    adminKey = (JSON.parse(cli(dir, ['init'])) as { adminKey: string }).adminKey;
    cli(dir, ['apps', 'create', '--name', 'bench']);
  }
  const ingestKey = (JSON.parse(cli(dir, ['keys', 'create', '--role', 'ingest'])) as { secret: string })
    .secret;
  const readKey = (JSON.parse(cli(dir, ['keys', 'create', '--role', 'read'])) as { secret: string }).secret;
  const child = spawn(
    serverNode,
    [...nodeArgs, bin, '--data', dir, 'serve', '--port', String(port), '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, USAGEHUB_LOG_LEVEL: 'warn', ...UNLIMITED, ...env },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: () => stopChild(child),
    dataDir: dir,
    removeData: () => {
      if (dataDir !== undefined) return;
      if (process.env.BENCH_KEEP_DATA === '1') console.error(`data kept in ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
    adminKey,
    ingestKey,
    readKey,
    appName: 'bench',
  };
}

/**
 * Waits (up to `seconds`, default two minutes) until the store has applied everything in the log, so that
 * a scenario does not pay for the store catching up with the one before it.
 */
export async function storeCaughtUp(url: string, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    if (/^usagehub_store_lag_batches 0$/m.test(metrics)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the store did not catch up within ${seconds} s`);
}

/** A process's peak resident memory so far, in bytes. */
export function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export interface LoadResult {
  requestsPerSec: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  /** Builds the n-th request body; every body carries new events. */
  body: (n: number) => string | Buffer;
  eventsPerRequest: number;
  connections: number;
  seconds: number;
  /** Requests per second for the whole run, to measure latency below saturation. */
  overallRate?: number;
  /** Sends this many requests instead, however long they take (`seconds` is then ignored). */
  amount?: number;
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const t0 = performance.now();
  const result = await autocannon({
    url: o.url,
    method: 'POST',
    connections: o.connections,
    ...(o.amount === undefined ? { duration: o.seconds } : { amount: o.amount }),
    overallRate: o.overallRate,
    headers: o.headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: o.body(n++) }) }],
  });
  const seconds = o.amount === undefined ? o.seconds : (performance.now() - t0) / 1000;
  const ok = result.requests.total - result.non2xx;
  return {
    requestsPerSec: ok / seconds,
    eventsPerSec: (ok * o.eventsPerRequest) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const ID = '\u0001';
const SECOND = '\u0002';
const GROUP = '\u0003';

/**
 * A body of `size` native events whose ids and times are new for every call. Built
 * from a template with two placeholders, filled per request: on a two-core machine the
 * generator's CPU is taken from the server it measures, so it must cost little (building
 * each body event by event took 14% of a core at 125 requests/s). Time advances one
 * second per 1000 events sent, so dedup keys grow with time as in live traffic.
 */
export function eventBatch(size: number, app: string, users?: number): (n: number) => string {
  const startSecond = Math.floor((Date.now() - 3600_000) / 1000);
  // With `users`, request n's events belong to group n mod (users / size) of them.
  const groups = users === undefined ? 1 : Math.max(1, Math.ceil(users / size));
  const parts: string[] = [];
  for (let i = 0; i < size; i++) {
    const user = users === undefined ? `${i % 10_000}` : `${GROUP}-${i % users}`;
    parts.push(
      `{"id":"b${ID}-${i}","app":"${app}","name":"opened_file","timestamp":${SECOND}${String(i % 1000).padStart(3, '0')},` +
        `"email":"user${user}@example.com","properties":{"plan":"pro","size":${i % 977}}}`,
    );
  }
  const template = '[' + parts.join(',') + ']';
  return (n) =>
    template
      .replaceAll(ID, String(n))
      .replaceAll(SECOND, String(startSecond + Math.floor((n * size) / 1000)))
      .replaceAll(GROUP, String(n % groups));
}

/** A track message as @segment/analytics-node sends it: the bodies of bench:sdk and bench:sdk-stages. */
export function segmentTrack(i: number, messageId: string, timestamp: string): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Video Played',
    userId: `user-${i}`,
    properties: { seconds: 40 + i, quality: 'hd' },
    timestamp,
    messageId,
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
    _metadata: { nodeVersion: process.version, jsRuntime: 'node' },
    integrations: {},
  };
}

/** The run with the median throughput (its latencies come with it): single runs of the same code differ by 10-15 %. */
export function median(results: readonly LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.eventsPerSec - b.eventsPerSec)[Math.floor(results.length / 2)]!;
}

/** One scenario's figures: the baseline's and usagehub's, measured in the same run. */
export interface ComparedRow {
  scenario: string;
  baseline: LoadResult;
  usagehub: LoadResult;
}

/** The Markdown table every ingest benchmark prints: each server's figures, then their ratio. */
export function printCompared(rows: readonly ComparedRow[]): void {
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

export const fmt = (x: number, digits = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export interface PacedOptions {
  url: string;
  headers: Record<string, string>;
  body: (n: number) => string;
  eventsPerRequest: number;
  /** Requests per second, sent at even intervals. */
  rate: number;
  seconds: number;
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate, whatever happened
 * to earlier ones, and its latency counts from when it was due — so queueing in the
 * server shows in the figures instead of slowing the generator down (no coordinated
 * omission). Used for latency below saturation; autocannon's overallRate starts every
 * connection's timer together, which sends synchronized bursts instead.
 */
export async function paced(o: PacedOptions): Promise<LoadResult> {
  const target = new URL(o.url);
  const pool = new Pool(target.origin, { connections: 64, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const total = Math.floor(o.rate * o.seconds);
  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = o.body(i);
    inFlight.push(
      pool
        .request({ path: target.pathname, method: 'POST', headers: o.headers, body })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode >= 300) non2xx++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inFlight);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
  const ok = total - errors - non2xx;
  return {
    requestsPerSec: ok / o.seconds,
    eventsPerSec: (ok * o.eventsPerRequest) / o.seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    non2xx,
  };
}

export const BENCH_NATS = process.env.USAGEHUB_BENCH_NATS ?? 'nats://127.0.0.1:4222';
export const BENCH_PG = process.env.USAGEHUB_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ScaleDeployment {
  /** The environment that points usagehub at this deployment's stream and schema. */
  env: Record<string, string>;
  schema: string;
  ingestKey: string;
  readKey: string;
  appName: string;
  /** Starts a usagehub process with a role; resolves once it is ready. */
  start(role: 'all' | 'ingest' | 'worker', port: number): Promise<Started>;
  /** Stops the processes and removes the stream and the schema. */
  remove(): Promise<void>;
}

/**
 * A scale-profile deployment on the local NATS and PostgreSQL, with a stream and a
 * schema of its own: migrated, a tenant, an app "bench", an ingest and a read key.
 */
export async function scaleDeployment(): Promise<ScaleDeployment> {
  const schema = `bench_${Date.now().toString(36)}`;
  const store = new URL(BENCH_PG);
  store.searchParams.set('schema', schema);
  const env = {
    USAGEHUB_LOG: BENCH_NATS,
    USAGEHUB_STORE: store.toString(),
    USAGEHUB_LOG_STREAM: schema.toUpperCase(),
  };
  const run = <T>(args: string[]) =>
    JSON.parse(
      execFileSync(serverNode, [bin, '--json', ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      }),
    ) as T;
  run(['migrate']);
  run(['init']);
  run(['apps', 'create', '--name', 'bench']);
  const ingestKey = run<{ secret: string }>(['keys', 'create', '--role', 'ingest']).secret;
  const readKey = run<{ secret: string }>(['keys', 'create', '--role', 'read']).secret;
  const started: Started[] = [];
  return {
    env,
    schema,
    ingestKey,
    readKey,
    appName: 'bench',
    start: async (role, port) => {
      const child = spawn(
        serverNode,
        [...SERVER_NODE_FLAGS, bin, 'serve', '--port', String(port), '--host', '127.0.0.1'],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, USAGEHUB_LOG_LEVEL: 'warn', ...UNLIMITED, ...env, USAGEHUB_ROLE: role },
        },
      );
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`${url}/readyz`)).ok) break;
        } catch {
          if (i > 300) throw new Error(`usagehub ${role} on ${port} did not become ready`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const s = { url, child, stop: () => stopChild(child) };
      started.push(s);
      return s;
    },
    remove: async () => {
      for (const s of started) await s.stop();
      const { default: pg } = await import('pg');
      const db = new pg.Client({ connectionString: BENCH_PG });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: BENCH_NATS });
      await (await jetstreamManager(nc)).streams.delete(env.USAGEHUB_LOG_STREAM).catch(() => {});
      await nc.close();
    },
  };
}

/** The median of 5 runs of `fn` after a warm-up, in milliseconds. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2]!;
}
