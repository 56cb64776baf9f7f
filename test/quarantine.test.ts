/**
 * A log record the store cannot apply — written by an older usagehub, or by a bug —
 * never stops the server: the store sets it aside in quarantine with the reason, applies
 * everything else, and a restart on such data always starts. Quarantine is seen and
 * retried through the admin API (tenant-scoped) and the CLI.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, tempDir, type HubIdentity } from './helpers/server.ts';
import { cli } from './helpers/process.ts';
import { dataFiles } from '../src/runtime.ts';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import type { UsageEvent } from '../src/domain/event.ts';

interface Quarantined {
  seq: number;
  tenantId: string | null;
  reason: string;
  attempts: number;
}

/** Appends documents to the log as an older usagehub might have: no canonical check. */
async function appendRaw(dataDir: string, docs: string[]): Promise<void> {
  const log = new SqliteEventLog(dataFiles(dataDir).log);
  const keys = docs.map((_, i) => (Date.now() * 100 + i).toString(16).padStart(40, '0')).join('');
  await log.append([{ keys, docs: docs.join('\n') }]);
  await log.close();
}

describe('quarantine', () => {
  test('poison records are set aside at start and while running; the rest is stored; retry and CLI', async () => {
    const dataDir = tempDir();
    let hub = await startHub({}, dataDir);
    const id: HubIdentity = hub;
    const good = (n: number) => ({ app: 'web', name: 'ok', timestamp: Date.now() - 1000, id: `g${n}` });
    assert.equal((await hub.send([good(1), good(2)])).statusCode, 200);
    assert.equal(await hub.storedCount(2), 2);
    await hub.settled();
    const exported = await hub.get('/v1/export');
    const template = JSON.parse(exported.body.trim().split('\n')[0]!) as UsageEvent;
    await hub.close();

    const doc = (over: Partial<UsageEvent>) => JSON.stringify({ ...template, clientId: null, ...over });
    await appendRaw(dataDir, [
      doc({ name: 'fine-before' }),
      doc({ name: 'lone-surrogate' }).replace('"lone-surrogate"', '"bad\\ud800name"'),
      doc({ name: 'too-big' }).replace(/"count":\d+/, '"count":1e400'),
      doc({ name: 'fine-after' }),
    ]);

    hub = await startHub({}, dataDir, id);
    assert.equal(await hub.settled(), 4, 'the two good events of the poisoned batch are stored');
    const admin = (method: 'GET' | 'POST', url: string, key = id.adminKey) =>
      hub.app.inject({ method, url, headers: { authorization: `Bearer ${key}` } });
    const list = (await admin('GET', '/v1/quarantine')).json<{ events: Quarantined[] }>().events;
    assert.equal(list.length, 2, JSON.stringify(list));
    for (const e of list) {
      assert.equal(e.tenantId, id.tenantId);
      assert.equal(e.attempts, 1);
      assert.ok(e.reason.length > 0);
      assert.ok(!e.reason.includes('tenantId'), `the reason quotes no document: ${e.reason}`);
    }
    const shown = await admin('GET', `/v1/quarantine/${list[0]!.seq}`);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.json<{ document: string }>().document, /bad\\ud800name/);

    const retried = await admin('POST', `/v1/quarantine/${list[0]!.seq}/retry`);
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal(retried.json<{ outcome: string }>().outcome, 'failed');
    const again = (await admin('GET', '/v1/quarantine')).json<{ events: Quarantined[] }>().events;
    assert.equal(again[0]!.attempts, 2);
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /^usagehub_quarantined_events 2$/m);
    assert.match(metrics, /^usagehub_store_failing 0$/m);

    // Another tenant sees none of it.
    const other = await hub.runtime.deps.admin.init('other');
    assert.equal(other.outcome, 'created');
    if (other.outcome !== 'created') return;
    const otherList = await admin('GET', '/v1/quarantine', other.adminKey.secret);
    assert.deepEqual(otherList.json<{ events: unknown[] }>().events, []);
    assert.equal(
      (await admin('GET', `/v1/quarantine/${list[0]!.seq}`, other.adminKey.secret)).statusCode,
      404,
    );
    assert.equal(
      (await admin('POST', `/v1/quarantine/${list[0]!.seq}/retry`, other.adminKey.secret)).statusCode,
      404,
    );

    // While running: a poison record appended behind the server's back is set aside too.
    await hub.close();
    hub = await startHub({}, dataDir, id);
    // The log is SQLite in WAL mode: another connection may append while the server runs.
    await appendRaw(dataDir, [doc({ name: 'late-bad' }).replace('"late-bad"', '"\\udfff"')]);
    assert.equal((await hub.send([good(3)])).statusCode, 200);
    assert.equal(await hub.storedCount(5), 5, 'events after the poison are stored');
    await hub.settled();
    assert.equal((await admin('GET', '/v1/quarantine')).json<{ events: unknown[] }>().events.length, 3);
    await hub.close();

    // The CLI, on the data directory (every tenant's quarantine).
    const listed = await cli(['--data', dataDir, 'quarantine', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const events = (JSON.parse(listed.stdout) as { events: Quarantined[] }).events;
    assert.equal(events.length, 3);
    const show = await cli(['--data', dataDir, 'quarantine', 'show', String(events[1]!.seq)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /1e400|count/);
    const retry = await cli(['--data', dataDir, 'quarantine', 'retry', String(events[1]!.seq)]);
    assert.equal(retry.code, 1, 'a retry that fails again exits 1');
    assert.match(retry.stdout, /failed again/);
  });
});
