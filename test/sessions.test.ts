/**
 * Sessions v3, driven through HTTP: the form and JSON requests, the answers, the type
 * registry, and sessions joined from START/UPDATE/END whatever the order of arrival —
 * across requests and across a restart — with timeouts and conflicts reported.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startHub, tempDir, type TestHub } from './helpers/server.ts';

const OK = { APIVersion: 3, result: 1 };
const nowS = () => Math.floor(Date.now() / 1000);

/** The document's example. */
const EXAMPLE = [
  {
    action: 'START',
    type: 'APPSTART',
    timestamp: 1365772427,
    session: '8nc92io9q',
    entities: [
      { key: 'app', value: 'BigBrother' },
      { key: 'package', value: 'de.thues.bigbrother' },
    ],
  },
  {
    action: 'END',
    type: 'APPSTART',
    timestamp: 1365772533,
    session: '8nc92io9q',
    entities: [
      { key: 'app', value: 'BigBrother' },
      { key: 'package', value: 'de.thues.bigbrother' },
    ],
  },
];

interface V3Error {
  APIVersion: 3;
  result: 0;
  error: { code: string; message: string; details: { index?: number; field: string; code: string }[] };
}
interface Session {
  session: string;
  type: string | null;
  state: string;
  startedAt: number | null;
  endedAt: number | null;
  durationSeconds: number | null;
  updates: number;
  starts: number;
  ends: number;
  entities: { key: string; value: unknown }[];
}

function form(
  hub: TestHub,
  data: unknown,
  extra: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams({
    data: typeof data === 'string' ? data : JSON.stringify(data),
    key: hub.ingestKey,
    ...extra,
  });
  return hub.app.inject({
    method: 'POST',
    url: '/v3/events',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
}

function json(
  hub: TestHub,
  body: unknown,
  key: string | null = hub.ingestKey,
): Promise<LightMyRequestResponse> {
  return hub.app.inject({
    method: 'POST',
    url: '/v3/events',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    payload: JSON.stringify(body),
  });
}

async function sessions(hub: TestHub, query = ''): Promise<Session[]> {
  await hub.settled();
  const res = await hub.get(`/v1/query/sessions/list?${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ rows: Session[] }>().rows;
}

const errorOf = (res: LightMyRequestResponse, status: number): V3Error['error'] => {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json<V3Error>();
  assert.equal(body.APIVersion, 3);
  assert.equal(body.result, 0);
  return body.error;
};

describe('sessions v3 API', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ sessionIdleSeconds: 1 });
  });
  after(() => hub.close());

  test('the OpenAPI document describes the request body, form-encoded and JSON', async () => {
    const spec = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { anyOf?: unknown[] } }> } }>
      >;
    }>();
    const content = spec.paths['/v3/events']!.post!.requestBody!.content;
    assert.deepEqual(Object.keys(content).sort(), ['application/json', 'application/x-www-form-urlencoded']);
    assert.equal(content['application/json']!.schema.anyOf?.length, 3);
  });

  test('the document’s example, form-encoded with key and app: one session joined from START and END', async () => {
    const res = await form(hub, EXAMPLE, { app: 'web' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), OK);
    const [s] = await sessions(hub, 'state=closed');
    assert.ok(s);
    assert.equal(s.session, '8nc92io9q');
    assert.equal(s.type, 'APPSTART');
    assert.equal(s.startedAt, 1365772427_000);
    assert.equal(s.endedAt, 1365772533_000);
    assert.equal(s.durationSeconds, 106);
    assert.equal(s.updates, 0);
    assert.deepEqual(s.entities, EXAMPLE[0]!.entities);
  });

  test('JSON too: {"data": […]} or a bare array, with a bearer key; exact duplicates stored once', async () => {
    const t = nowS() - 600;
    const start = { action: 'START', type: 'PAGEVIEW', timestamp: t, session: 'json-sess-1' };
    const end = { action: 'END', type: 'PAGEVIEW', timestamp: t + 30, session: 'json-sess-1' };
    assert.deepEqual((await json(hub, { data: [start] })).json(), OK);
    assert.deepEqual((await json(hub, [end, end])).json(), OK);
    assert.deepEqual((await json(hub, [start])).json(), OK);
    const [s] = (await sessions(hub)).filter((x) => x.session === 'json-sess-1');
    assert.equal(s?.state, 'closed');
    assert.equal(s?.starts, 1, 'a resent START is not a second START');
    assert.equal(s?.ends, 1);
  });

  test('data must be an array, and the key valid: the v3 error envelope', async () => {
    const single = errorOf(await form(hub, EXAMPLE[0]), 400);
    assert.equal(single.code, 'invalid_body');
    assert.match(single.message, /array/);
    assert.equal(errorOf(await form(hub, '[{"action":'), 400).code, 'invalid_body');
    assert.equal(errorOf(await json(hub, EXAMPLE, null), 401).code, 'unauthorized');
    assert.equal(errorOf(await json(hub, EXAMPLE, 'uh_ingest_nope'), 401).code, 'unauthorized');
    assert.equal(errorOf(await json(hub, EXAMPLE, hub.readKey), 403).code, 'forbidden');
    const noApp = errorOf(await form(hub, EXAMPLE, { app: 'nope' }), 400);
    assert.deepEqual(
      noApp.details.map((d) => `${d.field}:${d.code}`),
      ['app:unknown_app'],
    );
  });

  test('every problem, by index and field; nothing stored', async () => {
    await hub.settled();
    const before = await hub.runtime.deps.queries.eventCount(hub.tenantId);
    const t = nowS();
    const res = await json(hub, [
      { action: 'START', type: 'APPSTART', timestamp: t, session: 'ok-session-1' },
      { action: 'PAUSE', type: 'APPSTART', timestamp: t, session: 'bad-session-2' },
      { action: 'START', type: 'TELEPORT', timestamp: t, session: 'bad-session-3' },
      { action: 'START', type: 'APPSTART', timestamp: t, session: 'short' },
      { action: 'END', type: 'APPSTART', timestamp: t },
      { action: 'UPDATE', type: 'APPSTART', timestamp: String(t) },
      {
        action: 'UPDATE',
        type: 'APPSTART',
        timestamp: t,
        entities: [{ key: 'img', value: { $base64: 'not base64!' } }],
      },
      { action: 'UPDATE', type: 'APPSTART', timestamp: t + 3 * 86400 },
    ]);
    const error = errorOf(res, 400);
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(
      error.details.map((d) => `${d.index}:${d.field}:${d.code}`),
      [
        '1:action:field_format',
        '2:type:unknown_type',
        '3:session:field_range',
        '4:session:field_required',
        '5:timestamp:field_type',
        '6:entities.0.value:field_format',
        '7:timestamp:field_range',
      ],
    );
    await hub.settled();
    assert.equal(await hub.runtime.deps.queries.eventCount(hub.tenantId), before);
  });

  test('binary entity values travel as {"$base64": …} and are kept', async () => {
    const t = nowS() - 100;
    const res = await json(hub, [
      {
        action: 'UPDATE',
        type: 'CUSTOM',
        timestamp: t,
        entities: [{ key: 'icon', value: { $base64: 'iVBORw0KGgo=' } }],
      },
    ]);
    assert.deepEqual(res.json(), OK);
  });

  test('START and END with UPDATEs between; events without a session are plain events', async () => {
    const t = nowS() - 3600;
    const events = [
      {
        action: 'START',
        type: 'APPUSAGE',
        timestamp: t,
        session: 'usage-sess-1',
        entities: [{ key: 'screen', value: 'home' }],
      },
      { action: 'UPDATE', type: 'APPUSAGE', timestamp: t + 10, session: 'usage-sess-1' },
      { action: 'UPDATE', type: 'APPUSAGE', timestamp: t + 20, session: 'usage-sess-1' },
      {
        action: 'END',
        type: 'APPUSAGE',
        timestamp: t + 60,
        session: 'usage-sess-1',
        entities: [
          { key: 'screen', value: 'settings' },
          { key: 'ok', value: true },
        ],
      },
      { action: 'START', type: 'APPUSAGE', timestamp: t + 5 },
      { action: 'UPDATE', type: 'LOCATION', timestamp: t + 6, entities: [{ key: 'lat', value: 52.5 }] },
    ];
    assert.deepEqual((await json(hub, events)).json(), OK);
    const [s] = (await sessions(hub)).filter((x) => x.session === 'usage-sess-1');
    assert.equal(s?.updates, 2);
    assert.equal(s?.durationSeconds, 60);
    assert.deepEqual(s?.entities, [
      { key: 'screen', value: 'settings' },
      { key: 'ok', value: true },
    ]);
    const counts = await hub.get(`/v1/query/counts?name=LOCATION&from=${(t - 1) * 1000}`);
    assert.equal(counts.json<{ rows: { events: number }[] }>().rows[0]?.events, 1, 'a plain event, counted');
  });

  test('an END before its START joins when the START comes, in another request', async () => {
    const t = nowS() - 7200;
    const end = { action: 'END', type: 'APPSTART', timestamp: t + 90, session: 'late-start-1' };
    assert.deepEqual((await json(hub, [end])).json(), OK);
    const waiting = (await sessions(hub, 'state=waiting_for_start')).filter(
      (x) => x.session === 'late-start-1',
    );
    assert.equal(waiting.length, 1);
    assert.deepEqual((await json(hub, [{ ...end, action: 'START', timestamp: t }])).json(), OK);
    const [s] = (await sessions(hub, 'state=closed')).filter((x) => x.session === 'late-start-1');
    assert.equal(s?.durationSeconds, 90);
  });

  test('a START without an END is open, then timed out after the idle time since its last event', async () => {
    // A second ahead: whole seconds, and an idle timeout of 1 s, must leave it open for a while.
    const t = nowS() + 1;
    assert.deepEqual(
      (await json(hub, [{ action: 'START', type: 'APPSTART', timestamp: t, session: 'idle-sess-1' }])).json(),
      OK,
    );
    const open = (await sessions(hub, 'state=open')).filter((x) => x.session === 'idle-sess-1');
    assert.equal(open.length, 1, 'open now');
    await new Promise((r) => setTimeout(r, 3100));
    const timedOut = (await sessions(hub, 'state=timed_out')).filter((x) => x.session === 'idle-sess-1');
    assert.equal(timedOut.length, 1, 'timed out after 1 s idle');
    const stats = (await hub.get(`/v1/query/sessions?from=${(t - 1) * 1000}`)).json<{
      rows: { type: string; timedOut: number }[];
    }>();
    assert.equal(stats.rows.find((r) => r.type === 'APPSTART')?.timedOut, 1);
  });

  test('a second START or END for a closed session is recorded and reported, never merged', async () => {
    const t = nowS() - 9000;
    const pair = [
      { action: 'START', type: 'APPSTART', timestamp: t, session: 'twice-sess-1' },
      { action: 'END', type: 'APPSTART', timestamp: t + 10, session: 'twice-sess-1' },
    ];
    assert.deepEqual((await json(hub, pair)).json(), OK);
    assert.deepEqual(
      (
        await json(hub, [{ action: 'END', type: 'APPSTART', timestamp: t + 50, session: 'twice-sess-1' }])
      ).json(),
      OK,
    );
    const [s] = (await sessions(hub, 'state=conflict')).filter((x) => x.session === 'twice-sess-1');
    assert.ok(s, 'reported as a conflict');
    assert.equal(s.ends, 2);
    assert.equal(s.durationSeconds, 10, 'the first END closes it; the second is not merged in');
    const metrics = (await hub.get('/metrics')).body;
    assert.match(metrics, /^usagehub_session_conflicts [1-9]/m);
    assert.match(metrics, /^usagehub_sessions_timed_out \d+/m);
  });

  test('sessions per type: count, total, p50 and p90 duration', async () => {
    const q = await startHub();
    try {
      const t = nowS() - 86400;
      const events = [10, 20, 30, 40, 100].flatMap((d, i) => [
        { action: 'START', type: 'PAGEVIEW', timestamp: t + i, session: `stats-sess-${i}` },
        { action: 'END', type: 'PAGEVIEW', timestamp: t + i + d, session: `stats-sess-${i}` },
      ]);
      assert.deepEqual((await json(q, events)).json(), OK);
      await q.settled();
      const res = await q.get(
        `/v1/query/sessions?type=PAGEVIEW&from=${(t - 1) * 1000}&to=${(t + 100) * 1000}`,
      );
      assert.deepEqual(res.json<{ rows: unknown[] }>().rows, [
        {
          type: 'PAGEVIEW',
          sessions: 5,
          totalDurationSeconds: 200,
          p50DurationSeconds: 30,
          p90DurationSeconds: 76,
          open: 0,
          timedOut: 0,
        },
      ]);
    } finally {
      await q.close();
    }
  });

  test('the type registry: defaults include APPSTART; an added type is accepted', async () => {
    const types = await hub.app.inject({
      method: 'GET',
      url: '/v1/session-types',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.ok(types.json<{ types: { type: string }[] }>().types.some((t) => t.type === 'APPSTART'));
    const event = [{ action: 'UPDATE', type: 'CHECKOUT', timestamp: nowS() - 10 }];
    assert.equal(errorOf(await json(hub, event), 400).details[0]?.code, 'unknown_type');
    const added = await hub.app.inject({
      method: 'PUT',
      url: '/v1/session-types/CHECKOUT',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.equal(added.statusCode, 200);
    assert.deepEqual((await json(hub, event)).json(), OK);
    const bad = await hub.app.inject({
      method: 'PUT',
      url: '/v1/session-types/check-out',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.equal(bad.statusCode, 400);
  });
});

describe('sessions v3: large requests and restarts', () => {
  test('large arrays are accepted up to the body limit, with a clear error past it', async () => {
    const hub = await startHub({ maxBodyBytes: 512 * 1024 });
    try {
      const t = nowS() - 3600;
      const events = Array.from({ length: 2500 }, (_, i) => ({
        action: 'UPDATE',
        type: 'PAGEVIEW',
        timestamp: t + (i % 3600),
        entities: [{ key: 'n', value: i }],
      }));
      assert.deepEqual((await json(hub, { data: events })).json(), OK);
      const tooBig = Array.from({ length: 10_000 }, (_, i) => ({
        action: 'UPDATE',
        type: 'PAGEVIEW',
        timestamp: t,
        entities: [{ key: 'n', value: i }],
      }));
      const error = errorOf(await json(hub, tooBig), 413);
      assert.equal(error.code, 'body_too_large');
    } finally {
      await hub.close();
    }
  });

  test('an END before its START joins after a restart', async () => {
    const dataDir = tempDir();
    const first = await startHub({}, dataDir);
    const identity = {
      tenantId: first.tenantId,
      adminKey: first.adminKey,
      ingestKey: first.ingestKey,
      readKey: first.readKey,
      appId: first.appId,
    };
    const t = nowS() - 5000;
    assert.deepEqual(
      (
        await json(first, [{ action: 'END', type: 'APPSTART', timestamp: t + 42, session: 'restart-sess' }])
      ).json(),
      OK,
    );
    await first.close();
    const second = await startHub({}, dataDir, identity);
    try {
      assert.deepEqual(
        (
          await json(second, [{ action: 'START', type: 'APPSTART', timestamp: t, session: 'restart-sess' }])
        ).json(),
        OK,
      );
      const [s] = (await sessions(second, 'state=closed')).filter((x) => x.session === 'restart-sess');
      assert.equal(s?.durationSeconds, 42);
    } finally {
      await second.close();
    }
  });
});
