/**
 * docs/hits.md's commands, run as written against a real server (only its address
 * changed), then the CLI's registry commands on the same server and on the data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliJson, provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { runGuide } from './helpers/docs.ts';

test('the walk-through in docs/hits.md works against a running server, and so do the registry commands', async () => {
  const data = tempDir();
  const { adminKey, readKey } = await provision(data);
  const server = await startServer(data);
  try {
    const { stdout, blocks } = await runGuide('hits.md', server.url, { ADMIN_KEY: adminKey }, data);
    assert.ok(blocks >= 5);
    const ids = [...stdout.matchAll(/\{"id":"([0-9a-f]{40})"\}/g)];
    assert.equal(ids.length, 2, `the example hit and the play were stored: ${stdout}`);
    await storeCaughtUp(server.url);
    const medias = await fetch(`${server.url}/v1/query/hits/medias`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    assert.deepEqual(((await medias.json()) as { rows: unknown[] }).rows, [
      { media: 'video-42', downloads: 0, views: 0, plays: 1, uploads: 0, secondsWatched: 15 },
    ]);

    const remote = ['--url', server.url, '--key', adminKey];
    const app = await cliJson<{ origin: number }>([...remote, 'apps', 'set-origin', 'web', '--origin', '1']);
    assert.equal(app.origin, 1);
    const taken = await cli([...remote, 'apps', 'set-origin', 'web', '--origin', '0']);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /conflict/);
    await cliJson([...remote, 'hit-users', 'set', '2', '--email', 'bob@example.com']);
    const users = await cliJson<{ users: { id: string }[] }>([...remote, 'hit-users', 'list']);
    assert.deepEqual(
      users.users.map((u) => u.id),
      ['1', '2'],
    );
    await cliJson([...remote, 'medias', 'set', 'clip', '--kind', 'video', '--duration', '30']);
    await cliJson([...remote, 'medias', 'remove', 'video-42']);
    const list = await cliJson<{ medias: { id: string; durationSeconds: number }[] }>([
      ...remote,
      'medias',
      'list',
    ]);
    assert.deepEqual(list.medias, [{ id: 'clip', kind: 'video', durationSeconds: 30 }]);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  }
  await cliJson(['--data', data, 'hit-users', 'remove', '2']);
  const users = await cliJson<{ users: { id: string }[] }>(['--data', data, 'hit-users', 'list']);
  assert.deepEqual(
    users.users.map((u) => u.id),
    ['1'],
  );
  const none = await cliJson<{ origin: number | null }>([
    '--data',
    data,
    'apps',
    'set-origin',
    'web',
    '--origin',
    'none',
  ]);
  assert.equal(none.origin, null);
  const bad = await cli(['--data', data, 'medias', 'set', 'x', '--kind', 'video', '--duration', 'long']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--duration must be a number/);
});
