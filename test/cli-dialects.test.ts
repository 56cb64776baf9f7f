/**
 * Each dialect's own commands (dialects/<d>/<d>.commands.ts) work on a data directory
 * with no server, through the admin API served in-process (cli/local-admin.ts): same
 * answers and same errors as against a server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliJson } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

test('dialect commands on a data directory: metrics, session types, hit users, medias', async () => {
  const data = tempDir();
  await cliJson(['--data', data, 'init']);
  const local = ['--data', data];
  await cliJson([...local, 'metrics', 'define', 'primary', '--description', 'seats']);
  const metrics = await cliJson<{ metrics: unknown[] }>([...local, 'metrics', 'list']);
  assert.deepEqual(metrics.metrics, [{ key: 'primary', description: 'seats' }]);
  const bad = await cli([...local, 'metrics', 'define', 'tertiary']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid_request.*tertiary/s);

  const types = await cliJson<{ types: { type: string; default: boolean }[] }>([
    ...local,
    'session-types',
    'add',
    'CHECKOUT',
  ]);
  assert.deepEqual(types.types.at(-1), { type: 'CHECKOUT', default: false });

  await cliJson([...local, 'hit-users', 'set', 'u1', '--email', 'ann@example.com']);
  const users = await cliJson<{ users: { id: string; email: string }[] }>([...local, 'hit-users', 'list']);
  assert.deepEqual(
    users.users.map((u) => [u.id, u.email]),
    [['u1', 'ann@example.com']],
  );
  const negative = await cli([...local, 'medias', 'set', 'clip', '--kind', 'video', '--duration', '-1']);
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /--duration must be a number of seconds/);
  const missing = await cli([...local, 'medias', 'remove', 'nothing']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /not_found: media nothing does not exist/);
});

test('sources: created for an app, listed, shown, revoked; an unknown app or kind refused', async () => {
  const data = tempDir();
  await cliJson(['--data', data, 'init']);
  const local = ['--data', data];
  await cliJson([...local, 'apps', 'create', '--name', 'web']);
  const created = await cliJson<{ id: string; kind: string; app: string; writeKey: string }>([
    ...local,
    'sources',
    'create',
    '--kind',
    'segment',
    '--app',
    'web',
  ]);
  assert.equal(created.kind, 'segment');
  assert.match(created.app, /^app_/);
  assert.match(created.writeKey, /^wks_/);
  const shown = await cliJson<{ writeKey: string }>([...local, 'sources', 'show', created.id]);
  assert.equal(shown.writeKey, created.writeKey, 'a write key may be shown again');
  const listed = await cliJson<{ sources: { id: string }[] }>([...local, 'sources', 'list']);
  assert.deepEqual(
    listed.sources.map((s) => s.id),
    [created.id],
  );
  const revoked = await cliJson<{ revokedAt: string | null }>([...local, 'sources', 'revoke', created.id]);
  assert.ok(revoked.revokedAt);
  const noApp = await cli([...local, 'sources', 'create', '--kind', 'posthog', '--app', 'nope']);
  assert.equal(noApp.code, 2);
  assert.match(noApp.stderr, /not_found: app nope does not exist/);
  const badKind = await cli([...local, 'sources', 'create', '--kind', 'mixpanel', '--app', 'web']);
  assert.notEqual(badKind.code, 0);
  assert.match(badKind.stderr, /segment, posthog/);
});
