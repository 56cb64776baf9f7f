/**
 * npm run bench:live — Live API deliveries per second and end-to-end lag, against a raw
 * baseline in the same run: undici posting the same signed bodies to the same receiver
 * with the same concurrency, with no queue, no log, no bookkeeping.
 *
 * The receiver (in this process) answers 200 to everything. usagehub runs as a child
 * process with an endpoint on the receiver; BENCH_EVENTS events are ingested in
 * 1000-event batches and the clock runs from the first delivery to the last.
 * Target (issue: Live API): at least 5,000 deliveries/s.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { deliveryHeaders, hmacBase64 } from '../src/live/signing.ts';
import { eventBatch, fmt, startUsagehub } from './lib.ts';
import { runtimesLine } from './node.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

async function main(): Promise<void> {
  let keys = { publicKey: '', privateKey: '' };
  const arrivals: { at: number; lag: number }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.end(hmacBase64(keys.privateKey, new URL(req.url!, 'http://x').searchParams.get('challenge')!));
        return;
      }
      const now = Date.now();
      const receivedAt = (JSON.parse(body) as { data: { receivedAt?: number } }).data.receivedAt;
      arrivals.push({ at: now, lag: receivedAt === undefined ? 0 : now - receivedAt });
      res.end('ok');
    });
  });
  receiver.keepAliveTimeout = 60_000;
  receiver.listen(0, '127.0.0.1');
  await new Promise((r) => receiver.once('listening', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  // Baseline: the same number of signed posts, straight from undici.
  const body = JSON.stringify({
    service: 'bench',
    type: 'usagehub.event.native.opened_file',
    data: { id: 'x' },
    timestamp: Date.now(),
  });
  const pool = new Pool(new URL(hookUrl).origin, { connections: CONCURRENCY });
  const baselineStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const n = next++;
        const res = await pool.request({
          path: '/hook',
          method: 'POST',
          headers: deliveryHeaders({ publicKey: 'pk', privateKey: 'secret' }, `msg_${n}`, body, Date.now()),
          body,
        });
        await res.body.dump();
      }
    }),
  );
  const baselinePerSec = EVENTS / ((performance.now() - baselineStart) / 1000);
  await pool.close();
  arrivals.length = 0;

  const hub = await startUsagehub(18282, undefined, undefined, {
    USAGEHUB_LIVE_ALLOW_ADDRESSES: '127.0.0.0/8',
    USAGEHUB_LIVE_CONCURRENCY: String(CONCURRENCY),
  });
  try {
    const admin = (method: string, path: string, payload?: unknown) =>
      fetch(`${hub.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${hub.adminKey}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const endpoint = (await admin('POST', '/v1/live/endpoints', { url: hookUrl, description: 'bench' })) as {
      id: string;
      publicKey: string;
      privateKey: string;
    };
    keys = endpoint;
    const verified = await admin('POST', `/v1/live/endpoints/${endpoint.id}/verify`);
    if (verified.verified !== true) throw new Error(`verification failed: ${JSON.stringify(verified)}`);
    const batch = eventBatch(1000, hub.appName);
    for (let i = 0; i < EVENTS / 1000; i++) {
      const res = await fetch(`${hub.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.ingestKey}`, 'content-type': 'application/json' },
        body: batch(i),
      });
      if (!res.ok) throw new Error(`ingest failed: ${res.status}`);
    }
    const deadline = Date.now() + 300_000;
    while (arrivals.length < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (arrivals.length < EVENTS)
      throw new Error(`only ${arrivals.length} of ${EVENTS} delivered in 5 minutes`);
    const first = arrivals[0]!.at;
    const last = arrivals[arrivals.length - 1]!.at;
    const perSec = (EVENTS - 1) / ((last - first) / 1000);
    const lags = arrivals.map((a) => a.lag).sort((a, b) => a - b);
    console.log(`\n${runtimesLine()}`);
    console.log(
      `\nusagehub Live API deliveries: ${fmt(EVENTS)} events to one endpoint on 127.0.0.1, ` +
        `${CONCURRENCY} in flight, receiver answering 200\n`,
    );
    console.log('| what | deliveries/s | lag p50 ms | lag p99 ms |');
    console.log('|---|---:|---:|---:|');
    console.log(`| baseline: undici posting the same signed bodies | ${fmt(baselinePerSec)} | | |`);
    console.log(
      `| usagehub: log → queue → signed POST | ${fmt(perSec)} | ${fmt(pct(lags, 0.5))} | ${fmt(pct(lags, 0.99))} |`,
    );
    console.log(`| ratio usagehub/baseline | ${fmt(perSec / baselinePerSec, 2)} | | |`);
    console.log(
      '\nLag: from usagehub receiving the event to the receiver getting it (all events sent in a burst).',
    );
  } finally {
    await hub.stop();
    hub.removeData();
    receiver.closeAllConnections();
    receiver.close();
  }
}

await main();
