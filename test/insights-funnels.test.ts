/**
 * Funnels on both engines: a scenario worked out by hand, then random events and
 * definitions where DuckDB, PostgreSQL and the brute-force reference agree
 * (USAGEHUB_FUZZ_SEED replays a failure, USAGEHUB_FUZZ_RUNS sets how many).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Problem } from '../src/domain/errors.ts';
import type { UsageEvent } from '../src/domain/event.ts';
import { resolveFunnels } from '../src/insights/kinds/funnels/funnels.resolve.ts';
import type { FunnelsDefinition } from '../src/insights/kinds/funnels/funnels.schema.ts';
import type { FunnelsResult } from '../src/insights/kinds/funnels/funnels.result.ts';
import { event } from './conformance/event-store.conformance.ts';
import { personKey, referenceFunnels, useTraits } from './insights/reference.ts';
import { assertClose, insightsSetup } from './insights/setup.ts';

const H = 3600_000;
const D = (day: number, hour = 12) => Date.UTC(2026, 2, day, hour);
const NOW = D(31, 12);
const setup = insightsSetup(NOW);
const { engines } = setup;
const answer = (e: (typeof engines)[number], tenantId: string, def: unknown) =>
  setup.answer<FunnelsResult>(e, tenantId, def);

describe('funnels', () => {
  test('signed up, then exported within 7 days: who converted, who dropped, how long it took', async () => {
    const t = await setup.tenant();
    let n = 0;
    const ev = (at: number, name: string, user: string, p: Partial<UsageEvent> = {}) =>
      event({
        tenantId: t.id,
        appId: t.web,
        name,
        occurredAt: at,
        actor: { userId: user },
        clientId: `${n++}`,
        ...p,
      });
    await setup.load(
      [
        ev(D(2), 'signed_up', 'ann', { properties: { plan: 'pro' } }),
        ev(D(2) + 2 * H, 'exported', 'ann-laptop'), // ann, merged: 2 h later
        ev(D(3), 'signed_up', 'bob', { properties: { plan: 'free' } }),
        ev(D(12), 'exported', 'bob'), // 9 days: outside the window
        ev(D(4), 'signed_up', 'cid', { properties: { plan: 'free' } }),
        ev(D(5), 'exported', 'cid'), // a day later
        ev(D(5) + H, 'shared', 'cid'),
        ev(D(1), 'exported', 'dan'), // exported before signing up: not in order
        ev(D(2), 'signed_up', 'dan', { properties: { plan: 'pro' } }),
      ],
      [[t.id, 'ann-laptop', 'ann']],
    );
    for (const e of engines) {
      const r = await answer(e, t.id, {
        kind: 'funnels',
        range: { from: '2026-03-01', to: '2026-03-08' },
        steps: [{ event: 'signed_up' }, { event: 'exported' }, { event: 'shared' }],
        window: { value: 7, unit: 'day' },
      });
      const [s0, s1, s2] = r.groups[0]!.steps;
      assert.deepEqual([s0!.entered, s1!.entered, s2!.entered], [4, 2, 1], e.name);
      assert.deepEqual([s0!.dropped, s1!.dropped, s2!.dropped], [2, 1, 0], e.name);
      assert.equal(s1!.conversionFromFirst, 0.5, e.name);
      assert.equal(s2!.conversionFromPrevious, 0.5, e.name);
      assert.equal(s1!.medianSecondsFromPrevious, (2 * 3600 + 86400) / 2, `${e.name}: 2 h and 1 day`);
      assert.equal(s2!.p90SecondsFromPrevious, 3600, e.name);

      const byPlan = await answer(e, t.id, {
        kind: 'funnels',
        range: { from: '2026-03-01', to: '2026-03-08' },
        steps: [{ event: 'signed_up' }, { event: 'exported' }],
        breakdown: { by: 'properties.plan' },
        window: { value: 7, unit: 'day' },
      });
      assert.deepEqual(
        byPlan.groups.map((g) => [g.breakdown, g.steps[0]!.entered, g.steps[1]!.entered]),
        [
          [{ value: 'free' }, 2, 1],
          [{ value: 'pro' }, 2, 1],
        ],
        `${e.name}: which plan converts better`,
      );

      const anyOrder = await answer(e, t.id, {
        kind: 'funnels',
        range: { from: '2026-03-01', to: '2026-03-08' },
        steps: [{ event: 'signed_up' }, { event: 'exported' }],
        order: 'any',
        window: { value: 7, unit: 'day' },
      });
      assert.deepEqual(
        anyOrder.groups[0]!.steps.map((s) => s.entered),
        [4, 3],
        `${e.name}: dan's export before signing up counts in any order`,
      );

      const strict = await answer(e, t.id, {
        kind: 'funnels',
        range: { from: '2026-03-01', to: '2026-03-08' },
        steps: [{ event: 'exported' }, { event: 'shared' }],
        order: 'strict',
      });
      assert.deepEqual(
        strict.groups[0]!.steps.map((s) => s.entered),
        [3, 1],
        e.name,
      );
    }
  });

  test('bad definitions name their fields', async () => {
    const t = await setup.tenant();
    const fields = async (def: unknown) =>
      (await setup.problems(t.id, def)).map((p: Problem) => p.field).sort();
    assert.deepEqual(await fields({ kind: 'funnels', steps: [{ event: 'a' }] }), ['steps']);
    assert.deepEqual(
      await fields({
        kind: 'funnels',
        steps: [{ event: 'a' }, { event: 'b' }],
        window: { value: 60, unit: 'week' },
        order: 'sideways',
      }),
      ['order'],
    );
    assert.deepEqual(
      await fields({
        kind: 'funnels',
        steps: [{ event: 'a' }, { event: 'b' }],
        window: { value: 60, unit: 'week' },
      }),
      ['window'],
    );
  });

  test('random events and definitions: both engines give the reference’s answer', async () => {
    const propValue = fc.oneof(
      fc.constantFrom('pro', 'free', ''),
      fc.integer({ min: 0, max: 3 }),
      fc.constant(null),
    );
    const arbEvent = fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'x.1', 'x.2'),
      // Hours apart over two weeks, often the same instant: ties are broken by place.
      at: fc.integer({ min: 0, max: 14 * 24 }).map((h) => D(10, 0) + h * H),
      user: fc.constantFrom('u1', 'u2', 'u3', 'u4', undefined),
      company: fc.constantFrom(undefined, 'Acme', 'Globex'),
      props: fc.dictionary(fc.constantFrom('plan', 'n'), propValue, { maxKeys: 2 }),
    });
    const arbFilter = fc.oneof(
      fc.record({
        field: fc.constant('properties.plan'),
        op: fc.constantFrom('=', '!='),
        value: fc.constantFrom('pro', 'free'),
      }),
      fc.record({
        field: fc.constant('properties.n'),
        op: fc.constantFrom('>', '<='),
        value: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({ field: fc.constant('company'), op: fc.constantFrom('is set', 'is not set') }),
    );
    const arbStep = fc.record(
      {
        event: fc.constantFrom<string | string[]>('a', 'b', 'c', ['a', 'b'], 'x.*', '*'),
        filters: fc.array(arbFilter, { maxLength: 1 }),
      },
      { requiredKeys: ['event'] },
    );
    const arbDef = fc.record(
      {
        steps: fc.array(arbStep, { minLength: 2, maxLength: 4 }),
        filters: fc.array(arbFilter, { maxLength: 1 }),
        window: fc.record({ value: fc.integer({ min: 1, max: 72 }), unit: fc.constantFrom('hour', 'day') }),
        order: fc.constantFrom('ordered', 'strict', 'any'),
        unit: fc.constantFrom('person', 'company'),
        range: fc.record({
          from: fc.constantFrom('2026-03-10', '2026-03-14'),
          to: fc.constantFrom('2026-03-17', '2026-03-25'),
        }),
        timezone: fc.constantFrom('UTC', 'America/New_York'),
        breakdown: fc.record(
          {
            by: fc.constantFrom('properties.plan', 'company', 'properties.n', 'person.plan'),
            limit: fc.integer({ min: 1, max: 3 }),
          },
          { requiredKeys: ['by'] },
        ),
      },
      { requiredKeys: ['steps'] },
    );
    const seed = process.env.USAGEHUB_FUZZ_SEED ? Number(process.env.USAGEHUB_FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { maxLength: 40 }),
        fc.array(fc.tuple(fc.constantFrom('u1', 'u2', 'u3', 'u4'), fc.constantFrom('p1', 'p2')), {
          maxLength: 2,
        }),
        arbDef,
        fc.array(fc.tuple(fc.constantFrom('u1', 'u2', 'u3'), fc.constantFrom('pro', 'free')), {
          maxLength: 3,
        }),
        async (raw, links, partial, traits) => {
          const t = await setup.tenant();
          const events = raw.map((r, i) =>
            event({
              tenantId: t.id,
              appId: t.web,
              name: r.name,
              occurredAt: r.at,
              actor: r.user ? { userId: r.user } : {},
              context: r.company ? { company: r.company } : {},
              properties: r.props,
              clientId: String(i),
            }),
          );
          await setup.load(
            events,
            links.map(([u, p]) => [t.id, u, p]),
            traits.map(([u, plan]) => [t.id, u, { plan }]),
          );
          useTraits(new Map(traits.map(([u, plan]) => [personKey(t.id, u), { plan }])));
          const def = { kind: 'funnels', ...partial } as FunnelsDefinition;
          const ctx = {
            tenantId: t.id,
            apps: setup.apps(),
            now: NOW,
            problems: [] as Problem[],
          };
          const persons = new Map(links.map(([u, p]) => [personKey(t.id, u), p]));
          const expected = referenceFunnels(events, persons, await resolveFunnels(structuredClone(def), ctx));
          for (const e of engines) {
            const actual = await answer(e, t.id, structuredClone(def)).catch((err: Error) => err);
            if (actual instanceof Error) throw new Error(`${e.name}: ${actual.message}`, { cause: actual });
            assertClose(actual, expected, e.name);
          }
        },
      ),
      { numRuns: Number(process.env.USAGEHUB_FUZZ_RUNS ?? 60), seed, includeErrorInReport: true },
    );
  });
});
