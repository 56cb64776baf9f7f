/** docs/sessions-v3.md's commands, run as written against a real server (only its address changed), then the CLI's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliJson, provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { runGuide } from './helpers/docs.ts';

test('the walk-through in docs/sessions-v3.md works against a running server, and so do the type commands', async () => {
  const data = tempDir();
  const { adminKey, readKey } = await provision(data);
  const server = await startServer(data);
  try {
    const { stdout, blocks } = await runGuide('sessions-v3.md', server.url, { ADMIN_KEY: adminKey }, data);
    assert.ok(blocks >= 5);
    assert.equal(stdout.match(/\{"APIVersion":3,"result":1\}/g)?.length, 2);
    await storeCaughtUp(server.url);
    const list = await fetch(`${server.url}/v1/query/sessions/list?state=closed`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    const rows = (
      (await list.json()) as { rows: { session: string; durationSeconds: number; updates: number }[] }
    ).rows;
    assert.deepEqual(
      rows.map((r) => [r.session, r.durationSeconds, r.updates]),
      [
        ['8nc92io9q', 106, 0],
        ['pv-000001', 60, 1],
      ],
    );
    const remote = ['--url', server.url, '--key', adminKey];
    const added = await cliJson<{ types: { type: string; default: boolean }[] }>([
      ...remote,
      'session-types',
      'add',
      'REFUND',
    ]);
    assert.ok(added.types.some((t) => t.type === 'REFUND' && !t.default));
    assert.ok(
      added.types.some((t) => t.type === 'CHECKOUT' && !t.default),
      'added by the walk-through',
    );
    const bad = await cli([...remote, 'session-types', 'add', 'refund']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /upper-case/);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  }
  const local = await cliJson<{ types: { type: string }[] }>(['--data', data, 'session-types', 'list']);
  assert.ok(local.types.some((t) => t.type === 'APPSTART'));
});
