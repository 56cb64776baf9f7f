import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, type TestHub } from './helpers/server.ts';
import { ok } from './helpers/admin.ts';
import { UsageHubError } from '../src/domain/errors.ts';
import { insightsSetup } from './insights/setup.ts';

const budgetSetup = insightsSetup(Date.now());

const DAY = 86400_000;
const day0 = Date.UTC(2026, 10, 2); // a Monday
const at = (d: number, h = 10) => day0 + d * DAY + h * 3600_000;

describe('insights API', () => {
  let hub: TestHub;
  let theirs: { tenantId: string; appId: string; adminKey: string };
  before(async () => {
    hub = await startHub();
    const events = [
      {
        id: '1',
        app: 'web',
        name: 'signed_up',
        timestamp: at(0),
        userId: 'ann',
        properties: { plan: 'pro' },
      },
      {
        id: '2',
        app: 'web',
        name: 'exported',
        timestamp: at(1),
        userId: 'ann',
        properties: { plan: 'pro', rows: 10 },
      },
      {
        id: '3',
        app: 'web',
        name: 'exported',
        timestamp: at(1, 23),
        userId: 'bob',
        properties: { rows: 30 },
      },
      { id: '4', app: 'web', name: 'exported', timestamp: at(8), userId: 'bob', properties: { rows: 5 } },
    ];
    assert.equal((await hub.send(events)).statusCode, 200);
    const init = await hub.runtime.deps.admin.init('theirs');
    assert.equal(init.outcome, 'created');
    if (init.outcome !== 'created') return;
    const app = ok(await hub.runtime.deps.admin.createApp(init.tenant.id, 'theirs'));
    const ingest = await hub.runtime.deps.admin.createKey(init.tenant.id, 'ingest', 'theirs');
    const res = await hub.send(
      [{ app: 'theirs', name: 'exported', timestamp: at(1), userId: 'eve', properties: { plan: 'theirs' } }],
      { authorization: `Bearer ${ingest.secret}` },
    );
    assert.equal(res.statusCode, 200, res.body);
    theirs = { tenantId: init.tenant.id, appId: app.id, adminKey: init.adminKey.secret };
    assert.equal(await hub.storedCount(4), 4);
    await hub.settled(); // theirs too
  });
  after(() => hub.close());

  const query = (definition: unknown, key = hub.readKey) =>
    hub.app.inject({
      method: 'POST',
      url: '/v1/insights/query',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify(definition),
    });

  test('weekly unique persons and the rows they exported, in a time zone, with a breakdown by app', async () => {
    const res = await query({
      kind: 'trends',
      timezone: 'America/New_York',
      interval: 'week',
      range: { from: '2026-11-02', to: '2026-11-16' },
      series: [
        { event: 'exported', math: 'unique_persons' },
        { event: 'exported', math: 'sum', property: 'rows', label: 'rows exported' },
      ],
      breakdown: { by: 'app' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{
      buckets: string[];
      series: { label: string; values: number[]; breakdown: unknown }[];
    }>();
    assert.deepEqual(body.buckets, ['2026-11-02', '2026-11-09']);
    assert.deepEqual(
      body.series.map((s) => [s.label, s.breakdown, s.values]),
      [
        ['exported', { value: hub.appId }, [2, 1]],
        ['rows exported', { value: hub.appId }, [40, 5]],
      ],
      'their events never counted',
    );
    assert.ok(!res.body.includes(theirs.appId));
  });

  test('the other tenant sees its own events only', async () => {
    const res = await query(
      {
        kind: 'trends',
        range: { from: '2026-11-01', to: '2026-11-30' },
        series: [{ event: '*' }],
        breakdown: { by: 'properties.plan' },
      },
      theirs.adminKey,
    );
    assert.equal(res.statusCode, 200, res.body);
    const series = res.json<{ series: { breakdown: unknown; total: number }[] }>().series;
    assert.deepEqual(
      series.map((s) => [s.breakdown, s.total]),
      [[{ value: 'theirs' }, 1]],
    );
  });

  test('keys: read or admin; an ingest key is refused, no key is refused', async () => {
    const def = { kind: 'trends', series: [{ event: 'x' }] };
    assert.equal((await query(def, hub.adminKey)).statusCode, 200);
    assert.equal((await query(def, hub.ingestKey)).statusCode, 403);
    assert.equal((await query(def, 'nope')).statusCode, 401);
  });

  test('a bad definition: 400 invalid_request, each field named', async () => {
    const res = await query({ kind: 'trends', interval: 'fortnight', series: [{ event: 'x', math: 'sum' }] });
    assert.equal(res.statusCode, 400);
    const error = res.json<{ error: { code: string; details: { field: string; code: string }[] } }>().error;
    assert.equal(error.code, 'invalid_request');
    assert.deepEqual(
      error.details.map((d) => d.field),
      ['interval'],
    );
    const second = await query({
      kind: 'trends',
      series: [{ event: 'x', math: 'sum' }],
      breakdown: { by: 'user.plan' },
    });
    assert.deepEqual(
      second.json<{ error: { details: { field: string }[] } }>().error.details.map((d) => d.field),
      ['series.0.property', 'breakdown.by'],
    );
    assert.equal((await query('not an object')).statusCode, 400);
    assert.equal((await query([1, 2])).statusCode, 400);
  });
});

describe('saved insights and dashboards', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub();
  });
  after(() => hub.close());
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, key = hub.adminKey) =>
    hub.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  const definition = {
    kind: 'trends',
    series: [{ event: 'exported', math: 'unique_persons' }],
    interval: 'week',
  };

  test('save, read, replace, put on a dashboard, delete: admin keys write, read keys read', async () => {
    const created = await call('POST', '/v1/insights', { name: 'Weekly exporters', definition });
    assert.equal(created.statusCode, 201, created.body);
    const insight = created.json<{ id: string; createdAt: string }>();
    assert.match(insight.id, /^ins_/);
    assert.equal(
      (await call('POST', '/v1/insights', { name: 'x', definition }, hub.readKey)).statusCode,
      403,
    );
    const read = await call('GET', `/v1/insights/${insight.id}`, undefined, hub.readKey);
    assert.deepEqual(read.json<{ definition: unknown }>().definition, definition);
    const replaced = await call('PUT', `/v1/insights/${insight.id}`, {
      name: 'Weekly exporters, by app',
      definition: { ...definition, breakdown: { by: 'app' } },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.json<{ createdAt: string }>().createdAt, insight.createdAt);

    const dash = await call('POST', '/v1/dashboards', {
      name: 'Growth',
      items: [{ insight: insight.id, size: 'large' }],
    });
    assert.equal(dash.statusCode, 201, dash.body);
    const dashboard = dash.json<{ id: string }>();
    const listed = await call('GET', '/v1/dashboards', undefined, hub.readKey);
    assert.deepEqual(
      listed.json<{ dashboards: { items: unknown }[] }>().dashboards.map((d) => d.items),
      [[{ insight: insight.id, size: 'large' }]],
    );
    assert.equal((await call('DELETE', `/v1/insights/${insight.id}`)).statusCode, 200);
    assert.equal((await call('GET', `/v1/insights/${insight.id}`)).statusCode, 404);
    const after = await call('GET', `/v1/dashboards/${dashboard.id}`, undefined, hub.readKey);
    assert.deepEqual(after.json<{ items: unknown[] }>().items, [], 'taken off the dashboard');
    assert.equal((await call('DELETE', `/v1/dashboards/${dashboard.id}`)).statusCode, 200);
    assert.equal((await call('DELETE', `/v1/dashboards/${dashboard.id}`)).statusCode, 404);
  });

  test('a definition that would not be answered is not saved; a dashboard of unknown insights neither', async () => {
    const bad = await call('POST', '/v1/insights', {
      name: 'broken',
      definition: { kind: 'trends', timezone: 'Nowhere/Place', series: [{ event: 'x', math: 'sum' }] },
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      bad
        .json<{ error: { details: { field: string }[] } }>()
        .error.details.map((d) => d.field)
        .sort(),
      ['definition.series.0.property', 'definition.timezone'],
    );
    const noKind = await call('POST', '/v1/insights', { name: 'x', definition: { kind: 'pie' } });
    assert.equal(
      noKind.json<{ error: { details: { field: string }[] } }>().error.details[0]!.field,
      'definition.kind',
    );
    const dash = await call('POST', '/v1/dashboards', { name: 'x', items: [{ insight: 'ins_nope' }] });
    assert.equal(dash.statusCode, 400);
    assert.equal(
      dash.json<{ error: { details: { field: string }[] } }>().error.details[0]!.field,
      'items.0.insight',
    );
    assert.equal((await call('GET', '/v1/insights')).json<{ insights: unknown[] }>().insights.length, 0);
  });
});

describe('insight time budget', () => {
  test('a query past its budget is stopped with 503 query_timeout, on both engines; the store answers on', async () => {
    const { engines } = budgetSetup;
    for (const e of engines) {
      const t0 = performance.now();
      const slow =
        e.store.engine === 'duckdb'
          ? 'SELECT count(*) AS n FROM range(100000000000) a'
          : 'SELECT count(*) AS n FROM generate_series(1, 100000000000) a';
      const err = await e.store.select(slow, [], { timeoutMs: 300 }).catch((x: unknown) => x);
      assert.ok(err instanceof UsageHubError, `${e.name}: ${String(err)}`);
      assert.equal(err.code, 'query_timeout');
      assert.equal(err.status, 503);
      assert.ok(performance.now() - t0 < 10_000, `${e.name}: stopped at once`);
      assert.deepEqual(await e.store.select('SELECT 1 AS one', []), [{ one: 1 }]);
    }
  });
});
