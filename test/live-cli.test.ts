/** `usagehub live …` against a running server and on the data directory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { cli, cliJson, provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

test('the live commands manage, verify, replay and show endpoints', async () => {
  const data = tempDir();
  const { adminKey, ingestKey } = await provision(data);
  let privateKey = '';
  const posts: string[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        const challenge = new URL(req.url!, 'http://x').searchParams.get('challenge')!;
        res.end(createHmac('sha256', privateKey).update(challenge).digest('base64'));
        return;
      }
      posts.push(String(req.headers['webhook-id']));
      res.end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await new Promise((r) => receiver.once('listening', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const server = await startServer(data, { USAGEHUB_LIVE_ALLOW_ADDRESSES: '127.0.0.0/8' });
  const remote = ['--url', server.url, '--key', adminKey];
  try {
    const created = await cliJson<{ id: string; privateKey: string; state: string }>([
      ...remote,
      'live',
      'create',
      '--target',
      hook,
      '--description',
      'cli',
      '--filter',
      'usagehub.event.native.*',
    ]);
    assert.equal(created.state, 'unverified');
    privateKey = created.privateKey;
    const verified = await cliJson<{ verified: boolean }>([...remote, 'live', 'verify', created.id]);
    assert.equal(verified.verified, true);
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'c-1', app: 'web', name: 'clicked', timestamp: Date.now() - 1000 }]),
    });
    assert.equal(res.status, 200);
    for (let i = 0; i < 200 && posts.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(posts.length, 1);
    const replayed = await cliJson<{ replayed: number }>([
      ...remote,
      'live',
      'replay',
      created.id,
      '--ids',
      posts[0]!,
    ]);
    assert.equal(replayed.replayed, 1);
    for (let i = 0; i < 200 && posts.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(posts, [posts[0], posts[0]]);
    assert.equal(
      (await cliJson<{ state: string }>([...remote, 'live', 'pause', created.id])).state,
      'paused',
    );
    const log = await cliJson<{ attempts: { status: number }[] }>([
      ...remote,
      'live',
      'deliveries',
      created.id,
    ]);
    assert.ok(log.attempts.length >= 1 && log.attempts.every((a) => a.status === 200));
    const human = await cli([...remote.slice(0, 4), 'live', 'list']);
    assert.match(human.stdout, new RegExp(`${created.id}\\tpaused`));
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    receiver.close();
  }
  const local = await cliJson<{ endpoints: { state: string }[] }>(['--data', data, 'live', 'list']);
  assert.deepEqual(
    local.endpoints.map((e) => e.state),
    ['paused'],
  );
  const gone = await cli(['--data', data, 'live', 'delete', 'endpoint_nope']);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /not_found/);
});
