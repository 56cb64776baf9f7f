/**
 * The LiveStore conformance suite: endpoints, the delivery queue and the attempt log
 * behave the same on every adapter, on its real engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Delivery, LiveEndpoint, LiveStore } from '../../src/live/live-store.port.ts';

export interface LiveStoreFactory {
  skip?: string;
  place(): string;
  open(place: string): Promise<LiveStore>;
  /** The store hands a due delivery to one sender at a time, for this long (shared stores). */
  leaseMs?: number;
}

const endpoint = (id: string, over: Partial<LiveEndpoint> = {}): LiveEndpoint => ({
  id,
  tenantId: 'ten_a',
  url: `https://hooks.example.com/${id}`,
  description: '',
  filters: [],
  publicKey: `pub-${id}`,
  privateKey: `priv-${id}`,
  state: 'active',
  verifiedAt: null,
  verifyError: null,
  ordered: false,
  failingSince: null,
  createdAt: `2026-11-0${id.length}T00:00:00.000Z`,
  ...over,
});

const delivery = (id: string, endpointId: string, at: number): Delivery => ({
  id,
  endpointId,
  type: 'usagehub.event.native.x',
  body: `{"n":"${id}"}`,
  createdAt: at,
  nextAttemptAt: at,
  attempts: 0,
  status: 'pending',
  replays: 0,
});

/** Lag percentiles come from a histogram whose buckets are a tenth wide (live-stats.ts). */
const near = (value: number | null, exact: number): boolean =>
  value !== null && Math.abs(value - exact) <= exact * 0.1;

export function liveStoreConformance(name: string, factory: LiveStoreFactory): void {
  const only = { skip: factory.skip };
  const withStore = async (fn: (s: LiveStore) => Promise<void>) => {
    const store = await factory.open(factory.place());
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  test(`${name}: endpoints are created, listed per tenant, updated and deleted with their queue`, only, () =>
    withStore(async (s) => {
      await s.createEndpoint(endpoint('e1'));
      await s.createEndpoint(
        endpoint('e22', { tenantId: 'ten_b', filters: ['usagehub.event.*'], ordered: true }),
      );
      assert.deepEqual(
        (await s.endpoints()).map((e) => e.id),
        ['e1', 'e22'],
      );
      assert.deepEqual(await s.endpoints('ten_b'), [
        endpoint('e22', { tenantId: 'ten_b', filters: ['usagehub.event.*'], ordered: true }),
      ]);
      await s.updateEndpoint(endpoint('e1', { state: 'paused', description: 'd' }));
      assert.equal((await s.endpoint('ten_a', 'e1'))!.state, 'paused');
      assert.equal(await s.endpoint('ten_b', 'e1'), null);
      await s.enqueue([delivery('d1', 'e1', 1000)]);
      assert.equal(await s.deleteEndpoint('ten_a', 'e1'), true);
      assert.equal(await s.deleteEndpoint('ten_a', 'e1'), false);
      assert.deepEqual(await s.backlog(), new Map());
    }),
  );

  test(`${name}: a queue that takes each delivery once, due oldest first, with attempts recorded`, only, () =>
    withStore(async (s) => {
      await s.createEndpoint(endpoint('e1'));
      await s.enqueue([delivery('d2', 'e1', 2000), delivery('d1', 'e1', 1000)]);
      await s.enqueue([delivery('d1', 'e1', 5000)]); // already queued: left as it is
      assert.deepEqual(await s.backlog(), new Map([['e1', 2]]));
      assert.deepEqual([await s.pendingCount('e1'), await s.pendingCount('e2')], [2, 0]);
      const due = await s.due(3000, 10);
      assert.deepEqual(
        due.map((d) => [d.id, d.createdAt]),
        [
          ['d1', 1000],
          ['d2', 2000],
        ],
      );
      assert.equal((await s.oldestPending('e1'))!.id, 'd2', 'in the order queued');
      await s.recordAttempts([
        {
          delivery: due[0]!,
          attempt: { deliveryId: 'd1', at: 3001, status: 200, latencyMs: 5, error: null },
          retryAt: null,
        },
        {
          delivery: due[1]!,
          attempt: { deliveryId: 'd2', at: 3002, status: 503, latencyMs: 7, error: 'answered 503' },
          retryAt: 9000,
        },
      ]);
      assert.equal((await s.endpoint('ten_a', 'e1'))!.failingSince, 3002);
      assert.deepEqual(await s.backlog(), new Map([['e1', 1]]));
      assert.deepEqual(await s.due(8999, 10), [], 'the failed one waits for its retry time');
      const again = await s.due(9000, 10);
      assert.deepEqual(
        again.map((d) => [d.id, d.attempts]),
        [['d2', 1]],
      );
      await s.recordAttempts([
        {
          delivery: again[0]!,
          attempt: { deliveryId: 'd2', at: 9001, status: 204, latencyMs: 3, error: null },
          retryAt: null,
        },
      ]);
      assert.equal((await s.endpoint('ten_a', 'e1'))!.failingSince, null, 'a success ends failing');
      assert.equal(await s.oldestPending('e1'), null);
      assert.deepEqual(
        (await s.attempts('e1', { limit: 10 })).map((a) => [a.deliveryId, a.status, a.error, a.type]),
        [
          ['d2', 204, null, 'usagehub.event.native.x'],
          ['d2', 503, 'answered 503', 'usagehub.event.native.x'],
          ['d1', 200, null, 'usagehub.event.native.x'],
        ],
      );
    }),
  );

  test(
    `${name}: the delivery log pages newest first, lists failures alone, and keeps each exchange`,
    only,
    () =>
      withStore(async (s) => {
        await s.createEndpoint(endpoint('e1'));
        await s.enqueue([delivery('d1', 'e1', 1000), delivery('d2', 'e1', 1000)]);
        const [d1, d2] = await s.due(1000, 10);
        const exchange = {
          sentAt: 1,
          publicKey: 'pub-e1',
          responseHeaders: { 'content-type': 'text/plain' },
          responseBody: 'nope',
        };
        const record = (d: Delivery, at: number, status: number | null, retryAt: number | null) => ({
          delivery: d,
          attempt: {
            deliveryId: d.id,
            at,
            status,
            latencyMs: 1,
            error: status === 200 ? null : 'x',
            exchange,
          },
          retryAt,
        });
        await s.recordAttempts([record(d1!, 1100, 500, 5000), record(d2!, 1200, 200, null)]);
        await s.recordAttempts([record(d1!, 1300, null, 9000)]);
        const all = await s.attempts('e1', { limit: 2 });
        assert.deepEqual(
          all.map((a) => [a.deliveryId, a.at]),
          [
            ['d1', 1300],
            ['d2', 1200],
          ],
        );
        assert.ok(all[0]!.id > all[1]!.id, 'ids grow with time');
        assert.deepEqual(
          (await s.attempts('e1', { limit: 10, before: all[1]!.id })).map((a) => a.at),
          [1100],
          'the next page starts below the last id',
        );
        assert.deepEqual(
          (await s.attempts('e1', { limit: 10, failed: true })).map((a) => a.at),
          [1300, 1100],
        );
        const detail = await s.delivery('e1', 'd1');
        assert.equal(detail!.delivery.body, '{"n":"d1"}');
        assert.deepEqual(
          detail!.attempts.map((a) => [a.at, a.status, a.exchange]),
          [
            [1100, 500, exchange],
            [1300, null, exchange],
          ],
        );
        assert.equal(await s.delivery('e1', 'nope'), null);
        assert.equal(await s.delivery('e2', 'd1'), null, 'another endpoint does not see it');

        const stats = await s.stats('e1', { from: 0, to: 60_000, bucketMs: 60_000 });
        assert.deepEqual(
          { ...stats, lagP50Ms: near(stats.lagP50Ms, 200), lastError: stats.lastError },
          {
            attempts: 3,
            succeeded: 1,
            lagP50Ms: true,
            lagP99Ms: stats.lagP50Ms,
            lastError: { at: 1300, error: 'x' },
            buckets: [{ at: 0, succeeded: 1, failed: 2 }],
          },
        );
        const none = await s.stats('e1', { from: 120_000, to: 180_000, bucketMs: 60_000 });
        assert.deepEqual([none.attempts, none.lagP50Ms, none.buckets], [0, null, []]);

        assert.equal(await s.replay('e1', { failed: true }, 2000), 1, 'only d1: pending, failed');
        assert.deepEqual(
          (await s.due(2000, 10)).map((d) => d.id),
          ['d1'],
        );
      }),
  );

  test(`${name}: lag percentiles are nearest-rank over the window's successes, within a tenth`, only, () =>
    withStore(async (s) => {
      await s.createEndpoint(endpoint('e1'));
      const ds = Array.from({ length: 10 }, (_, i) => delivery(`d${i}`, 'e1', 1000));
      await s.enqueue(ds);
      const due = await s.due(1000, 20);
      await s.recordAttempts(
        due.map((d, i) => ({
          delivery: d,
          attempt: { deliveryId: d.id, at: 1000 + 10 * (i + 1), status: 204, latencyMs: 1, error: null },
          retryAt: null,
        })),
      );
      const stats = await s.stats('e1', { from: 0, to: 60_000, bucketMs: 60_000 });
      assert.deepEqual([stats.succeeded, stats.lastError], [10, null]);
      assert.ok(near(stats.lagP50Ms, 50) && near(stats.lagP99Ms, 100), `${stats.lagP50Ms} ${stats.lagP99Ms}`);
    }),
  );

  test(`${name}: stats count whole minutes into the window's buckets, across groups of records`, only, () =>
    withStore(async (s) => {
      await s.createEndpoint(endpoint('e1'));
      const T = 600_000;
      await s.enqueue([delivery('d1', 'e1', T), delivery('d2', 'e1', T), delivery('d3', 'e1', T)]);
      const [d1, d2, d3] = await s.due(T, 10);
      const rec = (d: Delivery, at: number, ok: boolean) => ({
        delivery: d,
        attempt: {
          deliveryId: d.id,
          at,
          status: ok ? 200 : 503,
          latencyMs: 1,
          error: ok ? null : 'answered 503',
        },
        retryAt: ok ? null : at + 60_000,
      });
      await s.recordAttempts([rec(d1!, T + 1_000, false)]);
      await s.recordAttempts([rec(d2!, T + 61_000, true), rec(d1!, T + 62_000, true)]);
      await s.recordAttempts([rec(d3!, T + 121_000, false)]);
      const stats = await s.stats('e1', { from: T, to: T + 180_000, bucketMs: 120_000 });
      assert.deepEqual(stats.buckets, [
        { at: T, succeeded: 2, failed: 1 },
        { at: T + 120_000, succeeded: 0, failed: 1 },
      ]);
      assert.deepEqual([stats.attempts, stats.succeeded, stats.lastError?.at], [4, 2, T + 121_000]);
      assert.ok(near(stats.lagP50Ms, 61_000) && near(stats.lagP99Ms, 62_000), `${stats.lagP50Ms}`);
      const later = await s.stats('e1', { from: T + 60_000, to: T + 180_000, bucketMs: 60_000 });
      assert.deepEqual(later.buckets, [
        { at: T + 60_000, succeeded: 2, failed: 0 },
        { at: T + 120_000, succeeded: 0, failed: 1 },
      ]);
    }),
  );

  test(
    `${name}: replay by time range or id queues deliveries again; an older round's outcome does not undo it`,
    only,
    () =>
      withStore(async (s) => {
        await s.createEndpoint(endpoint('e1'));
        await s.enqueue([delivery('d1', 'e1', 1000), delivery('d2', 'e1', 2000), delivery('d3', 'e1', 3000)]);
        const taken = await s.due(3000, 10);
        const ok = (d: Delivery) => ({
          delivery: d,
          attempt: { deliveryId: d.id, at: 3500, status: 200, latencyMs: 1, error: null },
          retryAt: null,
        });
        await s.recordAttempts(taken.map(ok));
        assert.equal(await s.replay('e1', { from: 1500, to: 3000 }, 4000), 1);
        assert.equal(await s.replay('e1', { ids: ['d1', 'nope'] }, 4000), 1);
        const replayed = await s.due(4000, 10);
        assert.deepEqual(replayed.map((d) => d.id).sort(), ['d1', 'd2']);
        // An outcome recorded for the round before the replay leaves the replay pending.
        await s.recordAttempts([ok(taken.find((d) => d.id === 'd1')!)]);
        assert.deepEqual(await s.backlog(), new Map([['e1', 2]]));
      }),
  );

  if (factory.leaseMs !== undefined) {
    const leaseMs = factory.leaseMs;
    test(`${name}: a due delivery goes to one sender until its lease ends`, only, () =>
      withStore(async (s) => {
        await s.createEndpoint(endpoint('e1'));
        await s.enqueue([delivery('d1', 'e1', 1000)]);
        assert.equal((await s.due(2000, 10)).length, 1);
        assert.deepEqual(await s.due(2000, 10), [], 'another sender gets nothing');
        assert.deepEqual(await s.due(2000 + leaseMs - 1, 10), []);
        assert.equal((await s.due(2000 + leaseMs, 10)).length, 1, 'a dead sender’s delivery is due again');
      }),
    );
  }
}
