/**
 * npm run bench:fairness — what one client at full throttle leaves everyone else.
 *
 * Two tenants on one server (default limits, every background thread running): the
 * victim sends one 1-event native request every 50 ms and asks GET /v1/query/counts every
 * 200 ms, and its latencies are recorded; the attacker, in a process of its own
 * (bench/fairness-flood.ts), floods with one write key — or none. Phases: idle, then each
 * flood, then recovery. Printed per phase: the victim's p50 / p99 for ingest and query,
 * the flood's requests/s and accepted events/s, its answers by status, and how fast the
 * data directory grew.
 *
 * Target (issue: fair shares): the victim's p99s stay ≤ 250 ms, or ≤ 10× idle, whichever
 * is larger. BENCH_SECONDS per phase (default 30), BENCH_CONNECTIONS for the flood
 * (default 32), BENCH_FLOODS to choose (comma-separated).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import readline from 'node:readline';
import { request } from 'undici';
import { fmt, root, SERVER_NODE_FLAGS, storeCaughtUp } from './lib.ts';
import { runtimesLine, serverNode } from './node.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FLOODS = (
  process.env.BENCH_FLOODS ?? 'posthog-gzip,posthog-large,segment,segment-context,keyless-lz64'
).split(',');
const bin = path.join(root, 'bin', 'usagehub.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-fairness-'));
const cli = (...args: string[]) =>
  JSON.parse(
    execFileSync(serverNode, [bin, '--data', dir, '--json', ...args], { encoding: 'utf8' }),
  ) as Record<string, string>;

// The attacker's tenant first (write keys of both SDKs), then the victim's.
const attacker = cli('init');
cli('--tenant', attacker.tenantId!, 'apps', 'create', '--name', 'web');
const posthogKey = cli(
  '--tenant',
  attacker.tenantId!,
  'sources',
  'create',
  '--kind',
  'posthog',
  '--app',
  'web',
).writeKey!;
const segmentKey = cli(
  '--tenant',
  attacker.tenantId!,
  'sources',
  'create',
  '--kind',
  'segment',
  '--app',
  'web',
).writeKey!;
const victim = cli('init', '--name', 'victim');
cli('--tenant', victim.tenantId!, 'apps', 'create', '--name', 'web');
const victimIngest = (
  cli('--tenant', victim.tenantId!, 'keys', 'create', '--role', 'ingest') as unknown as { secret: string }
).secret;
const victimRead = (
  cli('--tenant', victim.tenantId!, 'keys', 'create', '--role', 'read') as unknown as { secret: string }
).secret;

const port = 18_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const server = spawn(
  serverNode,
  [...SERVER_NODE_FLAGS, bin, '--data', dir, 'serve', '--port', String(port), '--host', '127.0.0.1'],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, USAGEHUB_LOG_LEVEL: 'warn' },
  },
);
for (let i = 0; i < 200; i++) {
  try {
    if ((await fetch(`${url}/readyz`)).ok) break;
  } catch {
    // not yet listening
  }
  await new Promise((r) => setTimeout(r, 100));
}

const dirBytes = (): number => {
  let total = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String)) {
    try {
      const st = fs.statSync(path.join(dir, f));
      if (st.isFile()) total += st.size;
    } catch {
      // a file that went away between listing and stat
    }
  }
  return total;
};

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** The victim's steady traffic for `seconds`: latencies of its ingest and its queries. */
async function victimFor(seconds: number) {
  const ingest: number[] = [];
  const query: number[] = [];
  let failures = 0;
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const tick = async (every: number, work: () => Promise<number>, into: number[]) => {
    const pending: Promise<void>[] = [];
    while (Date.now() < until) {
      pending.push(
        (async () => {
          const started = performance.now();
          const status = await work().catch(() => 0);
          into.push(performance.now() - started);
          if (status !== 200) failures++;
        })(),
      );
      await new Promise((r) => setTimeout(r, every));
    }
    await Promise.all(pending);
  };
  await Promise.all([
    tick(
      50,
      async () => {
        const res = await request(`${url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${victimIngest}`, 'content-type': 'application/json' },
          body: JSON.stringify([
            {
              app: 'web',
              name: 'victim',
              timestamp: Date.now() - 1000,
              userId: `v${n % 50}`,
              id: `v-${n++}`,
            },
          ]),
        });
        await res.body.dump();
        return res.statusCode;
      },
      ingest,
    ),
    tick(
      200,
      async () => {
        const res = await request(`${url}/v1/query/counts`, {
          headers: { authorization: `Bearer ${victimRead}` },
        });
        await res.body.dump();
        return res.statusCode;
      },
      query,
    ),
  ]);
  return { ingest, query, failures };
}

async function flood(kind: string): Promise<Record<string, unknown>> {
  const key = kind.startsWith('posthog') ? posthogKey : segmentKey;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'bench', 'fairness-flood.ts'),
      url,
      kind,
      String(SECONDS),
      String(CONNECTIONS),
      key,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  await once(child, 'exit');
  return JSON.parse(String(line.value)) as Record<string, unknown>;
}

interface Row {
  phase: string;
  ingest: [number, number];
  query: [number, number];
  failures: number;
  flood: Record<string, unknown> | null;
  mibPerMinute: number;
}
const rows: Row[] = [];
async function phase(name: string, kind: string | null) {
  const before = dirBytes();
  const started = Date.now();
  // The flood builds its bodies first (a few seconds); the victim is measured while it runs.
  const floodDone = kind ? flood(kind) : Promise.resolve(null);
  if (kind) await new Promise((r) => setTimeout(r, 4000));
  const v = await victimFor(kind ? SECONDS - 6 : SECONDS);
  const f = await floodDone;
  const minutes = (Date.now() - started) / 60_000;
  rows.push({
    phase: name,
    ingest: [percentile(v.ingest, 50), percentile(v.ingest, 99)],
    query: [percentile(v.query, 50), percentile(v.query, 99)],
    failures: v.failures,
    flood: f,
    mibPerMinute: (dirBytes() - before) / 2 ** 20 / minutes,
  });
  const r = rows.at(-1)!;
  console.error(
    `${name}: victim ingest p50 ${fmt(r.ingest[0], 1)} p99 ${fmt(r.ingest[1], 1)} ms, query p50 ${fmt(r.query[0], 1)} p99 ${fmt(r.query[1], 1)} ms, failures ${r.failures}; ` +
      `flood ${f ? JSON.stringify(f) : '-'}; disk ${fmt(r.mibPerMinute, 1)} MiB/min`,
  );
}

try {
  await phase('idle', null);
  for (const kind of FLOODS) {
    await phase(`flood: ${kind}`, kind);
    await storeCaughtUp(url).catch(() => {});
  }
  await phase('recovery', null);
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  if (process.env.BENCH_KEEP_DATA === '1') console.error(`data kept in ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

const idle = rows[0]!;
const bound = (idleP99: number) => Math.max(250, 10 * idleP99);
console.log(`\n${runtimesLine()}`);
console.log(
  `\nbench:fairness — ${SECONDS} s per phase, flood with ${CONNECTIONS} connections, ${new Date().toISOString()}\n`,
);
console.log(
  '| phase | victim ingest p50 / p99 ms | victim query p50 / p99 ms | flood req/s | flood accepted events/s | flood answers | disk MiB/min | within bound |',
);
console.log('|---|---:|---:|---:|---:|---|---:|---|');
for (const r of rows) {
  const f = r.flood as {
    requestsPerSec?: number;
    acceptedEventsPerSec?: number;
    statuses?: Record<string, number>;
  } | null;
  const ok = r.ingest[1] <= bound(idle.ingest[1]) && r.query[1] <= bound(idle.query[1]) && r.failures === 0;
  console.log(
    `| ${r.phase} | ${fmt(r.ingest[0], 1)} / ${fmt(r.ingest[1], 1)} | ${fmt(r.query[0], 1)} / ${fmt(r.query[1], 1)} | ` +
      `${f ? fmt(f.requestsPerSec ?? 0) : '–'} | ${f ? fmt(f.acceptedEventsPerSec ?? 0) : '–'} | ` +
      `${
        f
          ? Object.entries(f.statuses ?? {})
              .map(([s, n]) => `${s}: ${n}`)
              .join(', ')
          : '–'
      } | ${fmt(r.mibPerMinute, 1)} | ${ok ? 'yes' : 'NO'} |`,
  );
}
