/**
 * The scale profile on a three-node JetStream cluster with a replicated stream (R3): the
 * node leading the stream is stopped during ingest; ingest goes on through the others
 * and nothing acknowledged is lost.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startServer, storeCaughtUp } from './helpers/process.ts';
import { startNatsCluster } from './helpers/nats-cluster.ts';
import { assertStoredOnce, provisionScale, runClient } from './helpers/scale.ts';
import { tempDir } from './helpers/server.ts';
import { natsSkip, pgPlace, pgSkip } from './helpers/services.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scale profile on a JetStream cluster', { skip: natsSkip ?? pgSkip }, () => {
  test('R3 stream: stopping the stream leader during ingest loses nothing acknowledged', async (t) => {
    const cluster = await startNatsCluster(3);
    const stream = 'USAGEHUB_R3';
    const env = {
      USAGEHUB_LOG: cluster.urls,
      USAGEHUB_STORE: pgPlace(),
      USAGEHUB_LOG_STREAM: stream,
      USAGEHUB_LOG_REPLICAS: '3',
      USAGEHUB_LOG_ACK_WAIT_SECONDS: '3',
    };
    let server;
    try {
      const { ingestKey } = await provisionScale(env);
      server = await startServer(tempDir(), env);
      const nc = await connect({ servers: cluster.urls.split(',') });
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      await nc.close();
      assert.equal(info.config.num_replicas, 3);
      const leader = cluster.nodes.find((n) => n.name === info.cluster?.leader);
      assert.ok(leader, `the stream has a leader (${info.cluster?.leader})`);

      let stop = false;
      let stopped = false;
      let ackedAfterStop = 0;
      const servers = [server];
      const failures: number[] = [];
      const clients = Array.from({ length: 3 }, (_, c) =>
        runClient(
          c,
          () => servers,
          ingestKey,
          () => stop,
          200,
          (ids) => {
            if (stopped) ackedAfterStop += ids.length;
          },
          (status) => failures.push(status),
        ),
      );
      await sleep(1500);
      leader.child.kill('SIGTERM');
      await leader.exited;
      stopped = true;
      // Long enough for the other two to elect a new stream leader and take writes.
      for (let waited = 0; ackedAfterStop < 2000 && waited < 20_000; waited += 250) await sleep(250);
      stop = true;
      const acked = (await Promise.all(clients)).flat();
      t.diagnostic(`${acked.length} events acknowledged, ${ackedAfterStop} after ${leader.name} stopped`);
      assert.ok(ackedAfterStop >= 2000, `ingest continued after the leader stopped (${ackedAfterStop})`);
      // While the stream had no leader, requests failed as retryable, never as a fault.
      assert.deepEqual(
        failures.filter((s) => s !== 503),
        [],
        'failed requests answered 503 log_unavailable',
      );
      t.diagnostic(`${failures.length} requests answered 503 during the election`);
      await storeCaughtUp(server.url);
      await assertStoredOnce(env.USAGEHUB_STORE, acked);
    } finally {
      if (server && server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await cluster.stop();
    }
  });
});
