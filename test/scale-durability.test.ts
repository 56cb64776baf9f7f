/**
 * The scale profile under failure, on the real engines: two ingest processes and two
 * workers share a JetStream stream and a PostgreSQL schema; one of each is SIGKILLed
 * mid-stream and restarted. Every acknowledged event must end up in PostgreSQL exactly
 * once, the rollups must count each once, and a Live API subscriber must receive each
 * at least once, a repeat with the same webhook-id.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, storeCaughtUp } from './helpers/process.ts';
import { startLiveReceiver, subscribe } from './helpers/live-receiver.ts';
import { assertStoredOnce, provisionScale, runClient } from './helpers/scale.ts';
import { tempDir } from './helpers/server.ts';
import { NATS_URL, natsSkip, natsStream, pgPlace, pgSkip } from './helpers/services.ts';

const CLIENTS = 4;
const BATCH = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scale profile', { skip: natsSkip ?? pgSkip }, () => {
  test('2 ingest + 2 workers, one of each SIGKILLed and restarted: every acknowledged event stored once', async (t) => {
    const env = {
      USAGEHUB_LOG: NATS_URL,
      USAGEHUB_STORE: pgPlace(),
      USAGEHUB_LOG_STREAM: natsStream(),
      // A killed worker's batches go to the other worker after this long.
      USAGEHUB_LOG_ACK_WAIT_SECONDS: '3',
      USAGEHUB_LIVE_ALLOW_ADDRESSES: '127.0.0.0/8',
      // A killed worker's deliveries are sent by the other one after 10 x this.
      USAGEHUB_LIVE_TIMEOUT_MS: '1000',
    };
    const { adminKey, ingestKey } = await provisionScale(env);
    const receiver = await startLiveReceiver();
    const data = tempDir(); // the scale profile keeps nothing there
    const start = (role: string) => startServer(data, { ...env, USAGEHUB_ROLE: role });
    const ingest = [await start('ingest'), await start('ingest')];
    const workers = [await start('worker'), await start('worker')];
    try {
      await subscribe(ingest[0]!.url, adminKey, receiver);
      let stop = false;
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        runClient(
          c,
          () => ingest,
          ingestKey,
          () => stop,
          BATCH,
        ),
      );
      await sleep(1500);
      ingest[0]!.child.kill('SIGKILL');
      workers[0]!.child.kill('SIGKILL');
      await Promise.all([ingest[0]!.exited, workers[0]!.exited]);
      ingest.splice(0, 1); // the load balancer notices
      await sleep(500);
      ingest.push(await start('ingest'));
      workers[0] = await start('worker');
      await sleep(1500);
      stop = true;
      const acked = (await Promise.all(clients)).flat();
      assert.ok(acked.length >= 4 * BATCH * CLIENTS, `enough was acknowledged (${acked.length})`);
      t.diagnostic(`${acked.length} events acknowledged`);
      for (const w of workers) await storeCaughtUp(w.url);
      await assertStoredOnce(env.USAGEHUB_STORE, acked);
      const deadline = Date.now() + 120_000;
      while (acked.some((id) => !receiver.seen.has(id)) && Date.now() < deadline) await sleep(250);
      assert.deepEqual(
        acked.filter((id) => !receiver.seen.has(id)),
        [],
        'every acknowledged event reached the subscriber',
      );
      const repeats = [...receiver.seen.values()].filter((ids) => ids.size > 1);
      assert.deepEqual(repeats, [], 'a repeat carries the same webhook-id');
    } finally {
      await receiver.stop();
      for (const p of [...ingest, ...workers]) if (p.child.exitCode === null) p.child.kill('SIGTERM');
      await Promise.all([...ingest, ...workers].map((p) => p.exited));
    }
  });
});
