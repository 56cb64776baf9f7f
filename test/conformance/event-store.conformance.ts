/**
 * The EventStore conformance suite: the same events applied to every adapter give the
 * same answers to the same queries, and applying is idempotent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageEvent } from '../../src/domain/event.ts';
import { dedupKey } from '../../src/domain/dedup.ts';
import { encodeBatch } from '../../src/ingest/encode.ts';
import type { LogBatch } from '../../src/log/event-log.port.ts';
import type { EventStore } from '../../src/store/event-store.port.ts';
import { GROUP_BYS } from '../../src/store/queries.ts';
import { seqOf } from '../../src/store/seq.ts';
import { hitQueries } from '../../src/dialects/hits/hit-queries.ts';
import { sessionQueries } from '../../src/dialects/sessions/session-queries.ts';

function encodedDocs(events: UsageEvent[]): string {
  const encoded = encodeBatch(events);
  if (encoded.outcome !== 'ok') throw new Error('test events must encode');
  return encoded.batch.docs;
}

export interface StoreFactory {
  /** Why the adapter's engine is unavailable: its tests are skipped, showing this. */
  skip?: string;
  place(): string;
  open(place: string): Promise<EventStore>;
}

const T = 'ten_a';
const H = 3600_000;
const d1 = Date.UTC(2026, 10, 1);

export function event(p: Partial<UsageEvent> & { name: string; occurredAt: number }): UsageEvent {
  const base: UsageEvent = {
    tenantId: T,
    appId: 'app_1',
    source: 'native',
    category: null,
    receivedAt: d1 + 100 * H,
    actor: {},
    session: {},
    count: 1,
    context: {},
    properties: {},
    clientId: null,
    dedupKey: '',
    raw: null,
    ...p,
  };
  return {
    ...base,
    dedupKey: dedupKey(base.tenantId, base.appId, base.occurredAt, { content: JSON.stringify(p) }),
  };
}

export function logBatch(offset: number, events: UsageEvent[]): LogBatch {
  return { offset, docs: encodedDocs(events), count: events.length };
}

export const dataset: LogBatch[] = [
  logBatch(1, [
    event({ name: 'login', occurredAt: d1 + 9 * H, actor: { email: 'ann@x.com' }, clientId: 'c1' }),
    event({ name: 'login', occurredAt: d1 + 10 * H, actor: { email: 'bob@x.com' } }),
  ]),
  logBatch(2, [
    event({ name: 'search', occurredAt: d1 + 10 * H, actor: { userId: 'u-ann', email: 'ann@x.com' } }),
    event({ name: 'sync', occurredAt: d1 + 30 * H, appId: 'app_2', actor: { deviceId: 'dev-9' }, count: 7 }),
    event({ name: 'login', occurredAt: d1 + 31 * H, actor: { email: 'ann@x.com' } }),
  ]),
  logBatch(3, [
    event({ name: 'login', occurredAt: d1 + 10 * H, tenantId: 'ten_other', actor: { email: 'eve@x.com' } }),
  ]),
];

/** Several queries' answers at once, to compare a store before and after something. */
async function answers(store: EventStore): Promise<unknown[]> {
  return Promise.all([
    ...GROUP_BYS.map((groupBy) => store.counts({ tenantId: T, interval: 'hour', groupBy })),
    store.distinctUsers({ tenantId: T, interval: 'day' }),
    store.topUsers({ tenantId: T, limit: 10 }),
    store.usage({ tenantId: T, dimensions: ['app'], interval: 'day' }),
  ]);
}

export function eventStoreConformance(name: string, factory: StoreFactory): void {
  const only = { skip: factory.skip };
  const withStore = async (fn: (store: EventStore) => Promise<void>) => {
    const store = await factory.open(factory.place());
    try {
      await store.apply(dataset);
      await fn(store);
    } finally {
      await store.close();
    }
  };

  test(`${name}: apply is idempotent and tracks the applied offset`, only, () =>
    withStore(async (store) => {
      assert.equal(await store.appliedOffset(), 3);
      const before = await answers(store);
      await store.apply(dataset);
      await store.apply(dataset.slice(1));
      assert.equal(await store.eventCount(T), 5);
      assert.equal(await store.eventCount('ten_other'), 1);
      // Nothing derived from the events (rollups included) counts a replay.
      assert.deepEqual(await answers(store), before);
    }),
  );

  test(
    `${name}: documents written before the head-first layout are stored as the same events`,
    only,
    async () => {
      // Properties and payloads that look like the layout's marks, inside and out of strings.
      const tricky = (e: UsageEvent): UsageEvent => ({
        ...e,
        context: { company: 'Acme', domain: 'acme.com' },
        properties: { properties: { dedupKey: 'x' }, note: ',"properties":{"a":1}}' },
        raw: { dedupKey: e.dedupKey, properties: [',"dedupKey":"'] },
      });
      const events = dataset.map((b) => b.docs.split('\n').map((d) => tricky(JSON.parse(d) as UsageEvent)));
      const current = events.map((list, i) => ({
        offset: i + 1,
        docs: encodedDocs(list),
        count: list.length,
      }));
      // As ingest wrote them before: the event as mapped, properties before clientId.
      const earlier = events.map((list, i) => ({
        offset: i + 1,
        docs: list.map((e) => JSON.stringify(e)).join('\n'),
        count: list.length,
      }));
      assert.notEqual(current[0]!.docs, earlier[0]!.docs);
      const stores = [await factory.open(factory.place()), await factory.open(factory.place())];
      try {
        await stores[0]!.apply(current);
        await stores[1]!.apply(earlier);
        const [a, b] = await Promise.all(stores.map((s) => answers(s)));
        assert.deepEqual(a, b);
        const companies = await stores[0]!.usage({ tenantId: T, dimensions: ['company'], interval: 'day' });
        assert.ok(JSON.stringify(companies).includes('Acme'), "the head's context is stored");
        assert.equal(await stores[0]!.eventCount(T), 5);
      } finally {
        for (const s of stores) await s.close();
      }
    },
  );

  test(
    `${name}: holes go to quarantine, trials roll back, a quarantined event can be applied again`,
    only,
    async () => {
      const store = await factory.open(factory.place());
      try {
        const at = d1 + 50 * H;
        const batch = logBatch(7, [
          event({ name: 'q1', occurredAt: at, actor: { email: 'q@x.com' } }),
          event({ name: 'q2', occurredAt: at + 1, actor: { email: 'q@x.com' } }),
          event({ name: 'q3', occurredAt: at + 2 }),
        ]);
        const held = batch.docs.split('\n')[1]!;
        await store.apply([{ ...batch, holes: [{ index: 1, reason: 'held for the test' }] }]);
        assert.equal(await store.eventCount(T), 2, 'the hole is not stored');
        assert.equal(await store.appliedOffset(), 7);
        const seq = seqOf({ offset: 7, index: 1 });
        const [entry, ...rest] = await store.quarantined({ tenantId: T, limit: 10 });
        assert.deepEqual(rest, []);
        assert.equal(entry!.seq, seq);
        assert.equal(entry!.tenantId, T);
        assert.equal(entry!.reason, 'held for the test');
        assert.equal(entry!.attempts, 1);
        assert.deepEqual(await store.quarantined({ tenantId: 'ten_other', limit: 10 }), []);
        assert.equal(await store.quarantineCount(), 1);

        // Trials change nothing, and tell a poisoned batch from a good one.
        const good = logBatch(8, [event({ name: 'q4', occurredAt: at + 3 })]);
        assert.equal(await store.trial(good), null);
        const poison = { ...good, docs: good.docs.replace(/"count":1/, '"count":1e400') };
        assert.notEqual(await store.trial(poison), null);
        assert.equal(await store.eventCount(T), 2);

        assert.deepEqual(await store.reapply(seq, held), { outcome: 'applied' });
        assert.equal(await store.eventCount(T), 3);
        assert.deepEqual(await store.quarantined({ tenantId: null, limit: 10 }), []);
        assert.deepEqual(await store.reapply(seq, held), { outcome: 'not_found' });

        // A poisoned event set aside stays there when applied again, with one more attempt.
        await store.apply([{ ...poison, holes: [{ index: 0, reason: 'poison' }] }]);
        const poisonSeq = seqOf({ offset: 8, index: 0 });
        const retried = await store.reapply(poisonSeq, poison.docs);
        assert.equal(retried.outcome, 'failed');
        const [again] = await store.quarantined({ tenantId: T, limit: 10 });
        assert.equal(again!.attempts, 2);
        assert.equal(await store.eventCount(T), 3);
      } finally {
        await store.close();
      }
    },
  );

  test(`${name}: counts are the same whether or not a rollup can answer them`, only, () =>
    withStore(async (store) => {
      for (const groupBy of GROUP_BYS) {
        const whole = await store.counts({
          tenantId: T,
          interval: 'day',
          groupBy,
          from: d1,
          to: d1 + 48 * H,
        });
        // A bound inside an hour leaves only the raw events to answer.
        const raw = await store.counts({
          tenantId: T,
          interval: 'day',
          groupBy,
          from: d1,
          to: d1 + 48 * H - 1,
        });
        assert.deepEqual(raw, whole, groupBy);
      }
    }),
  );

  test(`${name}: counts by interval and group, summing counts, per tenant`, only, () =>
    withStore(async (store) => {
      assert.deepEqual(await store.counts({ tenantId: T, interval: 'day', groupBy: 'name' }), [
        { bucket: '2026-11-01T00:00:00Z', key: 'login', events: 2 },
        { bucket: '2026-11-01T00:00:00Z', key: 'search', events: 1 },
        { bucket: '2026-11-02T00:00:00Z', key: 'sync', events: 7 },
        { bucket: '2026-11-02T00:00:00Z', key: 'login', events: 1 },
      ]);
      assert.deepEqual(
        await store.counts({ tenantId: T, interval: 'hour', from: d1 + 10 * H, to: d1 + 11 * H }),
        [{ bucket: '2026-11-01T10:00:00Z', key: null, events: 2 }],
      );
      assert.deepEqual(
        await store.counts({ tenantId: T, interval: 'day', groupBy: 'app', appIds: ['app_2'] }),
        [{ bucket: '2026-11-02T00:00:00Z', key: 'app_2', events: 7 }],
      );
      assert.deepEqual(
        await store.counts({ tenantId: T, interval: 'day', groupBy: 'user', names: ['search'] }),
        [{ bucket: '2026-11-01T00:00:00Z', key: 'u-ann', events: 1 }],
      );
    }),
  );

  test(`${name}: distinct users (userId, else email, else device) and top users`, only, () =>
    withStore(async (store) => {
      assert.deepEqual(await store.distinctUsers({ tenantId: T, interval: 'day' }), [
        { bucket: '2026-11-01T00:00:00Z', users: 3 },
        { bucket: '2026-11-02T00:00:00Z', users: 2 },
      ]);
      assert.deepEqual(await store.topUsers({ tenantId: T, limit: 2 }), [
        { user: 'dev-9', events: 7 },
        { user: 'ann@x.com', events: 2 },
      ]);
    }),
  );

  test(`${name}: keys linked to one person are counted once, by every user query`, only, () =>
    withStore(async (store) => {
      // ann@x.com and u-ann (Nov 1, 10:00, one event naming both) become one person.
      await store.linkPersons([
        { tenantId: T, userKey: 'ann@x.com', personId: 'prs_ann' },
        { tenantId: T, userKey: 'u-ann', personId: 'prs_other' },
        { tenantId: 'ten_other', userKey: 'eve@x.com', personId: 'prs_ann' },
      ]);
      // A later merge links again: the latest link wins, in another call or in the same.
      await store.linkPersons([
        { tenantId: T, userKey: 'u-ann', personId: 'prs_third' },
        { tenantId: T, userKey: 'u-ann', personId: 'prs_ann' },
      ]);
      const days = [
        { bucket: '2026-11-01T00:00:00Z', users: 2 },
        { bucket: '2026-11-02T00:00:00Z', users: 2 },
      ];
      assert.deepEqual(await store.distinctUsers({ tenantId: T, interval: 'day' }), days, 'from the rollup');
      assert.deepEqual(
        await store.distinctUsers({ tenantId: T, interval: 'day', from: d1 + 1 }),
        days,
        'from events',
      );
      assert.deepEqual(await store.distinctUsers({ tenantId: T, interval: 'day', appIds: ['app_1'] }), [
        { bucket: '2026-11-01T00:00:00Z', users: 2 },
        { bucket: '2026-11-02T00:00:00Z', users: 1 },
      ]);
      assert.deepEqual(
        (
          await store.distinctUsers({ tenantId: T, interval: 'hour', from: d1 + 10 * H, to: d1 + 11 * H })
        ).map((r) => r.users),
        [2],
      );
      // The person's events summed, shown by their key with the most events.
      assert.deepEqual(await store.topUsers({ tenantId: T, limit: 3 }), [
        { user: 'dev-9', events: 7 },
        { user: 'ann@x.com', events: 3 },
        { user: 'bob@x.com', events: 1 },
      ]);
      assert.deepEqual(
        await store.topUsers({ tenantId: T, limit: 3, from: d1, to: d1 + 24 * H }),
        [
          { user: 'ann@x.com', events: 2 },
          { user: 'bob@x.com', events: 1 },
        ],
        'whole days: from the rollups',
      );
    }),
  );

  test(`${name}: daily distinct users are the same from the rollup and from raw events`, only, () =>
    withStore(async (store) => {
      // An event for an earlier day arrives later; a user active in two apps counts once.
      await store.apply([
        logBatch(4, [
          event({ name: 'late', occurredAt: d1 + 11 * H, actor: { email: 'bob@x.com' } }),
          event({ name: 'sync', occurredAt: d1 + 32 * H, appId: 'app_2', actor: { email: 'ann@x.com' } }),
        ]),
      ]);
      const viaRollup = await store.distinctUsers({ tenantId: T, interval: 'day' });
      // A bound that is not a whole day, or a name filter, makes the store scan events.
      const viaEvents = await store.distinctUsers({ tenantId: T, interval: 'day', from: d1 + 1 });
      assert.deepEqual(viaRollup, [
        { bucket: '2026-11-01T00:00:00Z', users: 3 },
        { bucket: '2026-11-02T00:00:00Z', users: 2 },
      ]);
      assert.deepEqual(viaEvents, viaRollup);
      const oneApp = await store.distinctUsers({ tenantId: T, interval: 'day', appIds: ['app_2'] });
      assert.deepEqual(oneApp, [{ bucket: '2026-11-02T00:00:00Z', users: 2 }]);
      assert.deepEqual(
        await store.distinctUsers({ tenantId: T, interval: 'day', appIds: ['app_2'], from: d1 + 1 }),
        oneApp,
      );
      assert.deepEqual(
        await store.distinctUsers({ tenantId: T, interval: 'day', from: d1 + 24 * H, to: d1 + 48 * H }),
        [{ bucket: '2026-11-02T00:00:00Z', users: 2 }],
      );
      assert.deepEqual(await store.distinctUsers({ tenantId: T, interval: 'day', names: ['search'] }), [
        { bucket: '2026-11-01T00:00:00Z', users: 1 },
      ]);
    }),
  );

  test(`${name}: top and distinct users over any whole-day range match the raw events`, only, async () => {
    const store = await factory.open(factory.place());
    try {
      const day = 86400_000;
      const oct30 = Date.UTC(2026, 9, 30);
      // 40 days from Oct 30 to Dec 8, users with different habits, two apps.
      const events = [];
      for (let d = 0; d < 40; d++)
        for (let u = 0; u < 6; u++)
          if ((d + u) % (u + 1) === 0)
            events.push(
              event({
                name: 'tick',
                occurredAt: oct30 + d * day + 3600_000 * (u + 1),
                appId: u % 2 ? 'app_1' : 'app_2',
                actor: { userId: `u${u}` },
                count: 1 + ((d * u) % 4),
              }),
            );
      await store.apply([logBatch(10, events)]);
      const at = (y: number, m: number, d: number) => Date.UTC(y, m, d);
      const ranges: [number | undefined, number | undefined][] = [
        [at(2026, 9, 31), at(2026, 10, 2)], // two months, a day of each
        [at(2026, 10, 1), at(2026, 11, 1)], // one whole month
        [at(2026, 10, 3), at(2026, 10, 29)], // most of a month
        [at(2026, 10, 10), at(2026, 10, 12)], // a little of a month
        [at(2026, 9, 30), at(2026, 11, 8)], // all of it, cutting both ends
        [undefined, at(2026, 10, 20)],
        [at(2026, 10, 20), undefined],
        [undefined, undefined],
      ];
      const raw = { names: ['tick'] }; // a name filter makes every store scan the events
      for (const [from, to] of ranges)
        for (const appIds of [undefined, ['app_1'], ['app_1', 'app_2']]) {
          const q = { tenantId: T, from, to, appIds };
          const label = JSON.stringify(q);
          assert.deepEqual(
            await store.topUsers({ ...q, limit: 4 }),
            await store.topUsers({ ...q, ...raw, limit: 4 }),
            label,
          );
          assert.deepEqual(
            await store.distinctUsers({ ...q, interval: 'day' }),
            await store.distinctUsers({ ...q, ...raw, interval: 'day' }),
            label,
          );
        }
    } finally {
      await store.close();
    }
  });

  test(`${name}: locate pages through events in stored order, with filters, as refs into the log`, only, () =>
    withStore(async (store) => {
      const first = await store.locate({ tenantId: T, limit: 3 });
      assert.equal(first.refs.length, 3);
      assert.ok(first.next);
      const rest = await store.locate({ tenantId: T, limit: 3, after: first.next });
      assert.equal(rest.next, null);
      // The dataset's tenant-T events: batch 1 positions 0-1, batch 2 positions 0-2.
      assert.deepEqual(
        [...first.refs, ...rest.refs],
        [
          { offset: 1, index: 0 },
          { offset: 1, index: 1 },
          { offset: 2, index: 0 },
          { offset: 2, index: 1 },
          { offset: 2, index: 2 },
        ],
      );
      const filtered = await store.locate({ tenantId: T, limit: 10, names: ['login'], from: d1 + 10 * H });
      assert.deepEqual(filtered.refs, [
        { offset: 1, index: 1 },
        { offset: 2, index: 2 },
      ]);
      // The events explorer: newest first, resumed below the cursor; one event by its seq; by dialect.
      const newest = await store.locate({ tenantId: T, limit: 2, order: 'newest' });
      assert.deepEqual(newest.refs, [
        { offset: 2, index: 2 },
        { offset: 2, index: 1 },
      ]);
      const older = await store.locate({ tenantId: T, limit: 5, order: 'newest', after: newest.next! });
      assert.deepEqual(older.refs, [
        { offset: 2, index: 0 },
        { offset: 1, index: 1 },
        { offset: 1, index: 0 },
      ]);
      const seq = seqOf({ offset: 2, index: 1 });
      assert.deepEqual((await store.locate({ tenantId: T, limit: 1, seq })).refs, [{ offset: 2, index: 1 }]);
      assert.deepEqual((await store.locate({ tenantId: 'ten_b', limit: 1, seq })).refs, [], 'per tenant');
      assert.equal((await store.locate({ tenantId: T, limit: 10, sources: ['native'] })).refs.length, 5);
      assert.deepEqual((await store.locate({ tenantId: T, limit: 10, sources: ['segment'] })).refs, []);

      // A timeline: by event time, latest first, ties by arrival (latest first), paged through the ties.
      const at = [d1 + 5 * H, d1 + 9 * H, d1 + 5 * H, d1 + 1 * H, d1 + 9 * H];
      await store.apply([
        logBatch(
          10,
          at.map((occurredAt, i) => event({ tenantId: 'ten_t', name: 'x', occurredAt, clientId: `t${i}` })),
        ),
      ]);
      const refs = [];
      let after: string | undefined;
      do {
        const page = await store.locate({ tenantId: 'ten_t', limit: 2, order: 'latest', after });
        refs.push(...page.refs.map((r) => r.index));
        after = page.next ?? undefined;
      } while (after);
      assert.deepEqual(refs, [4, 1, 2, 0, 3]);
    }),
  );

  test(`${name}: categories, login targets and late arrival are grouped and filtered on`, only, async () => {
    const store = await factory.open(factory.place());
    try {
      const push = (p: Partial<UsageEvent> & { name: string; occurredAt: number }) =>
        event({ source: 'push', tenantId: 'ten_p', receivedAt: p.occurredAt + 60_000, ...p });
      await store.apply([
        logBatch(1, [
          push({ name: 'login', category: 'Login', occurredAt: d1 + H, context: { targetApp: 'app_crm' } }),
          push({
            name: 'login',
            category: 'Login',
            occurredAt: d1 + 2 * H,
            context: { targetApp: 'app_crm' },
          }),
          push({
            name: 'login',
            category: 'Login',
            occurredAt: d1 + 3 * H,
            context: { targetApp: 'app_wiki' },
          }),
          push({ name: 'opened', category: 'Read', occurredAt: d1 + 4 * H }),
          // Arrived 13 hours after it happened: late.
          push({ name: 'opened', category: 'Read', occurredAt: d1 + 5 * H, receivedAt: d1 + 18 * H }),
          // Exactly 12 hours: still within the window.
          push({ name: 'opened', category: 'Read', occurredAt: d1 + 6 * H, receivedAt: d1 + 18 * H }),
        ]),
      ]);
      const q = { tenantId: 'ten_p', interval: 'day' as const };
      const byKey = (rows: { key: string | null; events: number }[]) =>
        Object.fromEntries(rows.map((r) => [r.key, r.events]));
      assert.deepEqual(byKey(await store.counts({ ...q, groupBy: 'category' })), { Login: 3, Read: 3 });
      assert.deepEqual(byKey(await store.counts({ ...q, categories: ['Login'], groupBy: 'targetApp' })), {
        app_crm: 2,
        app_wiki: 1,
      });
      assert.deepEqual(byKey(await store.counts({ ...q, groupBy: 'late' })), { false: 5, true: 1 });
      assert.deepEqual(byKey(await store.counts({ ...q, late: true })), { null: 1 });
      assert.deepEqual(byKey(await store.counts({ ...q, late: false, categories: ['Read'] })), { null: 2 });
    } finally {
      await store.close();
    }
  });

  test(`${name}: statistic hits per media, search type, connection mode and origin`, only, async () => {
    const store = await factory.open(factory.place());
    try {
      const hit = (name: string, properties: Record<string, unknown>, h = 1) =>
        event({ source: 'hits', tenantId: 'ten_h', name, occurredAt: d1 + h * H, properties });
      await store.apply([
        logBatch(1, [
          hit('PLAY', { origin: 0, medias: ['v'], watchedSeconds: 20 }),
          hit('PLAY', { origin: 0, medias: ['v'], watchedSeconds: 5 }, 2),
          hit('VIEW', { origin: 1, medias: ['v', 'i'] }),
          hit('DOWNLOAD', { origin: -1, medias: ['i'] }),
          hit('SEARCH', { origin: 0, search: { searchType: 'TEXT', resultCount: 4 } }),
          hit('SEARCH', { origin: 0, search: { searchType: 'TEXT', resultCount: 8 } }, 3),
          hit('CONNECTION', { origin: 0, connection: { mode: 'SSO', success: true } }),
          hit('CONNECTION', { origin: 0, connection: { mode: 'SSO', success: false } }, 2),
          // Not a hit: ignored by the hit queries.
          event({ tenantId: 'ten_h', name: 'PLAY', occurredAt: d1, properties: { medias: ['v'] } }),
        ]),
      ]);
      const q = { tenantId: 'ten_h' };
      assert.deepEqual(await hitQueries(store).mediaUsage(q), [
        { media: 'i', downloads: 1, views: 1, plays: 0, uploads: 0, secondsWatched: 0 },
        { media: 'v', downloads: 0, views: 1, plays: 2, uploads: 0, secondsWatched: 25 },
      ]);
      assert.deepEqual(await hitQueries(store).mediaUsage({ ...q, from: d1 + 2 * H }), [
        { media: 'v', downloads: 0, views: 0, plays: 1, uploads: 0, secondsWatched: 5 },
      ]);
      assert.deepEqual(await hitQueries(store).searchStats(q), [
        { searchType: 'TEXT', searches: 2, averageResultCount: 6 },
      ]);
      assert.deepEqual(await hitQueries(store).connectionStats(q), [
        { mode: 'SSO', attempts: 2, successes: 1, successRate: 0.5 },
      ]);
      assert.deepEqual(
        (await hitQueries(store).hitsByOrigin(q)).map((r) => `${r.origin}:${r.type}:${r.hits}`),
        ['-1:DOWNLOAD:1', '0:CONNECTION:2', '0:PLAY:2', '0:SEARCH:2', '1:VIEW:1'],
      );
    } finally {
      await store.close();
    }
  });

  test(`${name}: usage by company, domain, metric, app and environment; top companies`, only, async () => {
    const store = await factory.open(factory.place());
    try {
      const agg = (name: string, count: number, context: UsageEvent['context'], h = 1, appId = 'app_1') =>
        event({
          source: 'aggregated',
          tenantId: 'ten_u',
          name,
          count,
          context,
          occurredAt: d1 + h * H,
          appId,
        });
      await store.apply([
        logBatch(1, [
          agg('primary', 10, {
            company: 'acme.com',
            domain: 'a.acme.com',
            environment: 'PROD',
            companyResolvedBy: 'domain',
          }),
          agg('primary', 5, { company: 'acme.com', domain: 'b.acme.com', environment: 'PROD' }),
          agg('secondary1', 2, { company: 'acme.com', domain: 'a.acme.com' }, 2, 'app_2'),
          agg(
            'primary',
            40,
            {
              company: 'globex.com',
              domain: 'globex.com',
              environment: 'DEV',
              companyResolvedBy: 'ip_range',
            },
            30,
          ),
          agg('primary', 1, { domain: 'gmail.com' }, 3),
        ]),
      ]);
      const q = { tenantId: 'ten_u' };
      assert.deepEqual(
        await store.usage({ ...q, interval: 'day', dimensions: ['company', 'activityType'] }),
        [
          { bucket: '2026-11-01T00:00:00Z', company: 'acme.com', activityType: 'primary', count: 15 },
          { bucket: '2026-11-01T00:00:00Z', company: 'acme.com', activityType: 'secondary1', count: 2 },
          { bucket: '2026-11-01T00:00:00Z', company: null, activityType: 'primary', count: 1 },
          { bucket: '2026-11-02T00:00:00Z', company: 'globex.com', activityType: 'primary', count: 40 },
        ],
      );
      assert.deepEqual(await store.usage({ ...q, interval: null, dimensions: ['app', 'environment'] }), [
        { bucket: null, app: 'app_1', environment: 'DEV', count: 40 },
        { bucket: null, app: 'app_1', environment: 'PROD', count: 15 },
        { bucket: null, app: 'app_2', environment: null, count: 2 },
        { bucket: null, app: 'app_1', environment: null, count: 1 },
      ]);
      // How each company was found, for the console's companies page.
      assert.deepEqual(await store.usage({ ...q, interval: null, dimensions: ['company', 'resolvedBy'] }), [
        { bucket: null, company: 'globex.com', resolvedBy: 'ip_range', count: 40 },
        { bucket: null, company: 'acme.com', resolvedBy: 'domain', count: 10 },
        { bucket: null, company: 'acme.com', resolvedBy: null, count: 7 },
        { bucket: null, company: null, resolvedBy: null, count: 1 },
      ]);
      assert.deepEqual(await store.topCompanies({ ...q, limit: 10 }), [
        { company: 'globex.com', count: 40, domains: 1 },
        { company: 'acme.com', count: 17, domains: 2 },
      ]);
      assert.deepEqual(await store.topCompanies({ ...q, limit: 1, to: d1 + 24 * H }), [
        { company: 'acme.com', count: 17, domains: 2 },
      ]);
    } finally {
      await store.close();
    }
  });

  test(
    `${name}: sessions joined from START, UPDATE and END in any order, with timeouts and conflicts`,
    only,
    async () => {
      const store = await factory.open(factory.place());
      try {
        const ev = (
          id: string | undefined,
          action: string,
          type: string,
          s: number,
          entities: unknown[] = [],
        ) =>
          event({
            source: 'sessions',
            tenantId: 'ten_s',
            name: type,
            occurredAt: d1 + s * 1000,
            session: { id, action },
            properties: { entities },
          });
        await store.apply([
          logBatch(1, [
            ev('s-closed', 'END', 'APPSTART', 100, [{ key: 'k', value: 'end' }]),
            ev('s-open', 'START', 'APPSTART', 3000),
            ev('s-waiting', 'END', 'APPSTART', 50),
          ]),
          logBatch(2, [
            ev('s-closed', 'START', 'APPSTART', 10, [
              { key: 'k', value: 'start' },
              { key: 'a', value: 1 },
            ]),
            ev('s-closed', 'UPDATE', 'APPSTART', 20),
            ev('s-stale', 'START', 'PAGEVIEW', 0),
            ev('s-twice', 'START', 'PAGEVIEW', 0),
            ev('s-twice', 'END', 'PAGEVIEW', 30),
            ev('s-twice', 'START', 'PAGEVIEW', 40),
            ev(undefined, 'UPDATE', 'PAGEVIEW', 5),
          ]),
        ]);
        const q = { tenantId: 'ten_s', idleMs: 600_000, now: d1 + 3300 * 1000, limit: 100 };
        const byId = Object.fromEntries((await sessionQueries(store).sessions(q)).map((r) => [r.session, r]));
        assert.deepEqual(Object.keys(byId).sort(), ['s-closed', 's-open', 's-stale', 's-twice', 's-waiting']);
        assert.equal(byId['s-closed']!.state, 'closed');
        assert.equal(byId['s-closed']!.durationSeconds, 90);
        assert.equal(byId['s-closed']!.updates, 1);
        assert.deepEqual(byId['s-closed']!.entities, [
          { key: 'k', value: 'end' },
          { key: 'a', value: 1 },
        ]);
        assert.equal(byId['s-open']!.state, 'open');
        assert.equal(byId['s-stale']!.state, 'timed_out');
        assert.equal(byId['s-waiting']!.state, 'waiting_for_start');
        assert.equal(byId['s-twice']!.starts, 2);
        assert.equal(byId['s-twice']!.durationSeconds, 30);
        assert.deepEqual(
          (await sessionQueries(store).sessions({ ...q, state: 'conflict' })).map((r) => r.session),
          ['s-twice'],
        );
        assert.deepEqual(await sessionQueries(store).sessionStats(q), [
          {
            type: 'APPSTART',
            sessions: 1,
            totalDurationSeconds: 90,
            p50DurationSeconds: 90,
            p90DurationSeconds: 90,
            open: 1,
            timedOut: 0,
          },
          {
            type: 'PAGEVIEW',
            sessions: 1,
            totalDurationSeconds: 30,
            p50DurationSeconds: 30,
            p90DurationSeconds: 30,
            open: 0,
            timedOut: 1,
          },
        ]);
        assert.deepEqual(await sessionQueries(store).sessionGauges(q.idleMs, q.now), {
          open: 1,
          timedOut: 1,
          conflicts: 1,
        });
      } finally {
        await store.close();
      }
    },
  );

  test(`${name}: stored events survive a reopen`, only, async () => {
    const place = factory.place();
    const store = await factory.open(place);
    await store.apply(dataset);
    await store.close();
    const again = await factory.open(place);
    try {
      assert.equal(await again.appliedOffset(), 3);
      assert.equal(await again.eventCount(T), 5);
    } finally {
      await again.close();
    }
  });
}
