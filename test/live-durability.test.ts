/**
 * Live deliveries survive a crash: SIGKILL the server while it streams to a receiver,
 * restart it, and every acknowledged event reaches the receiver at least once, a
 * repeat carrying the same webhook-id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLiveReceiver, subscribe } from './helpers/live-receiver.ts';
import { provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

test('SIGKILL while streaming, restart: every event delivered at least once, repeats with the same webhook-id', async () => {
  const data = tempDir();
  const { adminKey, ingestKey } = await provision(data);
  const env = { USAGEHUB_LIVE_ALLOW_ADDRESSES: '127.0.0.0/8', USAGEHUB_LIVE_CONCURRENCY: '4' };
  // Slow enough that the stream is still going when the server is killed.
  const receiver = await startLiveReceiver(15);
  const { seen } = receiver;
  let server = await startServer(data, env);
  const call = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await subscribe(server.url, adminKey, receiver);

  const total = 400;
  const t = Date.now() - 60_000;
  for (let b = 0; b < total / 20; b++) {
    const events = Array.from({ length: 20 }, (_, i) => ({
      id: `e-${b * 20 + i}`,
      app: 'web',
      name: 'streamed',
      timestamp: t + b,
    }));
    assert.equal((await call('POST', '/v1/events', ingestKey, events)).status, 200);
  }
  const deadline = Date.now() + 20_000;
  while (seen.size < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen.size < total, `killed mid-stream (${seen.size} of ${total} delivered)`);
  server.child.kill('SIGKILL');
  await server.exited;

  server = await startServer(data, env);
  try {
    const end = Date.now() + 60_000;
    while (seen.size < total && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.size, total, 'every event reached the receiver');
    for (const [id, webhookIds] of seen)
      assert.equal(webhookIds.size, 1, `${id}: one webhook-id across repeats`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await receiver.stop();
  }
});
