/**
 * The scale profile under failure, on the real engines: two ingest processes and two
 * workers share a JetStream stream and a PostgreSQL schema; one of each is SIGKILLed
 * mid-stream and restarted. Every acknowledged event must end up in PostgreSQL exactly
 * once, and the rollups must count each once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { cliJson, startServer, storeCaughtUp, type ServerProcess } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { NATS_URL, natsSkip, natsStream, pgPlace, pgSkip } from './helpers/services.ts';

const CLIENTS = 4;
const BATCH = 250;

async function post(url: string, key: string, ids: string[], t: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        ids.map((id) => ({ id, app: 'web', name: 'tick', timestamp: t, email: `${id.split('-')[0]}@x.com` })),
      ),
    });
    await res.text();
    return res.status === 200;
  } catch {
    return false; // connection reset by a kill: not acknowledged
  }
}

/**
 * Sends batches round-robin over the ingest processes until `stop()`, as a client behind
 * a load balancer would; a batch that was not acknowledged is retried on the next one.
 */
async function runClient(
  c: number,
  ingest: () => ServerProcess[],
  key: string,
  stop: () => boolean,
  t: number,
) {
  const acked = new Set<string>();
  let pending: string[] | null = null;
  for (let n = 0, turn = c; !stop() || pending; turn++) {
    const ids: string[] = pending ?? Array.from({ length: BATCH }, (_, i) => `c${c}-${n++}-${i}`);
    const targets = ingest();
    if (await post(targets[turn % targets.length]!.url, key, ids, t)) {
      ids.forEach((id) => acked.add(id));
      pending = null;
    } else {
      pending = ids;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return acked;
}

describe('scale profile', { skip: natsSkip ?? pgSkip }, () => {
  test('2 ingest + 2 workers, one of each SIGKILLed and restarted: every acknowledged event stored once', async (t) => {
    const store = pgPlace();
    const env = {
      USAGEHUB_LOG: NATS_URL,
      USAGEHUB_STORE: store,
      USAGEHUB_LOG_STREAM: natsStream(),
      // A killed worker's batches go to the other worker after this long.
      USAGEHUB_LOG_ACK_WAIT_SECONDS: '3',
    };
    const data = tempDir(); // unused by the scale profile; startServer passes one
    await cliJson(['migrate'], env);
    await cliJson(['init'], env);
    await cliJson(['apps', 'create', '--name', 'web'], env);
    const { secret: key } = await cliJson<{ secret: string }>(['keys', 'create', '--role', 'ingest'], env);
    const start = (role: string) => startServer(data, { ...env, USAGEHUB_ROLE: role });
    const ingest = [await start('ingest'), await start('ingest')];
    const workers = [await start('worker'), await start('worker')];
    const at = Date.now() - 5000;
    try {
      let stop = false;
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        runClient(
          c,
          () => ingest,
          key,
          () => stop,
          at,
        ),
      );
      await new Promise((r) => setTimeout(r, 1500));
      ingest[0]!.child.kill('SIGKILL');
      workers[0]!.child.kill('SIGKILL');
      await Promise.all([ingest[0]!.exited, workers[0]!.exited]);
      ingest.splice(0, 1); // the load balancer notices
      await new Promise((r) => setTimeout(r, 500));
      ingest.push(await start('ingest'));
      workers[0] = await start('worker');
      await new Promise((r) => setTimeout(r, 1500));
      stop = true;
      const acked = (await Promise.all(clients)).flatMap((s) => [...s]);
      assert.ok(acked.length >= 4 * BATCH * CLIENTS, `enough was acknowledged (${acked.length})`);
      t.diagnostic(`${acked.length} events acknowledged`);

      for (const w of workers) await storeCaughtUp(w.url);
      const db = new pg.Client({
        connectionString: store.replace(/\?schema=(\w+)/, ''),
        options: `-c search_path=${new URL(store).searchParams.get('schema')}`,
      });
      await db.connect();
      try {
        const rows = (
          await db.query<{ id: string; n: number }>(
            'SELECT client_id AS id, count(*)::int AS n FROM events GROUP BY 1',
          )
        ).rows;
        const stored = new Map(rows.map((r) => [r.id, r.n]));
        assert.deepEqual(
          acked.filter((id) => !stored.has(id)),
          [],
          'no acknowledged event is lost',
        );
        assert.deepEqual(
          rows.filter((r) => r.n > 1).map((r) => r.id),
          [],
          'no event is stored twice',
        );
        assert.equal(
          stored.size,
          acked.length,
          'nothing but acknowledged events (retries included) is stored',
        );
        const rollup = await db.query<{ n: string }>('SELECT sum(events) AS n FROM rollup_hourly');
        assert.equal(Number(rollup.rows[0]!.n), acked.length, 'the rollup counts each event once');
      } finally {
        await db.end();
      }
    } finally {
      for (const p of [...ingest, ...workers]) if (p.child.exitCode === null) p.child.kill('SIGTERM');
      await Promise.all([...ingest, ...workers].map((p) => p.exited));
    }
  });
});
