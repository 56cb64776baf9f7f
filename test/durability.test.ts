import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exportedIds,
  postEvents,
  provision,
  startServer,
  storeCaughtUp,
  type ServerProcess,
} from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

const CLIENTS = 4;
const BATCH = 200;

interface Client {
  acked: Set<string>;
  /** The batch in flight when the server died: not acknowledged, so resent later. */
  unacked: string[][];
}

/** True when the batch was acknowledged. */
const post = async (url: string, key: string, ids: string[], t: number) =>
  (await postEvents(url, key, ids, t)) === 200;

/** Sends batches until `stop()` is true; records what was acknowledged. */
async function runClient(
  c: number,
  server: ServerProcess,
  key: string,
  stop: () => boolean,
  t: number,
): Promise<Client> {
  const client: Client = { acked: new Set(), unacked: [] };
  for (let n = 0; !stop(); n++) {
    const ids = Array.from({ length: BATCH }, (_, i) => `c${c}-${n}-${i}`);
    if (await post(server.url, key, ids, t)) ids.forEach((id) => client.acked.add(id));
    else {
      client.unacked.push(ids);
      break;
    }
  }
  return client;
}

describe('durability', () => {
  test('SIGKILL mid-stream: every acknowledged event is stored exactly once after restart', async () => {
    const data = tempDir();
    const { ingestKey, readKey } = await provision(data);
    const t = Date.now() - 5000;
    let server = await startServer(data);

    let killed = false;
    const clients = Array.from({ length: CLIENTS }, (_, c) =>
      runClient(c, server, ingestKey, () => killed, t),
    );
    // Let acknowledgements accumulate, then kill the server while requests are in flight.
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL');
    killed = true;
    await server.exited;
    const results = await Promise.all(clients);
    const acked = results.flatMap((r) => [...r.acked]);
    assert.ok(acked.length >= BATCH * CLIENTS, `enough was acknowledged before the kill (${acked.length})`);

    server = await startServer(data);
    try {
      // Clients resend what was not acknowledged, as a real client retries.
      for (const r of results)
        for (const ids of r.unacked) assert.ok(await post(server.url, ingestKey, ids, t));
      await storeCaughtUp(server.url);
      const stored = await exportedIds(server.url, readKey);
      const counts = new Map<string, number>();
      for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
      const missing = acked.filter((id) => !counts.has(id));
      const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual(missing, [], 'no acknowledged event is lost');
      assert.deepEqual(doubled, [], 'no event is stored twice');
      const resent = results.flatMap((r) => r.unacked.flat());
      assert.equal(stored.length, new Set([...acked, ...resent]).size);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('SIGTERM: in-flight batches finish, the process exits 0 within the deadline', async () => {
    const data = tempDir();
    const { ingestKey, readKey } = await provision(data);
    const t = Date.now() - 5000;
    let server = await startServer(data, { USAGEHUB_SHUTDOWN_TIMEOUT_MS: '5000' });
    const sends = Array.from({ length: 20 }, (_, n) => {
      const ids = Array.from({ length: 500 }, (_, i) => `t-${n}-${i}`);
      return post(server.url, ingestKey, ids, t).then((ok) => (ok ? ids : []));
    });
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;
    const acked = (await Promise.all(sends)).flat();
    assert.equal(code, 0, server.stderr());
    assert.ok(Date.now() - started < 5000, 'exits before the deadline');

    server = await startServer(data);
    try {
      await storeCaughtUp(server.url);
      const stored = new Set(await exportedIds(server.url, readKey));
      assert.deepEqual(
        acked.filter((id) => !stored.has(id)),
        [],
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
