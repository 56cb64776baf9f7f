/**
 * Retention on both engines: a cohort table worked out by hand, then random events and
 * definitions where DuckDB, PostgreSQL and the brute-force reference agree.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Problem } from '../src/domain/errors.ts';
import { resolveRetention } from '../src/insights/kinds/retention/retention.resolve.ts';
import type { RetentionResult } from '../src/insights/kinds/retention/retention.query.ts';
import type { RetentionDefinition } from '../src/insights/kinds/retention/retention.schema.ts';
import { event } from './conformance/event-store.conformance.ts';
import { personKey, referenceRetention } from './insights/reference.ts';
import { insightsSetup } from './insights/setup.ts';

const D = (month: number, day: number, hour = 12) => Date.UTC(2026, month - 1, day, hour);
const NOW = D(3, 25); // a Wednesday
const setup = insightsSetup(NOW);
const { engines } = setup;
const answer = (e: (typeof engines)[number], tenantId: string, def: unknown) =>
  setup.answer<RetentionResult>(e, tenantId, def);

describe('retention', () => {
  test('weekly: who signed up each week, and who came back the weeks after', async () => {
    const t = await setup.tenant();
    let n = 0;
    const ev = (at: number, name: string, user: string) =>
      event({
        tenantId: t.id,
        appId: t.web,
        name,
        occurredAt: at,
        actor: { userId: user },
        clientId: `${n++}`,
      });
    await setup.load(
      [
        ev(D(3, 2), 'signed_up', 'ann'), // week of 2 March
        ev(D(3, 10), 'used', 'ann'), // +1
        ev(D(3, 24), 'used', 'ann'), // +3
        ev(D(3, 3), 'signed_up', 'bob'),
        ev(D(3, 4), 'used', 'bob'), // the same week: period 0
        ev(D(3, 17), 'used', 'bob-phone'), // +2, as bob
        ev(D(3, 9), 'signed_up', 'cid'), // week of 9 March
        ev(D(3, 11), 'used', 'cid'),
        ev(D(2, 20), 'signed_up', 'dan'), // before the range: not a first time in it
        ev(D(3, 12), 'signed_up', 'dan'),
      ],
      [[t.id, 'bob-phone', 'bob']],
    );
    for (const e of engines) {
      const r = await answer(e, t.id, {
        kind: 'retention',
        start: { event: 'signed_up' },
        return: { event: '*' },
        period: 'week',
        periods: 4,
        range: { from: '2026-03-02', to: '2026-03-16' },
      });
      assert.deepEqual(
        r.cohorts.map((c) => [c.cohort, c.values]),
        [
          ['2026-03-02', [2, 1, 1, 1]],
          ['2026-03-09', [1, 0, 0, null]],
        ],
        `${e.name}: the week of 30 March is to come`,
      );
      assert.deepEqual(r.average, [1, 1 / 3, 1 / 3, 0.5], e.name);
      const recurring = await answer(e, t.id, {
        kind: 'retention',
        start: { event: 'signed_up' },
        return: { event: 'used' },
        cohort: 'recurring',
        periods: 2,
        range: { from: '2026-03-09', to: '2026-03-16' },
      });
      assert.deepEqual(recurring.cohorts, [{ cohort: '2026-03-09', size: 2, values: [2, 0] }], e.name);
    }
  });

  const random = async (rollup: boolean) => {
    const arbEvent = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      // Dense: a few people, most of their events in the weeks the cohorts follow.
      at: fc.oneof(
        { arbitrary: fc.integer({ min: D(3, 1, 0), max: D(3, 26, 0) }), weight: 5 },
        { arbitrary: fc.integer({ min: D(1, 20, 0), max: D(3, 30, 0) }), weight: 1 },
      ),
      user: fc.constantFrom('u1', 'u2', 'u3', undefined),
      company: fc.constantFrom(undefined, 'Acme', 'Globex'),
      plan: fc.constantFrom(undefined, 'pro', 'free'),
    });
    const arbDef = fc
      .record(
        {
          start: fc.record({ event: fc.constantFrom<string | string[]>('a', ['a', 'b'], '*') }),
          return: fc.record(
            {
              event: fc.constantFrom<string | string[]>('b', '*', '*'),
              filters: fc.constantFrom([], [{ field: 'properties.plan', op: '=', value: 'pro' }]),
            },
            { requiredKeys: ['event'] },
          ),
          period: fc.constantFrom('day', 'week', 'week', 'month'),
          periods: fc.integer({ min: 2, max: 10 }),
          cohort: fc.constantFrom('first_time', 'recurring'),
          unit: fc.constantFrom('person', 'company'),
          timezone: fc.constantFrom('UTC', 'Europe/Amsterdam', 'Pacific/Auckland'),
          range: fc.record({
            from: fc.constantFrom('2026-02-01', '2026-03-01', '2026-03-09'),
            to: fc.constantFrom('2026-03-16', '2026-03-26'),
          }),
          filters: fc.constantFrom([], [{ field: 'company', op: 'is set' }]),
        },
        { requiredKeys: ['start', 'return'] },
      )
      .map((d) =>
        // Any event in UTC per person, no filters: what the daily rollup answers.
        rollup
          ? {
              ...d,
              start: { event: '*' },
              return: { event: '*' },
              filters: [],
              unit: 'person',
              timezone: 'UTC',
            }
          : d,
      );
    const seed = process.env.USAGEHUB_FUZZ_SEED ? Number(process.env.USAGEHUB_FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { minLength: 20, maxLength: 80 }),
        fc.array(fc.tuple(fc.constantFrom('u1', 'u2', 'u3'), fc.constantFrom('p1', 'p2')), { maxLength: 2 }),
        arbDef,
        async (raw, links, partial) => {
          const t = await setup.tenant();
          const events = raw.map((r, i) =>
            event({
              tenantId: t.id,
              appId: t.web,
              name: r.name,
              occurredAt: r.at,
              actor: r.user ? { userId: r.user } : {},
              context: r.company ? { company: r.company } : {},
              properties: r.plan ? { plan: r.plan } : {},
              clientId: String(i),
            }),
          );
          await setup.load(
            events,
            links.map(([u, p]) => [t.id, u, p]),
          );
          const def = { kind: 'retention', ...partial } as RetentionDefinition;
          const problems: Problem[] = [];
          const ctx = { tenantId: t.id, apps: setup.apps(), now: NOW, problems };
          const resolved = await resolveRetention(structuredClone(def), ctx);
          if (problems.length) return; // a range of more than 52 days, refused: tested on its own
          const expected = referenceRetention(
            events,
            new Map(links.map(([u, p]) => [personKey(t.id, u), p])),
            resolved,
          );
          for (const e of engines) {
            const actual = await answer(e, t.id, structuredClone(def)).catch((err: Error) => err);
            if (actual instanceof Error) throw new Error(`${e.name}: ${actual.message}`, { cause: actual });
            assert.deepEqual(actual, expected, e.name);
          }
        },
      ),
      { numRuns: Number(process.env.USAGEHUB_FUZZ_RUNS ?? 60), seed, includeErrorInReport: true },
    );
  };

  test('random events and definitions: both engines give the reference’s answer', () => random(false));
  test('the same where the daily rollup answers (any event, UTC, whole days)', () => random(true));

  test('a range of more cohorts than 52 is refused, naming range', async () => {
    const t = await setup.tenant();
    const problems = await setup.problems(t.id, {
      kind: 'retention',
      start: { event: 'a' },
      return: { event: 'b' },
      period: 'day',
      range: { from: '2026-01-01', to: '2026-03-01' },
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      ['range'],
    );
  });
});
