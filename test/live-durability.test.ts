/**
 * Live deliveries survive a crash: SIGKILL the server while it streams to a receiver,
 * restart it, and every acknowledged event reaches the receiver at least once, a
 * repeat carrying the same webhook-id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

const { LiveApi } = createRequire(import.meta.url)('notificare-live-api-node') as {
  LiveApi: new (p: string, k: string) => { httpGateway: { verify(k: string, c: string): string } };
};

test('SIGKILL while streaming, restart: every event delivered at least once, repeats with the same webhook-id', async () => {
  const data = tempDir();
  const { adminKey, ingestKey } = await provision(data);
  const env = { USAGEHUB_LIVE_ALLOW_ADDRESSES: '127.0.0.0/8', USAGEHUB_LIVE_CONCURRENCY: '4' };
  let keys = { publicKey: '', privateKey: '' };
  const seen = new Map<string, Set<string>>(); // clientId -> webhook-ids
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET') {
        const challenge = new URL(req.url!, 'http://x').searchParams.get('challenge')!;
        res.end(new LiveApi(keys.privateKey, keys.publicKey).httpGateway.verify(keys.publicKey, challenge));
        return;
      }
      const id = (JSON.parse(body) as { data: { clientId: string } }).data.clientId;
      const ids = seen.get(id) ?? new Set<string>();
      ids.add(String(req.headers['webhook-id']));
      seen.set(id, ids);
      // Slow enough that the stream is still going when the server is killed.
      setTimeout(() => res.end('ok'), 15);
    });
  });
  receiver.listen(0, '127.0.0.1');
  await new Promise((r) => receiver.once('listening', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  let server = await startServer(data, env);
  const call = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const endpoint = (await (await call('POST', '/v1/live/endpoints', adminKey, { url: hookUrl })).json()) as {
    id: string;
    publicKey: string;
    privateKey: string;
  };
  keys = endpoint;
  const verified = (await (
    await call('POST', `/v1/live/endpoints/${endpoint.id}/verify`, adminKey)
  ).json()) as {
    verified: boolean;
  };
  assert.equal(verified.verified, true);

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
    receiver.closeAllConnections();
    receiver.close();
  }
});
