import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, type TestHub } from './helpers/server.ts';
import { ok } from './helpers/admin.ts';

const DAY = 86400_000;
const day0 = Date.UTC(2026, 10, 1); // 2026-11-01
const at = (d: number, h = 10) => day0 + d * DAY + h * 3600_000;

describe('query API', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub();
    await hub.runtime.deps.admin.createApp(hub.tenantId, 'api');
    const events = [
      { id: '1', app: 'web', name: 'login', timestamp: at(0), email: 'ann@example.com' },
      { id: '2', app: 'web', name: 'login', timestamp: at(0, 11), email: 'bob@example.com' },
      { id: '3', app: 'web', name: 'search', timestamp: at(0, 11), email: 'ann@example.com' },
      { id: '4', app: 'api', name: 'export', timestamp: at(1), userId: 'svc-1', count: 10 },
      { id: '5', app: 'web', name: 'login', timestamp: at(1), email: 'ann@example.com' },
      {
        id: '6',
        app: 'web',
        name: 'login',
        timestamp: at(2),
        email: 'cid@example.com',
        properties: { a: 'x,"y"' },
      },
    ];
    assert.equal((await hub.send(events)).statusCode, 200);
    assert.equal(await hub.storedCount(6), 6);
  });
  after(() => hub.close());

  const rows = async (url: string) => {
    const res = await hub.get(url);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ rows: unknown[] }>().rows;
  };

  test('daily counts by name, summing counts', async () => {
    assert.deepEqual(await rows('/v1/query/counts?interval=day&groupBy=name'), [
      { bucket: '2026-11-01T00:00:00Z', key: 'login', events: 2 },
      { bucket: '2026-11-01T00:00:00Z', key: 'search', events: 1 },
      { bucket: '2026-11-02T00:00:00Z', key: 'export', events: 10 },
      { bucket: '2026-11-02T00:00:00Z', key: 'login', events: 1 },
      { bucket: '2026-11-03T00:00:00Z', key: 'login', events: 1 },
    ]);
  });

  test('hourly counts, by app and by user, with filters', async () => {
    assert.deepEqual(await rows(`/v1/query/counts?interval=hour&from=${at(0)}&to=${at(1)}`), [
      { bucket: '2026-11-01T10:00:00Z', key: null, events: 1 },
      { bucket: '2026-11-01T11:00:00Z', key: null, events: 2 },
    ]);
    const byApp = (await rows('/v1/query/counts?groupBy=app&app=api')) as { key: string }[];
    assert.equal(byApp.length, 1);
    assert.equal(byApp[0]!.key, ok(await hub.runtime.deps.admin.app(hub.tenantId, 'api')).id);
    assert.deepEqual(await rows('/v1/query/counts?groupBy=user&name=login&from=2026-11-02T00:00:00Z'), [
      { bucket: '2026-11-02T00:00:00Z', key: 'ann@example.com', events: 1 },
      { bucket: '2026-11-03T00:00:00Z', key: 'cid@example.com', events: 1 },
    ]);
  });

  test('distinct users per day', async () => {
    assert.deepEqual(await rows('/v1/query/users?interval=day'), [
      { bucket: '2026-11-01T00:00:00Z', users: 2 },
      { bucket: '2026-11-02T00:00:00Z', users: 2 },
      { bucket: '2026-11-03T00:00:00Z', users: 1 },
    ]);
  });

  test('top users', async () => {
    assert.deepEqual(await rows('/v1/query/top-users?limit=2'), [
      { user: 'svc-1', events: 10 },
      { user: 'ann@example.com', events: 3 },
    ]);
  });

  test('bad filters name the field', async () => {
    const res = await hub.get('/v1/query/counts?from=soon&app=nope');
    assert.equal(res.statusCode, 400);
    const body = res.json<{ error: { code: string; details: { field: string; code: string }[] } }>();
    assert.equal(body.error.code, 'invalid_request');
    assert.deepEqual(body.error.details.map((d) => `${d.field}:${d.code}`).sort(), [
      'app:unknown_app',
      'from:field_format',
    ]);
    assert.equal((await hub.get('/v1/query/counts?interval=week')).statusCode, 400);
  });

  test('needs a read (or admin) key', async () => {
    assert.equal((await hub.get('/v1/query/counts', hub.ingestKey)).statusCode, 403);
    assert.equal((await hub.get('/v1/query/counts', hub.adminKey)).statusCode, 200);
  });

  test('exports NDJSON with the client id and the raw event', async () => {
    const res = await hub.get('/v1/export?format=ndjson&app=web');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /ndjson/);
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { clientId: string; raw: { id: string } });
    assert.deepEqual(
      lines.map((l) => l.clientId),
      ['1', '2', '3', '5', '6'],
    );
    assert.equal(lines[0]!.raw.id, '1');
  });

  test('exports carry each event’s identity: usagehub id, dedup key, received time, late', async () => {
    const nd = await hub.get('/v1/export?format=ndjson&app=web');
    const lines = nd.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventId: string; dedupKey: string; receivedAt: number; late: boolean });
    for (const l of lines) {
      assert.match(l.eventId, /^\d+$/);
      assert.match(l.dedupKey, /^[0-9a-f]{40}$/);
      assert.equal(typeof l.receivedAt, 'number');
      assert.equal(typeof l.late, 'boolean');
    }
    assert.equal(new Set(lines.map((l) => l.eventId)).size, lines.length, 'ids are unique');
    const csv = await hub.get('/v1/export?format=csv&app=web');
    const [header, ...rows] = csv.body.trim().split('\n');
    const columns = header!.split(',');
    for (const c of ['eventId', 'dedupKey', 'receivedAt', 'late']) assert.ok(columns.includes(c), c);
    const first = rows[0]!.split(',');
    assert.equal(first[columns.indexOf('eventId')], lines[0]!.eventId);
    assert.equal(first[columns.indexOf('dedupKey')], lines[0]!.dedupKey);
    assert.equal(first[columns.indexOf('late')], String(lines[0]!.late));
  });

  test('exports CSV, quoting what needs it', async () => {
    const res = await hub.get(`/v1/export?format=csv&from=${at(2)}`);
    const [header, row, ...rest] = res.body.trim().split('\n');
    assert.match(header!, /^id,app,source,name/);
    assert.match(row!, /^6,.*,"\{""a"":""x,\\""y\\""""\}"$/);
    assert.equal(rest.length, 0);
  });
});
