/**
 * A store that cannot write does not stop usagehub: its files are made immutable for a
 * few seconds while clients send (writes fail with EPERM, as on a failing disk). Every
 * request is answered 2xx (the log keeps acknowledging) or 503; the process never
 * exits; /readyz and the metrics say the store is failing; queries answer 200 or 503;
 * and once the files are writable again the store catches up with everything
 * acknowledged.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { exportedIds, postEvents, provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { NO_RATE_LIMITS } from './helpers/no-limits.ts';
import { tempDir } from './helpers/server.ts';
import { dataFiles } from '../src/runtime.ts';

/** chattr +i / -i: on ext4 even root's writes to an immutable file fail. */
function immutable(files: string[], on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', ...files]);
}

describe('store faults', () => {
  test('the store’s files unwritable for 3 s during ingest: ingest goes on, the store catches up, nothing lost', async () => {
    const data = tempDir();
    const { ingestKey, readKey } = await provision(data);
    // Three clients sending without pause pass the per-key limit on a fast runtime (Node 24
    // did: 14,500 events/s): this test is about the store, not the limits.
    const server = await startServer(data, NO_RATE_LIMITS);
    const storeFile = dataFiles(data).store;
    const files = [storeFile, `${storeFile}.wal`];
    const t = Date.now() - 5000;
    const acked = new Set<string>();
    const statuses = new Map<number, number>();
    let stop = false;
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const ids = Array.from({ length: 50 }, (_, i) => `c${c}-${n}-${i}`);
        const status = await postEvents(server.url, ingestKey, ids, t);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) ids.forEach((id) => acked.add(id));
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const clients = [0, 1, 2].map(client);
    let exitedEarly = false;
    void server.exited.then(() => (exitedEarly = true));
    try {
      await new Promise((r) => setTimeout(r, 700));
      if (!fs.existsSync(files[1]!)) fs.writeFileSync(files[1]!, '');
      immutable(files, true);
      let sawFailing = false;
      const queryStatuses = new Set<number>();
      const faultEnds = Date.now() + 3000;
      while (Date.now() < faultEnds) {
        const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { store?: { state: string } };
        if (ready.store?.state === 'failing') sawFailing = true;
        const q = await fetch(`${server.url}/v1/query/counts`, {
          headers: { authorization: `Bearer ${readKey}` },
        });
        queryStatuses.add(q.status);
        await q.text();
        await new Promise((r) => setTimeout(r, 100));
      }
      immutable(files, false);
      assert.ok(sawFailing, '/readyz said the store was failing');
      assert.ok(
        [...queryStatuses].every((s) => s === 200 || s === 503),
        `queries: ${[...queryStatuses]}`,
      );
      await new Promise((r) => setTimeout(r, 700));
    } finally {
      stop = true;
      await Promise.all(clients);
      try {
        immutable(files, false);
      } catch {
        // already writable
      }
    }
    assert.equal(exitedEarly, false, `the server kept running: ${server.stderr()}`);
    assert.deepEqual(
      [...statuses.keys()].filter((s) => s !== 200 && s !== 503),
      [],
      `every request got 2xx or 503: ${JSON.stringify([...statuses])}`,
    );
    assert.ok((statuses.get(200) ?? 0) > 0);

    const faultOver = Date.now();
    // Caught up: every acknowledged event is stored, once.
    for (let i = 0; i < 100; i++) {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { store?: { state: string } };
      if (ready.store === undefined) break; // shown only while the store is not well
      await new Promise((r) => setTimeout(r, 200));
    }
    await storeCaughtUp(server.url);
    console.log(
      `store faults: ${acked.size} events acknowledged, answers ${JSON.stringify([...statuses])}, ` +
        `store caught up ${Date.now() - faultOver} ms after the writes were allowed again`,
    );
    const stored = await exportedIds(server.url, readKey);
    assert.equal(new Set(stored).size, stored.length, 'no event stored twice');
    const storedSet = new Set(stored);
    const missing = [...acked].filter((id) => !storedSet.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged events missing`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^usagehub_store_failing 0$/m);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
});
