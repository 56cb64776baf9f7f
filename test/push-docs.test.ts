/**
 * docs/push.md's commands, run as written against a real server (only its address
 * changed), then the CLI's push administration against the same server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliJson, provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { runGuide } from './helpers/docs.ts';

const run = promisify(execFile);

test('the curl walk-through in docs/push.md works against a running server, and so does the CLI', async () => {
  const data = tempDir();
  const { adminKey } = await provision(data);
  const server = await startServer(data);
  try {
    const { stdout, blocks } = await runGuide('push.md', server.url, { ADMIN_KEY: adminKey }, data);
    assert.ok(blocks >= 5, 'the walk-through has its shell blocks');
    assert.match(stdout, /\{"success":true\}/);
    assert.match(
      stdout,
      /"eventMappings":\[\{"eventName":"login","category":"Login"\},\{"eventName":"opened_file"/,
    );
    await storeCaughtUp(server.url);
    const counts = await fetch(`${server.url}/v1/query/counts?app=crm&category=Login&groupBy=targetApp`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const rows = ((await counts.json()) as { rows: { key: string; events: number }[] }).rows;
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.key, /^app_/);

    const remote = ['--url', server.url, '--key', adminKey];
    const mapped = await cliJson<{ eventMappings: { eventName: string; category: string }[] }>([
      ...remote,
      'apps',
      'map',
      'crm',
      '--event',
      'searched',
      '--category',
      'Search',
    ]);
    assert.ok(mapped.eventMappings.some((m) => m.eventName === 'searched' && m.category === 'Search'));
    const unmapped = await cliJson<{ eventMappings: { eventName: string }[] }>([
      ...remote,
      'apps',
      'unmap',
      'crm',
      '--event',
      'searched',
    ]);
    assert.ok(!unmapped.eventMappings.some((m) => m.eventName === 'searched'));
    const created = await cliJson<{ client: { id: string; scopes: string[] }; secret: string }>([
      ...remote,
      'oauth-clients',
      'create',
      '--name',
      'cli',
      '--scope',
      'https://api.productiv.com/connector.write',
    ]);
    assert.deepEqual(created.client.scopes, ['connector.write']);
    const token = await fetch(`${server.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${created.client.id}:${created.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200);
    const list = await cliJson<{ clients: { id: string }[] }>([...remote, 'oauth-clients', 'list']);
    assert.equal(list.clients.length, 2);
    assert.ok(!JSON.stringify(list).includes(created.secret), 'secrets are never listed');
    const revoked = await cliJson<{ revokedAt: string }>([
      ...remote,
      'oauth-clients',
      'revoke',
      created.client.id,
    ]);
    assert.ok(revoked.revokedAt);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  }
  // With the server stopped, the CLI works on the data directory.
  const local = await cliJson<{ eventMappings: { eventName: string }[] }>([
    '--data',
    data,
    'apps',
    'map',
    'crm',
    '--event',
    'logout',
    '--category',
    'Logout',
  ]);
  assert.ok(local.eventMappings.some((m) => m.eventName === 'logout'));
  const bad = await run(process.execPath, [
    new URL('../bin/usagehub.js', import.meta.url).pathname,
    '--data',
    data,
    'apps',
    'map',
    'crm',
    '--event',
    'x',
    '--category',
    'Nope',
  ]).catch((e: { code: number; stderr: string }) => e);
  assert.ok('code' in bad && bad.code !== 0);
  assert.match((bad as { stderr: string }).stderr, /Allowed choices are Login, Logout/);
});
