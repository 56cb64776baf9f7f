/**
 * docs/aggregated.md's commands, run as written against a real server (only its address
 * changed), then the CLI's metric and IP range commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, cliJson, provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { runGuide } from './helpers/docs.ts';

test('the walk-through in docs/aggregated.md works against a running server, and so do the CLI commands', async () => {
  const data = tempDir();
  const { adminKey, readKey } = await provision(data);
  const server = await startServer(data);
  try {
    const { stdout, blocks } = await runGuide('aggregated.md', server.url, { ADMIN_KEY: adminKey }, data);
    assert.ok(blocks >= 5);
    assert.match(stdout, /\{"imported":3,"ipv4":2,"ipv6":1\}/);
    assert.match(stdout, /\{"response_code":"200","response":"Data Uploaded","status":"success"\}/);
    await storeCaughtUp(server.url);
    const usage = await fetch(`${server.url}/v1/query/usage?groupBy=company,activityType&interval=none`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    assert.deepEqual(((await usage.json()) as { rows: unknown[] }).rows, [
      { bucket: null, company: 'acme.com', activityType: 'secondary23', count: 1250 },
    ]);

    const remote = ['--url', server.url, '--key', adminKey];
    await cliJson([...remote, 'metrics', 'define', 'secondary2', '--description', 'exports']);
    const metrics = await cliJson<{ metrics: { key: string }[] }>([...remote, 'metrics', 'list']);
    assert.deepEqual(
      metrics.metrics.map((m) => m.key),
      ['primary', 'secondary1', 'secondary2', 'secondary23'],
    );
    const bad = await cli([...remote, 'metrics', 'define', 'tertiary']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /primary, or secondary followed by a number/);
    await cliJson([...remote, 'metrics', 'remove', 'secondary2']);
    const csv = path.join(data, 'more.csv');
    fs.writeFileSync(csv, '10.0.0.0/8,Ten Corp,ten.example\n10.1.0.0/16,Ten One,\n');
    const imported = await cliJson<{ imported: number }>([...remote, 'ip-ranges', 'import', csv]);
    assert.equal(imported.imported, 2);
    const resolved = await cliJson<{ company: string; ipRange: string }>([
      ...remote,
      'ip-ranges',
      'resolve',
      '--ip',
      '10.1.2.3',
    ]);
    assert.deepEqual([resolved.company, resolved.ipRange], ['Ten One', '10.1.0.0/16']);
    fs.writeFileSync(csv, '10.0.0.0/8,Ten Corp,ten.example\nnonsense\n');
    const refused = await cli([...remote, 'ip-ranges', 'import', csv]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /validation_failed/);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  }
  const local = await cliJson<{ company: string }>([
    '--data',
    data,
    'ip-ranges',
    'resolve',
    '--domain',
    'shop.acme.co.uk',
  ]);
  assert.equal(local.company, 'acme.co.uk');
});
