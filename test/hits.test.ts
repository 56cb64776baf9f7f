/**
 * The statistic-hits dialect, driven through HTTP: served schemas (checked against the
 * JSON Schema meta-schema), their enforcement, the registries, the hit rules, queries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import type { LightMyRequestResponse } from 'fastify';
import { startHub, type TestHub } from './helpers/server.ts';
import { HIT_SCHEMAS, HIT_TYPES } from '../src/dialects/hits/hit-types.schema.ts';
import type { UsageEvent } from '../src/domain/event.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { field: string; code: string; reason: string }[] };
}

describe('statistic hits API', () => {
  let hub: TestHub;
  const admin = (method: 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${hub.adminKey}` },
      payload: payload as object,
    });
  const hit = (body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    hub.app.inject({
      method: 'POST',
      url: '/api/stat/hits',
      headers: { authorization: `Bearer ${hub.ingestKey}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  const problems = (res: LightMyRequestResponse) => {
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json<ErrorBody>();
    assert.equal(body.error.code, 'validation_failed');
    return body.error.details.map((d) => `${d.field}:${d.code}`).sort();
  };
  const settled = () => hub.settled();
  const recent = new Date(Date.now() - 3600_000).toISOString().slice(0, 19); // no offset

  /** The example hit of the API's documentation. */
  const example = {
    date: '2020-07-15T10:00:00',
    type: 'CONNECTION',
    origin: 0,
    sessionId: '7e7f6d22f75d2cc4b9ed5fe907dd7461',
    ip: '127.0.0.1',
    users: [{ userId: '1' }],
    connection: { mode: 'CLASSIC', success: true },
  };

  before(async () => {
    hub = await startHub();
    assert.equal((await admin('PATCH', `/v1/apps/${hub.appId}`, { origin: 0 })).statusCode, 200);
    assert.equal(
      (await admin('PUT', '/v1/hit-users/1', { firstName: 'Ann', email: 'ann@example.com' })).statusCode,
      200,
    );
    assert.equal(
      (await admin('PUT', '/v1/medias/v1', { kind: 'video', durationSeconds: 60 })).statusCode,
      200,
    );
    assert.equal((await admin('PUT', '/v1/medias/img', { kind: 'image' })).statusCode, 200);
  });
  after(() => hub.close());

  describe('schemas', () => {
    test('each type’s schema is served, is a valid JSON Schema, and is the one enforced', async () => {
      const meta = new Ajv({ strict: false });
      for (const type of HIT_TYPES) {
        const res = await hub.app.inject({ method: 'GET', url: `/api/stat/hit-types/${type}/schema` });
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /json/);
        const schema = res.json<Record<string, unknown>>();
        assert.equal(meta.validateSchema(schema), true, `${type}: ${JSON.stringify(meta.errors)}`);
        assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
        assert.deepEqual(schema, JSON.parse(JSON.stringify(HIT_SCHEMAS[type])));
        const types = (schema.properties as { type: { const: string } }).type;
        assert.equal(types.const, type);
      }
      const unknown = await hub.app.inject({ method: 'GET', url: '/api/stat/hit-types/LIKE/schema' });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.json<ErrorBody>().error.message, /CONNECTION, DOWNLOAD/);
    });

    test('the OpenAPI document describes the request body: one schema per type, on `type`', async () => {
      interface Schema {
        $ref?: string;
        oneOf?: Schema[];
        discriminator?: unknown;
        properties?: { type?: { const?: string; enum?: string[] } };
      }
      const spec = (await hub.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<
          string,
          Record<string, { requestBody: { content: Record<string, { schema: Schema }> } }>
        >;
        components: { schemas: Record<string, Schema> };
      }>();
      const deref = (s: Schema): Schema => (s.$ref ? spec.components.schemas[s.$ref.split('/').pop()!]! : s);
      const body = spec.paths['/api/stat/hits']!.post!.requestBody.content['application/json']!.schema;
      assert.deepEqual(
        // OpenAPI 3.0 has no `const`: the document says enum with the one value.
        body.oneOf!.map((s) => deref(s).properties?.type?.enum?.[0] ?? deref(s).properties?.type?.const),
        [...HIT_TYPES],
      );
      assert.deepEqual(body.discriminator, { propertyName: 'type' });
    });

    test('the API’s own example hit is stored: 200 with its id', async () => {
      const res = await hit(example);
      assert.equal(res.statusCode, 200, res.body);
      const { id } = res.json<{ id: string }>();
      assert.match(id, /^[0-9a-f]{40}$/);
      const again = await hit(example);
      assert.equal(again.json<{ id: string }>().id, id, 'a resent hit is the same hit');
      const n = await settled();
      const exported = await hub.get('/v1/export?name=CONNECTION');
      const docs = exported.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as UsageEvent);
      assert.equal(docs.length, 1, 'stored once');
      assert.equal(docs[0]!.occurredAt, Date.UTC(2020, 6, 15, 10), 'a date without offset is UTC');
      assert.equal(docs[0]!.source, 'hits');
      assert.equal(docs[0]!.actor.userId, '1');
      assert.equal(docs[0]!.context.ip, '127.0.0.1');
      assert.ok(n >= 1);
    });

    test('a body against its schema: every violation, with its path and reason; nothing stored', async () => {
      const before = await settled();
      const res = await hit({
        date: 'yesterday',
        type: 'PLAY',
        origin: 0,
        ip: '300.1.1.1',
        medias: ['v1'],
        play: { ranges: [{ start: 'zero', end: 5 }] },
        rating: 5,
      });
      assert.deepEqual(problems(res), [
        'date:field_format',
        'ip:field_type',
        'play.duration:field_required',
        'play.ranges.0.start:field_type',
        'rating:field_unknown',
      ]);
      for (const d of res.json<ErrorBody>().error.details) assert.ok(d.reason.length > 0);
      assert.deepEqual(problems(await hit({ date: recent, type: 'LIKE', origin: 0 })), ['type:field_format']);
      assert.deepEqual(problems(await hit({ date: recent, origin: 0 })), ['type:field_required']);
      assert.deepEqual(
        problems(
          await hit({
            date: recent,
            type: 'CONNECTION',
            origin: 0,
            users: [{ userId: '1' }],
            connection: { mode: 'MAGIC', success: 1 },
          }),
        ),
        ['connection.mode:field_format', 'connection.success:field_type'],
      );
      assert.deepEqual(
        problems(
          await hit({
            date: recent,
            type: 'SEARCH',
            origin: 0,
            search: { resultCount: -1, searchType: 'FUZZY' },
          }),
        ),
        ['search.resultCount:field_range', 'search.searchType:field_format'],
      );
      assert.equal(await settled(), before);
    });
  });

  describe('origin, users and sessions', () => {
    test('origin or X-KPK-CLIENT-ID is required, and must be a user interface or -1', async () => {
      const view = { date: recent, type: 'VIEW', medias: ['img'] };
      assert.deepEqual(problems(await hit(view)), ['origin:field_required']);
      assert.deepEqual(problems(await hit({ ...view, origin: 7 })), ['origin:unknown_origin']);
      assert.equal((await hit(view, { 'X-KPK-CLIENT-ID': '0' })).statusCode, 200);
      assert.equal((await hit(view, { 'X-KPK-CLIENT-ID': 'web' })).statusCode, 200);
      assert.deepEqual(problems(await hit(view, { 'X-KPK-CLIENT-ID': 'nope' })), [
        'X-KPK-CLIENT-ID:unknown_origin',
      ]);
      const third = await hit({ ...view, origin: -1 });
      assert.equal(third.statusCode, 200, third.body);
      const uis = await hub.app.inject({
        method: 'GET',
        url: '/api/dam/user-interfaces',
        headers: { authorization: `Bearer ${hub.ingestKey}` },
      });
      assert.equal(uis.statusCode, 200);
      assert.deepEqual(uis.json(), [{ id: 0, name: 'web', appId: hub.appId }]);
    });

    test('users must be known by id, or given by name and e-mail', async () => {
      const conn = (users: unknown) => ({
        date: recent,
        type: 'CONNECTION',
        origin: 0,
        users,
        connection: { mode: 'ANONYMOUS', success: true },
      });
      assert.deepEqual(problems(await hit(conn([{ userId: '404' }]))), ['users.0.userId:unknown_user']);
      assert.equal(
        (await hit(conn([{ firstName: 'Eve', lastName: 'Doe', email: 'eve@example.com' }]))).statusCode,
        200,
      );
      assert.deepEqual(problems(await hit(conn([{ firstName: 'Eve' }]))), ['users.0:field_type']);
      const users = await hub.get('/api/dam/users');
      assert.deepEqual(users.json(), [
        { id: '1', firstName: 'Ann', lastName: null, email: 'ann@example.com' },
      ]);
    });

    test('a sessionId that is a user id or e-mail is rejected', async () => {
      const view = { date: recent, type: 'VIEW', origin: 0, medias: ['img'] };
      assert.deepEqual(problems(await hit({ ...view, sessionId: '1' })), ['sessionId:session_is_user']);
      assert.deepEqual(problems(await hit({ ...view, sessionId: 'ANN@example.com' })), [
        'sessionId:session_is_user',
      ]);
      assert.equal((await hit({ ...view, sessionId: 'a7c1f0e2b9d8' })).statusCode, 200);
    });
  });

  describe('plays', () => {
    const play = (p: unknown, medias = ['v1']) => ({
      date: recent,
      type: 'PLAY',
      origin: 0,
      medias,
      play: p,
    });

    test('duration and ranges within the video’s length, ranges adding up to the duration', async () => {
      assert.deepEqual(problems(await hit(play({ duration: 61 }))), ['play.duration:field_range']);
      assert.deepEqual(problems(await hit(play({ duration: 10, ranges: [{ start: 55, end: 65 }] }))), [
        'play.ranges.0.end:field_range',
      ]);
      assert.deepEqual(problems(await hit(play({ duration: 0, ranges: [{ start: 5, end: 5 }] }))), [
        'play.ranges.0:field_range',
      ]);
      assert.deepEqual(problems(await hit(play({ duration: 30, ranges: [{ start: 0, end: 5 }] }))), [
        'play.duration:field_range',
      ]);
      // The document's example: 0-5 then 20-30 is 15 seconds.
      const ok = await hit(
        play({
          duration: 15,
          ranges: [
            { start: 0, end: 5 },
            { start: 20, end: 30 },
          ],
        }),
      );
      assert.equal(ok.statusCode, 200, ok.body);
      // A video of unknown length: only the shape of the ranges is checked.
      const unknown = await hit(play({ duration: 500, ranges: [{ start: 0, end: 500 }] }, ['v-unknown']));
      assert.equal(unknown.statusCode, 200, unknown.body);
    });
  });

  describe('queries', () => {
    test('per media, searches by type, connection success rate, hits per origin', async () => {
      const q = await startHub();
      try {
        const put = (url: string, payload: unknown, method: 'PUT' | 'PATCH' = 'PUT') =>
          q.app.inject({
            method,
            url,
            headers: { authorization: `Bearer ${q.adminKey}` },
            payload: payload as object,
          });
        await put(`/v1/apps/${q.appId}`, { origin: 3 }, 'PATCH');
        await put('/v1/hit-users/u1', { email: 'u1@example.com' });
        await put('/v1/medias/film', { kind: 'video', durationSeconds: 100 });
        const send = async (body: Record<string, unknown>) => {
          const res = await q.app.inject({
            method: 'POST',
            url: '/api/stat/hits',
            headers: { authorization: `Bearer ${q.ingestKey}`, 'content-type': 'application/json' },
            payload: JSON.stringify({ date: recent, origin: 3, ...body }),
          });
          assert.equal(res.statusCode, 200, res.body);
        };
        // Two plays of film: the first replays 10-20 (counted once), the second 50-60.
        await send({
          type: 'PLAY',
          medias: ['film'],
          sessionId: 's-1',
          play: {
            duration: 30,
            ranges: [
              { start: 0, end: 20 },
              { start: 10, end: 20 },
            ],
          },
        });
        await send({
          type: 'PLAY',
          medias: ['film'],
          sessionId: 's-2',
          play: { duration: 10, ranges: [{ start: 50, end: 60 }] },
        });
        await send({ type: 'VIEW', medias: ['film', 'poster'] });
        await send({ type: 'DOWNLOAD', medias: ['poster'], download: { usage: 'print', formatIds: ['hd'] } });
        await send({
          type: 'UPLOAD',
          medias: ['poster'],
          upload: { contributionSpaceType: 'FOLDER', contributionSpaceId: 'f1' },
        });
        await send({ type: 'SEARCH', search: { resultCount: 10, searchType: 'TEXT' } });
        await send({ type: 'SEARCH', search: { resultCount: 20, searchType: 'TEXT' }, sessionId: 'x2' });
        await send({ type: 'SEARCH', folders: ['f1'], search: { resultCount: 3, searchType: 'FOLDER' } });
        for (const [success, sid] of [
          [true, 'c1'],
          [true, 'c2'],
          [false, 'c3'],
        ] as const) {
          await send({
            type: 'CONNECTION',
            users: [{ userId: 'u1' }],
            sessionId: sid,
            connection: { mode: 'SSO', success },
          });
        }
        await send({
          type: 'CONNECTION',
          origin: -1,
          users: [{ userId: 'u1' }],
          connection: { mode: 'CLASSIC', success: true },
        });
        await q.settled();
        const rows = async (path: string) => {
          const res = await q.get(`/v1/query/hits/${path}`);
          assert.equal(res.statusCode, 200, res.body);
          return res.json<{ rows: unknown[] }>().rows;
        };
        assert.deepEqual(await rows('medias'), [
          { media: 'film', downloads: 0, views: 1, plays: 2, uploads: 0, secondsWatched: 30 },
          { media: 'poster', downloads: 1, views: 1, plays: 0, uploads: 1, secondsWatched: 0 },
        ]);
        assert.deepEqual(await rows('searches'), [
          { searchType: 'FOLDER', searches: 1, averageResultCount: 3 },
          { searchType: 'TEXT', searches: 2, averageResultCount: 15 },
        ]);
        assert.deepEqual(await rows('connections'), [
          { mode: 'CLASSIC', attempts: 1, successes: 1, successRate: 1 },
          { mode: 'SSO', attempts: 3, successes: 2, successRate: 2 / 3 },
        ]);
        const origins = (await rows('origins')) as { origin: number; type: string; hits: number }[];
        assert.deepEqual(
          origins.map((o) => `${o.origin}:${o.type}:${o.hits}`),
          [
            '-1:CONNECTION:1',
            '3:CONNECTION:3',
            '3:DOWNLOAD:1',
            '3:PLAY:2',
            '3:SEARCH:3',
            '3:UPLOAD:1',
            '3:VIEW:1',
          ],
        );
      } finally {
        await q.close();
      }
    });
  });
});
