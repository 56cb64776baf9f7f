/**
 * Hostile input, one finding at a time: each value here once stopped the server (or
 * answered outside the error catalog) and must now get a catalogued 4xx with the field
 * at fault, store nothing, and leave a server that takes the next good event and
 * restarts on its data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startHub, type TestHub } from './helpers/server.ts';
import { ingestRoutes, nativeEvent, type IngestRoute } from './helpers/dialects.ts';
import { ERRORS } from '../src/domain/errors.ts';

/** Puts `value` at a dotted path of a copy of `body`. */
function withValue(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
  return copy;
}

/** A field of each dialect's valid body that is stored as text, and one stored as a number. */
const TEXT_FIELD: Record<IngestRoute['dialect'], string> = {
  native: 'events.0.name',
  push: 'events.0.email',
  sessions: 'data.0.entities.0.value',
  aggregated: 'payload.product_id',
  hits: 'sessionId',
  segment: 'batch.0.event',
  posthog: 'batch.0.event',
};
const NUMBER_FIELD: Partial<Record<IngestRoute['dialect'], string>> = {
  native: 'events.0.count',
  aggregated: 'payload.count',
  hits: 'origin',
  segment: 'batch.0.properties.size',
  posthog: 'batch.0.properties.size',
};

describe('hostile input', () => {
  let hub: TestHub;
  let routes: IngestRoute[];
  let n = 0;

  before(async () => {
    hub = await startHub();
    routes = await ingestRoutes(hub);
  });
  after(() => hub.close());

  /** The answer is a catalogued 4xx naming `field` (when given), and nothing new is stored. */
  async function refused(route: IngestRoute, body: unknown, status: number, field?: string) {
    const before = await hub.settled();
    const res = await route.send(body);
    assert.equal(res.statusCode, status, `${route.dialect}: ${res.body}`);
    const code = route.codeOf(res);
    assert.ok(code && code in ERRORS, `${route.dialect}: catalogued code, got ${res.body}`);
    if (field) assert.ok(res.body.includes(field), `${route.dialect}: names ${field}: ${res.body}`);
    assert.equal(await hub.settled(), before, `${route.dialect}: nothing stored`);
  }

  test('(1) lone UTF-16 surrogates: refused on every dialect, in values and in names', async () => {
    for (const route of routes) {
      const field = TEXT_FIELD[route.dialect];
      await refused(route, withValue(route.valid(n++), field, 'x\ud800y'), 400, field.split('.').pop());
      await refused(route, withValue(route.valid(n++), field, '\udfff'), 400);
    }
    const native = routes[0]!;
    await refused(native, [{ ...nativeEvent(n++), properties: { '\ud800': 1 } }], 400, 'properties');
  });

  test('(2) numbers past the stores’ types: refused with the allowed range', async () => {
    for (const route of routes) {
      const field = NUMBER_FIELD[route.dialect];
      if (!field) continue;
      for (const v of ['1e21', '9223372036854775808', '1e400', '-1e400']) {
        const text = JSON.stringify(withValue(route.valid(n++), field, 123456789)).replace('123456789', v);
        const res = await route.send(text);
        assert.equal(res.statusCode, 400, `${route.dialect} ${field}=${v}: ${res.body}`);
        assert.ok(route.codeOf(res) && route.codeOf(res)! in ERRORS, res.body);
      }
    }
    const aggregated = routes.find((r) => r.dialect === 'aggregated')!;
    const text = JSON.stringify(aggregated.valid(n++)).replace(/"event_id":\d+/, '"event_id":1e400');
    assert.equal((await aggregated.send(text)).statusCode, 400);
    const hits = routes.find((r) => r.dialect === 'hits')!;
    const search = {
      ...hits.valid(n++),
      type: 'SEARCH',
      search: { searchType: 'FULLTEXT', query: 'q', resultCount: 1 },
    };
    delete (search as Record<string, unknown>).connection;
    const big = JSON.stringify(search).replace('"resultCount":1', '"resultCount":1e21');
    assert.equal((await hits.send(big)).statusCode, 400, 'hits resultCount');
  });

  test('(3) query bounds: out of range answers 400 with the allowed range; the server stays up', async () => {
    for (const url of [
      '/v1/query/counts?to=9999999999999999999',
      '/v1/query/counts?from=-1',
      '/v1/query/counts?from=Jan%201%202024',
      '/v1/query/top-users?limit=1e400',
      '/v1/query/top-companies?limit=1e400',
      '/v1/query/sessions/list?limit=1e400',
      '/v1/query/counts?interval=week',
    ]) {
      const res = await hub.get(url);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      const error = res.json<{ error: { code: string; details: { field: string; reason: string }[] } }>()
        .error;
      assert.equal(error.code, 'invalid_request', url);
      assert.ok(error.details.length > 0, `${url}: names the field`);
    }
    const week = await hub.get('/v1/query/counts?interval=week');
    assert.match(week.body, /interval must be one of: minute, hour, day/, 'an enum lists its allowed values');
    // `none` is a usage interval, not a counts one: each route names its own values.
    const none = await hub.get('/v1/query/counts?interval=none');
    assert.match(none.body, /interval must be one of: minute, hour, day"/);
    assert.equal((await hub.get('/v1/query/usage?interval=none')).statusCode, 200);
    const usageWeek = await hub.get('/v1/query/usage?interval=week');
    assert.match(usageWeek.body, /interval must be one of: hour, day, none/);
    const ok = await routes[0]!.send(routes[0]!.valid(n++));
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('(6) deep nesting: refused with 400 (never a retryable 503); wide objects within limits taken', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    for (const route of routes) {
      await refused(route, withValue(route.valid(n++), TEXT_FIELD[route.dialect], deep), 400);
      const veryDeep = JSON.stringify(route.valid(n++)).replace(
        /^\{/,
        `{"zz":${'['.repeat(20_000)}${']'.repeat(20_000)},`,
      );
      const res = await route.send(veryDeep);
      assert.equal(res.statusCode, 400, `${route.dialect}: ${res.body.slice(0, 300)}`);
    }
  });

  test('(7) strict input: timestamps, unknown keys, encodings, UTF-8', async () => {
    const native = routes[0]!;
    for (const timestamp of ['1', 'Jan 1 2024', '1/2/2024', '2024-02-30T10:00:00Z']) {
      await refused(native, [{ ...nativeEvent(n++), timestamp }], 400, 'timestamp');
    }
    // A time without an offset is UTC, whatever the server's zone.
    const utc = await native.send([
      { ...nativeEvent(n++), timestamp: '2024-05-01T12:00:00', name: 'utc_check' },
    ]);
    assert.equal(utc.statusCode, 200, utc.body);
    await hub.settled();
    const exported = await hub.get('/v1/export?name=utc_check');
    assert.equal(JSON.parse(exported.body.trim()).occurredAt, Date.UTC(2024, 4, 1, 12));

    await refused(native, { events: [nativeEvent(n++)], extra: true }, 400, 'extra');

    const plain = JSON.stringify([nativeEvent(n++)]);
    await refusedRaw(native, plain, { 'content-encoding': 'gzip' }, 400);
    await refusedRaw(native, plain, { 'content-encoding': 'compress' }, 415);
    for (const [encoding, pack] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      const res = await native.send(pack(JSON.stringify([nativeEvent(n++)])), {
        'content-encoding': encoding,
      });
      assert.equal(res.statusCode, 200, `${encoding}: ${res.body}`);
    }
    // A small gzip body that inflates past the body limit is refused by its inflated size.
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    await refusedRaw(native, bomb, { 'content-encoding': 'gzip' }, 413);
    const invalidUtf8 = Buffer.concat([
      Buffer.from('[{"app":"web","name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]'),
    ]);
    await refusedRaw(native, invalidUtf8, {}, 400);
    // A form sent to the native API is not a shape it takes (found by the fuzzer: once a 500).
    await refusedRaw(native, '%EF%BB%BF[]', { 'content-type': 'application/x-www-form-urlencoded' }, 415);
    // Forms too (sessions v3): a raw byte that is not UTF-8 is refused, not turned into U+FFFD.
    const sessions = routes.find((r) => r.dialect === 'sessions')!;
    const form = Buffer.concat([
      Buffer.from('app=web&data='),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('%5B%5D'),
    ]);
    await refusedRaw(sessions, form, { 'content-type': 'application/x-www-form-urlencoded' }, 400);

    async function refusedRaw(
      route: IngestRoute,
      body: string | Buffer,
      headers: Record<string, string>,
      status: number,
    ) {
      const before = await hub.settled();
      const res = await route.send(body, headers);
      assert.equal(res.statusCode, status, res.body);
      assert.ok(route.codeOf(res)! in ERRORS, res.body);
      assert.equal(await hub.settled(), before);
    }
  });

  test('(7) admin bodies are not coerced', async () => {
    const admin = (method: 'POST' | 'PUT', url: string, payload: unknown) =>
      hub.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    for (const [method, url, body] of [
      ['POST', '/v1/apps', { name: true }],
      ['POST', '/v1/apps', { name: 12 }],
      ['PUT', '/v1/hit-users/9', { firstName: null }],
      ['POST', '/v1/live/endpoints', { url: 'https://example.com/hook', filters: 1 }],
    ] as const) {
      const res = await admin(method, url, body);
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'validation_failed');
    }
  });

  test('(8) errors from below the routes come in the catalogue’s envelope', async () => {
    const bad = await hub.app.inject({
      method: 'GET',
      url: '/v1/apps/%ff',
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'invalid_request');
    const long = await hub.app.inject({
      method: 'GET',
      url: `/v1/apps/${'a'.repeat(200)}`,
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.ok(long.statusCode === 414 || long.statusCode === 404, long.body);
    assert.ok(long.json<{ error: { code: string } }>().error.code in ERRORS, long.body);
  });

  test('a restart on the same data after all of the above becomes ready, and takes a good event', async () => {
    const { dataDir, tenantId, adminKey, ingestKey, readKey, appId } = hub;
    const count = await hub.settled();
    await hub.close();
    hub = await startHub({}, dataDir, { tenantId, adminKey, ingestKey, readKey, appId });
    routes = await ingestRoutes(hub);
    assert.equal(await hub.settled(), count);
    const res = await routes[0]!.send(routes[0]!.valid(n++));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await hub.storedCount(count + 1), count + 1);
  });
});
