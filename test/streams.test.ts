/**
 * Live streams are shared fairly: a key and a tenant each hold a bounded number of the
 * process's streams, so one read key cannot lock every other tenant out, and a reader
 * that stops reading is dropped once its bounded buffer stays full.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { ev, startHub, type TestHub } from './helpers/server.ts';

describe('live streams per tenant and per key', () => {
  let hub: TestHub;
  let base: string;
  let otherTenantKey: string;
  before(async () => {
    hub = await startHub({ maxStreams: 10, maxStreamsPerTenant: 3, maxStreamsPerKey: 2 });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    const { admin } = hub.runtime.deps;
    const other = await admin.init('other');
    assert.equal(other.outcome, 'created');
    otherTenantKey =
      other.outcome === 'created' ? (await admin.createKey(other.tenant.id, 'read', 'r')).secret : '';
  });
  // Its own connections, destroyed before the server closes: a closing server waits for open ones.
  const agent = new Agent();
  after(async () => {
    await agent.destroy();
    await hub.close();
  });

  const stream = async (key: string) => {
    const res = await request(`${base}/v1/stream`, {
      headers: { authorization: `Bearer ${key}` },
      dispatcher: agent,
    });
    // Closing a stream from this side is how each test ends it, not a failure.
    res.body.on('error', () => {});
    return res;
  };

  test('a key, then its tenant, reach their caps; another tenant still gets its stream', async () => {
    const held = [await stream(hub.readKey), await stream(hub.readKey)];
    assert.deepEqual(
      held.map((s) => s.statusCode),
      [200, 200],
    );
    const third = await stream(hub.readKey);
    assert.equal(third.statusCode, 429);
    assert.match(await third.body.text(), /This key already holds 2 streams/);
    const secondKey = (await hub.runtime.deps.admin.createKey(hub.tenantId, 'read', 'r2')).secret;
    const fromSecond = await stream(secondKey);
    assert.equal(fromSecond.statusCode, 200);
    const tenantFull = await stream(secondKey);
    assert.equal(tenantFull.statusCode, 429);
    assert.match(await tenantFull.body.text(), /This tenant already holds 3 streams/);
    const other = await stream(otherTenantKey);
    assert.equal(other.statusCode, 200, 'another tenant is not locked out');
    for (const s of [...held, fromSecond, other]) s.body.destroy();
  });

  test('a reader that does not read is dropped once its buffer stays full, and its place is free again', async () => {
    // Let the previous test's streams be noticed as closed.
    for (let i = 0; i < 100; i++) {
      const probe = await stream(hub.readKey);
      probe.body.destroy();
      if (probe.statusCode === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const key = (await hub.runtime.deps.admin.createKey(hub.tenantId, 'read', 'stalled')).secret;
    const stalled = await stream(key);
    assert.equal(stalled.statusCode, 200);
    // Both places of the key are free: the stalled stream's and one more.
    const bothFree = async () => {
      const probes = [await stream(key), await stream(key)];
      for (const p of probes) p.body.destroy();
      return probes.every((p) => p.statusCode === 200);
    };
    assert.equal(await bothFree(), false, 'the stalled stream holds its place');
    // Never read: megabytes of events fill the socket's buffers and then the stream's.
    const big = 'x'.repeat(2000);
    for (let round = 0; round < 40; round++) {
      const res = await hub.send(
        Array.from({ length: 200 }, (_, i) => ev({ id: `s${round}-${i}`, properties: { big } })),
      );
      assert.equal(res.statusCode, 200, res.body);
    }
    const started = Date.now();
    let freed = false;
    while (!freed && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 500));
      freed = await bothFree();
    }
    assert.ok(freed, 'the stalled stream was dropped and its place freed');
    stalled.body.destroy();
  });
});
