import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, ev, startHub, type TestHub } from './helpers/server.ts';

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { index?: number; field: string; code: string; reason: string }[];
  };
}

describe('POST /v1/events', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ maxBatchEvents: 50, maxBodyBytes: 64 * 1024 });
  });
  after(() => hub.close());

  test('accepts a JSON array, {events}, and NDJSON', async () => {
    const a = await hub.send([ev({ id: 'a1' }), ev({ id: 'a2' })]);
    assert.equal(a.statusCode, 200);
    assert.deepEqual(a.json(), { accepted: 2, duplicates: 0 });

    const b = await hub.send({ events: [ev({ id: 'b1' })] });
    assert.deepEqual(b.json(), { accepted: 1, duplicates: 0 });

    const ndjson = [ev({ id: 'c1' }), ev({ id: 'c2' }), ev({ id: 'c3' })]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const c = await hub.send(ndjson + '\n', { 'content-type': 'application/x-ndjson' });
    assert.deepEqual(c.json(), { accepted: 3, duplicates: 0 });
  });

  test('takes Unix milliseconds and ISO 8601, apps by id or name, and counts', async () => {
    const res = await hub.send([
      ev({ id: 't1', timestamp: new Date(NOW - 3600_000).toISOString() }),
      ev({
        id: 't2',
        app: hub.appId,
        count: 5,
        userId: 'u-1',
        sessionId: 's-1',
        properties: { plan: 'pro' },
      }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 2, duplicates: 0 });
  });

  test('dedups within a request, across requests, by id and by content', async () => {
    const byId = ev({ id: 'dup-1', name: 'login' });
    const byContent = ev({ name: 'search', properties: { q: 'usage' } });
    const first = await hub.send([byId, byContent, byId, byContent]);
    assert.deepEqual(first.json(), { accepted: 2, duplicates: 2 });
    const again = await hub.send([byId, byContent]);
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 2 });
    // The same content at another time is another event.
    const later = await hub.send([{ ...byContent, timestamp: NOW - 1000 }]);
    assert.deepEqual(later.json(), { accepted: 1, duplicates: 0 });
  });

  test('a batch with invalid events stores nothing and lists every problem', async () => {
    const res = await hub.send([
      ev({ id: 'ok-but-batch-fails' }),
      ev({ app: 'nope', timestamp: 1566340678 }),
      { app: 'web', timestamp: 'yesterday', email: 'not-an-email', extra: true },
      ev({ count: -1, timestamp: NOW + 3 * 86400_000 }),
    ]);
    assert.equal(res.statusCode, 400);
    const body = res.json<ErrorBody>();
    assert.equal(body.error.code, 'validation_failed');
    const got = body.error.details.map((d) => `${d.index}:${d.field}:${d.code}`).sort();
    assert.deepEqual(got, [
      '1:app:unknown_app',
      '1:timestamp:field_range',
      '2:email:field_format',
      '2:extra:field_unknown',
      '2:name:field_required',
      '3:count:field_range',
    ]);
    for (const d of body.error.details) assert.ok(d.reason.length > 0);
    // Event 0 was valid, but the batch was rejected whole: sent again alone, it is new.
    const retry = await hub.send([ev({ id: 'ok-but-batch-fails' })]);
    assert.deepEqual(retry.json(), { accepted: 1, duplicates: 0 });
  });

  test('checks the timestamp that schema cannot: format and plausibility', async () => {
    const res = await hub.send([ev({ timestamp: 'not a date' }), ev({ timestamp: NOW + 2 * 86400_000 })]);
    const details = res.json<ErrorBody>().error.details;
    assert.deepEqual(
      details.map((d) => [d.index, d.code]),
      [
        [0, 'field_format'],
        [1, 'field_range'],
      ],
    );
  });

  test('rejects a batch over the event limit before looking at events', async () => {
    const res = await hub.send(Array.from({ length: 51 }, () => ({ junk: true })));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json<ErrorBody>().error.code, 'batch_too_large');
    assert.match(res.json<ErrorBody>().error.message, /51 events; at most 50/);
  });

  test('rejects a body over the byte limit', async () => {
    const big = JSON.stringify([ev({ properties: { blob: 'x'.repeat(70 * 1024) } })]);
    const res = await hub.send(big);
    assert.equal(res.statusCode, 413);
    assert.equal(res.json<ErrorBody>().error.code, 'body_too_large');
  });

  test('rejects unparseable bodies, wrong shapes and media types', async () => {
    const bad = await hub.send('[{"app":');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<ErrorBody>().error.code, 'invalid_body');
    const shape = await hub.send({ event: ev() });
    assert.equal(shape.json<ErrorBody>().error.code, 'invalid_body');
    const nd = await hub.send('{"app":"web"}\n{oops', { 'content-type': 'application/x-ndjson' });
    assert.equal(nd.json<ErrorBody>().error.code, 'invalid_body');
    assert.match(nd.json<ErrorBody>().error.message, /Line 2/);
    const text = await hub.send('hello', { 'content-type': 'text/plain' });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json<ErrorBody>().error.code, 'unsupported_media_type');
  });

  test('needs an ingest (or admin) key', async () => {
    const none = await hub.app.inject({ method: 'POST', url: '/v1/events', payload: [ev()] });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json<ErrorBody>().error.code, 'unauthorized');
    const wrong = await hub.send([ev()], { authorization: 'Bearer uh_ingest_wrong' });
    assert.equal(wrong.statusCode, 401);
    const read = await hub.send([ev()], { authorization: `Bearer ${hub.readKey}` });
    assert.equal(read.statusCode, 403);
    assert.equal(read.json<ErrorBody>().error.code, 'forbidden');
    const admin = await hub.send([ev({ id: 'by-admin' })], { authorization: `Bearer ${hub.adminKey}` });
    assert.equal(admin.statusCode, 200);
  });

  test('an empty batch is accepted and stores nothing', async () => {
    const res = await hub.send([]);
    assert.deepEqual(res.json(), { accepted: 0, duplicates: 0 });
  });

  test('counts requests, events and rejects in /metrics', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /usagehub_ingest_events_total\{source="native",outcome="accepted"\} \d+/);
    assert.match(res.body, /usagehub_ingest_events_total\{source="native",outcome="duplicate"\} \d+/);
    assert.match(res.body, /usagehub_rejects_total\{code="validation_failed"\} \d+/);
    assert.match(res.body, /usagehub_ingest_requests_total\{source="native",status="4xx"\} \d+/);
    assert.match(res.body, /usagehub_log_commit_seconds_count \d+/);
    assert.match(res.body, /usagehub_store_lag_batches \d+/);
  });
});

describe('dedup across restarts', () => {
  test('a resent event is stored once after the server restarts', async () => {
    const first = await startHub();
    const event = ev({ id: 'survivor' });
    const unnamed = ev({ name: 'no-id' });
    assert.deepEqual((await first.send([event, unnamed])).json(), { accepted: 2, duplicates: 0 });
    await first.close();

    const second = await startHub({}, first.dataDir, first);
    try {
      assert.deepEqual((await second.send([event, unnamed])).json(), { accepted: 0, duplicates: 2 });
      assert.equal(await second.storedCount(2), 2);
    } finally {
      await second.close();
    }
  });
});
