/**
 * Trends on both engines: a scenario whose answers are worked out by hand, then random
 * events and definitions (fast-check) where DuckDB, PostgreSQL and the brute-force
 * reference (insights/reference.ts) must agree. A failure prints fast-check's seed:
 * USAGEHUB_FUZZ_SEED=<seed> replays it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { UsageEvent } from '../src/domain/event.ts';
import type { Problem } from '../src/domain/errors.ts';
import { resolveTrends } from '../src/insights/kinds/trends/trends.resolve.ts';
import { MATHS, type TrendsDefinition } from '../src/insights/kinds/trends/trends.schema.ts';
import type { TrendsResult } from '../src/insights/kinds/trends/trends.result.ts';
import { event } from './conformance/event-store.conformance.ts';
import { personKey, referenceTrends, useTraits } from './insights/reference.ts';
import { assertClose, insightsSetup } from './insights/setup.ts';
import { pgSkip } from './helpers/services.ts';

const D = (day: number, hour = 12) => Date.UTC(2026, 2, day, hour); // March 2026: DST on the 8th (US) and 29th (EU)
const NOW = D(31, 12);
const setup = insightsSetup(NOW);
const { engines } = setup;
let web = '';
let api = '';

async function newTenant(): Promise<string> {
  const t = await setup.tenant();
  web = t.web;
  api = t.api;
  return t.id;
}
const load = setup.load;
const answer = (e: (typeof engines)[number], tenantId: string, def: unknown) =>
  setup.answer<TrendsResult>(e, tenantId, def);
const problems = setup.problems;

describe('trends', () => {
  test('PostgreSQL is there to compare with', { skip: pgSkip }, () => {
    assert.equal(engines.length, 2);
  });

  test('a week of a product: events, unique persons, a breakdown, a statistic, compared with the week before', async () => {
    const t = await newTenant();
    const ev = (day: number, name: string, user: string, p: Partial<UsageEvent> = {}) =>
      event({
        tenantId: t,
        appId: web,
        name,
        occurredAt: D(day),
        actor: { userId: user },
        clientId: `${day}${name}${user}`,
        ...p,
      });
    const events = [
      ev(23, 'signed_up', 'ann', { properties: { plan: 'pro' } }),
      ev(23, 'exported', 'ann', { properties: { plan: 'pro', seconds: 10 } }),
      ev(24, 'exported', 'ann-phone', { properties: { plan: 'pro', seconds: 30 } }), // ann, merged
      ev(24, 'exported', 'bob', { properties: { plan: 'free', seconds: 20 }, count: 2 }),
      ev(25, 'exported', 'cid', { properties: { seconds: '40' } }), // text: no number, no plan
      ev(16, 'exported', 'bob', { properties: { plan: 'free', seconds: 5 } }), // the week before
      ev(24, 'exported', 'eve', { appId: api, properties: { plan: 'team', seconds: 50 } }),
    ];
    await load([...events, { ...events[0]!, tenantId: 'another tenant' }], [[t, 'ann-phone', 'ann']]);
    for (const e of engines) {
      const r = await answer(e, t, {
        kind: 'trends',
        range: { from: '2026-03-23', to: '2026-03-30' },
        series: [
          { event: 'exported', math: 'unique_persons' },
          { event: 'export*', math: 'events', filters: [{ field: 'app', op: '=', value: 'web' }] },
          { event: ['exported'], math: 'p90', property: 'seconds' },
        ],
        compare: true,
      });
      assert.deepEqual(
        r.buckets,
        ['2026-03-23', '2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29'],
        e.name,
      );
      const [persons, events7, p90] = r.series;
      assert.deepEqual(
        persons!.values,
        [1, 3, 1, 0, 0, 0, 0],
        `${e.name}: ann once on the 24th, with bob and eve`,
      );
      assert.equal(persons!.total, 4, e.name);
      assert.deepEqual(events7!.values, [1, 3, 1, 0, 0, 0, 0], `${e.name}: counts summed, app web only`);
      assert.equal(events7!.previous!.total, 1, e.name);
      assert.deepEqual(
        p90!.values.slice(0, 3),
        [10, 46, null],
        `${e.name}: 20, 30, 50 → p90 30 + 0.8 × 20; text is no number`,
      );
      assert.equal(r.previous!.buckets[0], '2026-03-16');

      const split = await answer(e, t, {
        kind: 'trends',
        range: { from: '2026-03-23', to: '2026-03-30' },
        interval: 'week',
        series: [{ event: 'exported' }],
        breakdown: { by: 'properties.plan', limit: 2 },
      });
      assert.deepEqual(
        split.series.map((s) => [s.breakdown, s.total]),
        [
          [{ value: 'free' }, 2],
          [{ value: 'pro' }, 2],
          [{ other: true }, 2],
        ],
        `${e.name}: pro and free tie at 2, ordered by value bytes; team and none are the other`,
      );
    }
  });

  test('buckets are in the time zone, across a change of summer time', async () => {
    const t = await newTenant();
    // 2026-03-29 00:30 and 23:30 in Amsterdam: 23:30 UTC on the 28th, 21:30 UTC on the 29th.
    const at = [Date.UTC(2026, 2, 28, 23, 30), Date.UTC(2026, 2, 29, 21, 30), Date.UTC(2026, 2, 29, 22, 30)];
    await load(
      at.map((occurredAt, i) => event({ tenantId: t, appId: web, name: 'x', occurredAt, clientId: `z${i}` })),
      [],
    );
    for (const e of engines) {
      const r = await answer(e, t, {
        kind: 'trends',
        timezone: 'Europe/Amsterdam',
        range: { from: '2026-03-29', to: '2026-03-31' },
        series: [{ event: 'x' }],
      });
      assert.deepEqual(r.buckets, ['2026-03-29', '2026-03-30'], e.name);
      assert.deepEqual(r.series[0]!.values, [2, 1], e.name);
      assert.equal(r.range.from, '2026-03-28T23:00:00.000Z');
      const hours = await answer(e, t, {
        kind: 'trends',
        timezone: 'Europe/Amsterdam',
        interval: 'hour',
        range: { from: '2026-03-29', to: '2026-03-30' },
        series: [{ event: 'x' }],
      });
      assert.equal(hours.buckets.length, 23, `${e.name}: the day has 23 hours`);
      assert.equal(hours.buckets.includes('2026-03-29T02:00'), false);
    }
  });

  test('bad definitions: every field at fault named, nothing asked of the store', async () => {
    const t = await newTenant();
    const fields = async (def: unknown) => (await problems(t, def)).map((p) => p.field).sort();
    assert.deepEqual(await fields({ kind: 'funnel' }), ['kind']);
    assert.deepEqual(await fields({ kind: 'trends', series: [] }), ['series']);
    assert.deepEqual(
      await fields({
        kind: 'trends',
        timezone: 'Mars/Olympus',
        range: { from: 'yesterday', to: '2026-03-01' },
        series: [
          { event: 'x', math: 'sum' },
          {
            event: 'y',
            filters: [
              { field: 'user.plan', op: '=', value: 'pro' },
              { field: 'app', op: '=', value: 'nope' },
            ],
          },
          {
            event: 'z',
            filters: [
              { field: 'properties.n', op: '>', value: 'ten' },
              { field: 'company', op: 'in', value: 'Acme' },
            ],
          },
        ],
        breakdown: { by: 'plan' },
      }),
      [
        'breakdown.by',
        'range.from',
        'series.0.property',
        'series.1.filters.0.field',
        'series.1.filters.1.value',
        'series.2.filters.0.value',
        'series.2.filters.1.value',
        'timezone',
      ],
    );
    assert.deepEqual(await fields({ kind: 'trends', series: [{ event: 'x', extra: 1 }] }), [
      'series.0.extra',
    ]);
    assert.deepEqual(
      await fields({
        kind: 'trends',
        interval: 'hour',
        range: { from: '2000-01-01', to: '2026-01-01' },
        series: [{ event: 'x' }],
      }),
      ['range'],
    );
    const many = Array.from({ length: 10_000 }, () => ({ field: 'properties.a', op: '=', value: 1 }));
    assert.deepEqual(await fields({ kind: 'trends', series: [{ event: 'x', filters: many }] }), [
      'series.0.filters',
    ]);
    const injection = await answer(engines[0]!, t, {
      kind: 'trends',
      range: 'last_7_days',
      series: [
        {
          event: "x'; DROP TABLE events; --",
          filters: [{ field: "properties.a') OR 1=1 --", op: 'is set' }],
        },
      ],
      breakdown: { by: 'properties."]}' },
    });
    assert.equal(injection.series.length, 0, 'no events, no breakdown values');
  });

  test('random events and definitions: both engines give the reference’s answer', async () => {
    const names = ['signed_up', 'exported', 'video.play', 'video.pause'];
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', undefined];
    const propValue = fc.oneof(
      fc.constantFrom('pro', 'free', 'Pro', 'é', ''),
      fc.integer({ min: -5, max: 100 }),
      fc.constantFrom(1.5, 0.25, true, false, null, '7', { nested: 1 }, [1]),
    );
    const arbEvent = fc.record({
      name: fc.constantFrom(...names),
      at: fc.integer({ min: D(5, 0), max: D(31, 0) }),
      user: fc.constantFrom(...users),
      company: fc.constantFrom(undefined, 'Acme', 'Globex'),
      web: fc.boolean(),
      source: fc.constantFrom('native' as const, 'segment' as const, 'posthog' as const),
      count: fc.integer({ min: 1, max: 3 }),
      props: fc.dictionary(fc.constantFrom('plan', 'seconds', 'tag'), propValue, { maxKeys: 3 }),
    });
    const arbFilter = fc.oneof(
      fc.record({
        field: fc.constantFrom('properties.plan', 'properties.tag'),
        op: fc.constantFrom('=', '!='),
        value: fc.constantFrom('pro', 'free', 1.5, true),
      }),
      fc.record({
        field: fc.constantFrom('properties.seconds'),
        op: fc.constantFrom('>', '>=', '<', '<='),
        value: fc.integer({ min: 0, max: 60 }),
      }),
      fc.record({
        field: fc.constantFrom('properties.plan', 'company'),
        op: fc.constant('in'),
        value: fc.constantFrom(['pro', 'Acme'], ['free']),
      }),
      fc.record({
        field: fc.constantFrom('properties.plan', 'company', 'dialect'),
        op: fc.constantFrom('is set', 'is not set'),
      }),
      fc.record({
        field: fc.constantFrom('company', 'properties.plan'),
        op: fc.constant('contains'),
        value: fc.constantFrom('c', 'r', 'P'),
      }),
      fc.record({
        field: fc.constant('app'),
        op: fc.constantFrom('=', '!='),
        value: fc.constantFrom('web', 'api'),
      }),
    );
    const arbSeries = fc.record(
      {
        event: fc.constantFrom<string | string[]>('exported', ['signed_up', 'exported'], 'video.*', '*'),
        math: fc.constantFrom(...MATHS),
        filters: fc.array(arbFilter, { maxLength: 2 }),
      },
      { requiredKeys: ['event', 'math'] },
    );
    const arbDef = fc.record(
      {
        series: fc.array(arbSeries, { minLength: 1, maxLength: 3 }),
        filters: fc.array(arbFilter, { maxLength: 2 }),
        interval: fc.constantFrom('hour', 'day', 'week', 'month'),
        timezone: fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'),
        range: fc.oneof(
          fc.constantFrom('last_7_days', 'this_month', 'today'),
          fc.record({
            from: fc.constantFrom('2026-03-06', '2026-03-20', '2026-03-28'),
            to: fc.constantFrom('2026-03-30', '2026-04-01'),
          }),
        ),
        breakdown: fc.record(
          {
            by: fc.constantFrom(
              'properties.plan',
              'properties.seconds',
              'company',
              'app',
              'dialect',
              'properties.tag',
              'person.plan',
            ),
            limit: fc.integer({ min: 1, max: 3 }),
          },
          { requiredKeys: ['by'] },
        ),
        compare: fc.boolean(),
      },
      { requiredKeys: ['series'] },
    );
    const seed = process.env.USAGEHUB_FUZZ_SEED ? Number(process.env.USAGEHUB_FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { maxLength: 40 }),
        fc.array(fc.tuple(fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5'), fc.constantFrom('p1', 'p2')), {
          maxLength: 3,
        }),
        arbDef,
        // Persons' current traits, under some of their keys.
        fc.array(
          fc.tuple(
            fc.constantFrom('u1', 'u2', 'u3', 'u4'),
            fc.record(
              { plan: fc.constantFrom('pro', 'free', 1), seats: fc.integer({ min: 0, max: 5 }) },
              { requiredKeys: [] },
            ),
          ),
          { maxLength: 4 },
        ),
        async (raw, links, partial, traits) => {
          const t = await newTenant();
          const events = raw.map((r, i) =>
            event({
              tenantId: t,
              appId: r.web ? web : api,
              source: r.source,
              name: r.name,
              occurredAt: r.at,
              actor: r.user ? { userId: r.user } : {},
              context: r.company ? { company: r.company } : {},
              count: r.count,
              properties: r.props,
              clientId: String(i),
            }),
          );
          await load(
            events,
            links.map(([u, p]) => [t, u, p]),
            traits.map(([u, tr]) => [t, u, tr]),
          );
          // The latest record of a key wins, as in the stores.
          useTraits(new Map(traits.map(([u, tr]) => [personKey(t, u), tr])));
          const def = {
            kind: 'trends',
            ...partial,
            series: partial.series.map((s) => ({
              ...s,
              ...(['sum', 'avg', 'min', 'max', 'median', 'p90'].includes(s.math)
                ? { property: 'seconds' }
                : {}),
            })),
          } as TrendsDefinition;
          const ctx = {
            tenantId: t,
            apps: setup.apps(),
            now: NOW,
            problems: [] as Problem[],
          };
          const persons = new Map(links.map(([u, p]) => [personKey(t, u), p]));
          const expected = referenceTrends(events, persons, await resolveTrends(structuredClone(def), ctx));
          for (const e of engines) {
            const actual = await answer(e, t, structuredClone(def)).catch((err: Error) => err);
            if (actual instanceof Error) throw new Error(`${e.name}: ${actual.message}`, { cause: actual });
            assertClose(actual, expected, e.name);
          }
        },
      ),
      { numRuns: Number(process.env.USAGEHUB_FUZZ_RUNS ?? 60), seed, includeErrorInReport: true },
    );
  });
});
