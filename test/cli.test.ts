import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliJson, startServer } from './helpers/process.ts';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ev, startHub, tempDir } from './helpers/server.ts';

const bin = path.resolve(import.meta.dirname, '..', 'bin', 'usagehub.js');

describe('usagehub CLI', () => {
  test('init creates the first tenant once, and another only by name', async () => {
    const data = tempDir();
    const first = await cliJson<{ tenantId: string; adminKey: string }>(['--data', data, 'init']);
    assert.match(first.tenantId, /^ten_/);
    assert.match(first.adminKey, /^uh_admin_/);
    const again = await cli(['--data', data, 'init', '--json']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already has a tenant.*--name/);
    const other = await cliJson<{ tenantId: string }>(['--data', data, 'init', '--name', 'second']);
    assert.notEqual(other.tenantId, first.tenantId);
  });

  test('manages apps and keys on the data directory, then against a running server', async () => {
    const data = tempDir();
    const { adminKey } = await cliJson<{ adminKey: string }>(['--data', data, 'init']);
    const app = await cliJson<{ id: string; name: string }>([
      '--data',
      data,
      'apps',
      'create',
      '--name',
      'web',
    ]);
    assert.match(app.id, /^app_/);
    const key = await cliJson<{ key: { id: string }; secret: string }>([
      '--data',
      data,
      'keys',
      'create',
      '--role',
      'ingest',
      '--name',
      'sdk',
    ]);
    assert.match(key.secret, /^uh_ingest_/);
    const dup = await cli(['--data', data, 'apps', 'create', '--name', 'web']);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /conflict/);

    const server = await startServer(data);
    try {
      const busy = await cli(['--data', data, 'apps', 'list']);
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /--url/);
      const remote = ['--url', server.url, '--key', adminKey];
      const apps = await cliJson<{ apps: { name: string }[] }>([...remote, 'apps', 'list']);
      assert.deepEqual(
        apps.apps.map((a) => a.name),
        ['web'],
      );
      const created = await cliJson<{ name: string }>([...remote, 'apps', 'create', '--name', 'api']);
      assert.equal(created.name, 'api');
      const revoked = await cliJson<{ revokedAt: string }>([...remote, 'keys', 'revoke', key.key.id]);
      assert.ok(revoked.revokedAt);
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: '[]',
      });
      assert.equal(res.status, 401, 'a revoked key is refused at once');
      const bad = await cli([...remote.slice(0, 2), '--key', 'uh_admin_nope', 'apps', 'list']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unauthorized/);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    const keys = await cliJson<{ keys: { revokedAt: string | null }[] }>(['--data', data, 'keys', 'list']);
    assert.equal(keys.keys.filter((k) => k.revokedAt).length, 1);
  });

  test('export writes NDJSON or CSV, from the data directory or a server', async () => {
    const data = tempDir();
    const { adminKey } = await cliJson<{ adminKey: string }>(['--data', data, 'init']);
    await cliJson(['--data', data, 'apps', 'create', '--name', 'web']);
    await cliJson(['--data', data, 'apps', 'create', '--name', 'api']);
    const server = await startServer(data);
    const t = Date.now() - 1000;
    const events = [
      { id: 'e1', app: 'web', name: 'login', timestamp: t, email: 'a@x.com' },
      { id: 'e2', app: 'api', name: 'call', timestamp: t, userId: 'svc' },
      { app: 'web', name: 'logout', timestamp: t, email: 'a@x.com' },
    ];
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(res.status, 200);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const remote = await cli(['--url', server.url, '--key', adminKey, 'export', '--app', 'web']);
      assert.equal(remote.code, 0, remote.stderr);
      const lines = remote.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { clientId: string | null; name: string });
      assert.deepEqual(
        lines.map((l) => [l.clientId, l.name]),
        [
          ['e1', 'login'],
          [null, 'logout'],
        ],
      );
    } finally {
      // SIGKILL: the local export must also apply what the store had not yet applied.
      server.child.kill('SIGKILL');
      await server.exited;
    }
    const csv = await cli(['--data', data, 'export', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trim().split('\n');
    assert.match(rows[0]!, /^id,app,source,name/);
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => r.split(',')[0])
        .sort(),
      ['', 'e1', 'e2'],
    );
    // A second tenant: local commands must be told which one, never guess.
    await cliJson(['--data', data, 'init', '--name', 'other']);
    const unnamed = await cli(['--data', data, 'export']);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /several tenants.*--tenant/);
    const other = await cli(['--data', data, '--tenant', 'other', 'export']);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, '', "the other tenant's export holds none of these events");
    const bad = await cli(['--data', data, '--tenant', 'default', 'export', '--from', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /from must be/);
  });

  test('export shows a progress bar on a terminal, and none when stderr is not one', async (t) => {
    if (process.platform !== 'linux') return t.skip('uses util-linux script(1) for a terminal');
    const hub = await startHub();
    const events = Array.from({ length: 50 }, (_, i) => ev({ id: `p${i}` }));
    assert.equal((await hub.send(events)).statusCode, 200);
    await hub.close();
    const out = path.join(hub.dataDir, 'export.ndjson');
    const typescript = path.join(hub.dataDir, 'terminal.txt');
    // script(1) runs the command on a pseudo-terminal and records what it showed.
    const command = `${process.execPath} ${bin} --data ${hub.dataDir} export > ${out}`;
    await new Promise<void>((resolve, reject) =>
      execFile('script', ['-qec', command, typescript], (err) => (err ? reject(err) : resolve())),
    );
    assert.match(fs.readFileSync(typescript, 'utf8'), /exporting .*50\/50 events/);
    assert.equal(fs.readFileSync(out, 'utf8').trim().split('\n').length, 50);
    const piped = await cli(['--data', hub.dataDir, 'export']);
    assert.equal(piped.code, 0);
    assert.doesNotMatch(piped.stderr, /exporting/);
  });
});
