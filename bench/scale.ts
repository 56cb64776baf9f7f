/**
 * npm run bench:scale — what the scale profile costs, beside the embedded profile and
 * the raw baseline, in one run on this machine.
 *
 * Each target takes BENCH_SECONDS (default 15) of 1000-event requests from 16
 * connections; then the run waits until the store has caught up. It prints events/s
 * acknowledged, the store writer's largest lag and how long it took to catch up, and
 * CPU seconds per million events for each process group, from the operating system's
 * accounting over the whole time (load and catch-up): usagehub's ingest and worker
 * processes, nats-server and PostgreSQL (every postgres process, exited backends
 * included). The machine has two cores, so the figures are costs, not scaling: what
 * docs/deploy.md turns into a capacity model.
 *
 * Uses the local services (127.0.0.1:4222, 127.0.0.1:5432, or USAGEHUB_BENCH_NATS and
 * USAGEHUB_BENCH_PG) with a stream and schema of its own, removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import { byCommand, measure, processes, type CpuSource } from './cpu.ts';
import { eventBatch, fmt, load, scaleDeployment, startBaseline, startUsagehub } from './lib.ts';
import { runtimesLine } from './node.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const SIZE = 1000;
const CONNECTIONS = 16;

interface Outcome {
  target: string;
  eventsPerSec: number;
  events: number;
  /** Largest store lag seen during the load, in events. */
  maxLagEvents: number | null;
  /** From the end of the load until the store had everything. */
  catchUpSeconds: number | null;
  cpu: Map<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lagOf(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^usagehub_store_lag_batches (\d+)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Loads `ingestUrl`, sampling the lag at `lagUrl`, then waits for the store to catch up. */
async function run(
  target: string,
  ingestUrl: string,
  headers: Record<string, string>,
  app: string,
  lagUrl: string | null,
  sources: CpuSource[],
): Promise<Outcome> {
  // Warm-up (JIT, connections), not measured.
  await load({
    url: ingestUrl,
    headers,
    body: eventBatch(SIZE, app),
    eventsPerRequest: SIZE,
    connections: CONNECTIONS,
    seconds: 2,
  });
  if (lagUrl) while ((await lagOf(lagUrl)) > 0) await sleep(200);
  const cpu = measure([...sources, processes('load generator', () => [process.pid])]);
  let maxLag = 0;
  let loading = true;
  const sampler = (async () => {
    while (loading && lagUrl) {
      maxLag = Math.max(maxLag, await lagOf(lagUrl));
      await sleep(250);
    }
  })();
  const result = await load({
    url: ingestUrl,
    headers,
    body: eventBatch(SIZE, app),
    eventsPerRequest: SIZE,
    connections: CONNECTIONS,
    seconds,
  });
  loading = false;
  await sampler;
  const ended = performance.now();
  if (lagUrl) while ((await lagOf(lagUrl)) > 0) await sleep(100);
  const catchUp = (performance.now() - ended) / 1000;
  if (result.errors || result.non2xx)
    console.error(`${target}: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return {
    target,
    eventsPerSec: result.eventsPerSec,
    events: result.eventsPerSec * seconds,
    maxLagEvents: lagUrl ? maxLag * SIZE : null,
    catchUpSeconds: lagUrl ? catchUp : null,
    cpu: cpu(),
  };
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  const plain = { 'content-type': 'application/json' };

  const baseline = await startBaseline();
  try {
    outcomes.push(
      await run('baseline (node:http + JSON.parse)', `${baseline.url}/`, plain, 'bench', null, [
        processes('baseline', () => [baseline.child.pid!]),
      ]),
    );
  } finally {
    await baseline.stop();
  }

  const hub = await startUsagehub(18080);
  try {
    outcomes.push(
      await run(
        'embedded profile',
        `${hub.url}/v1/events`,
        { ...plain, authorization: `Bearer ${hub.ingestKey}` },
        hub.appName,
        hub.url,
        [processes('usagehub (one process)', () => [hub.child.pid!])],
      ),
    );
  } finally {
    await hub.stop();
    fs.rmSync(hub.dataDir, { recursive: true, force: true });
  }

  const scale = await scaleDeployment();
  try {
    const ingest = await scale.start('ingest', 18081);
    const worker = await scale.start('worker', 18082);
    outcomes.push(
      await run(
        'scale profile (1 ingest + 1 worker)',
        `${ingest.url}/v1/events`,
        { ...plain, authorization: `Bearer ${scale.ingestKey}` },
        scale.appName,
        worker.url,
        [
          processes('ingest process', () => [ingest.child.pid!]),
          processes('worker process', () => [worker.child.pid!]),
          byCommand('nats-server', 'nats-server'),
          byCommand('postgresql', 'postgres'),
        ],
      ),
    );
  } finally {
    await scale.remove();
  }

  const base = outcomes[0]!.eventsPerSec;
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nbench:scale — ${SIZE}-event requests, ${CONNECTIONS} connections, ${seconds} s per target, ${os.cpus().length} cores\n`,
  );
  console.log('| target | events/s | ratio to baseline | largest store lag (events) | catch-up after load |');
  console.log('|---|---:|---:|---:|---:|');
  for (const o of outcomes)
    console.log(
      `| ${o.target} | ${fmt(o.eventsPerSec)} | ${fmt(o.eventsPerSec / base, 2)} | ${o.maxLagEvents === null ? '—' : fmt(o.maxLagEvents)} | ${o.catchUpSeconds === null ? '—' : `${fmt(o.catchUpSeconds, 1)} s`} |`,
    );
  console.log('\nCPU seconds per million events (load and catch-up; 1 core-second = 1):\n');
  console.log('| target | process group | CPU s / M events | cores busy during the run |');
  console.log('|---|---|---:|---:|');
  for (const o of outcomes) {
    const wall = seconds + (o.catchUpSeconds ?? 0);
    for (const [name, cpu] of o.cpu)
      console.log(`| ${o.target} | ${name} | ${fmt(cpu / (o.events / 1e6), 1)} | ${fmt(cpu / wall, 2)} |`);
  }
}

await main();
