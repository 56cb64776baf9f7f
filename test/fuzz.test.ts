/**
 * Property-based fuzzing of every route, as a hostile client would: generated values
 * for every field of every ingest dialect (lone surrogates, control characters, numbers
 * at and past every boundary, deep and wide structures, wrong types, unknown keys),
 * generated raw bodies and encodings, and every other route of the OpenAPI document
 * with generated path and query parameters and bodies, under this tenant's keys and
 * with another tenant's ids.
 *
 * The property: every answer is a 2xx, or a 4xx with a code from the error catalog. At
 * the end the server is alive, a rejected request stored nothing, a good event sent last
 * to each dialect is stored, and a restart on the same data directory becomes ready.
 *
 * Bounded for `npm test`; `npm run fuzz` runs it longer (USAGEHUB_FUZZ_RUNS). A failure
 * prints fast-check's seed and path: USAGEHUB_FUZZ_SEED=<seed> replays the same cases.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startHub, type TestHub } from './helpers/server.ts';
import { ingestRoutes, type IngestRoute } from './helpers/dialects.ts';
import { ERRORS } from '../src/domain/errors.ts';
import { ok } from './helpers/admin.ts';

const RUNS = Number(process.env.USAGEHUB_FUZZ_RUNS ?? 60);
const SEED =
  process.env.USAGEHUB_FUZZ_SEED === undefined ? undefined : Number(process.env.USAGEHUB_FUZZ_SEED);
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 } as const;

// ---------------------------------------------------------------- hostile values

const deep = (levels: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = i % 2 ? { k: v } : [v];
  return v;
};
const wide = (keys: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i]));

/** Values a schema does not expect, and values at and past the stores' limits. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\udc00\ud800',
    '\u0000',
    '\u001b[31m',
    '\u202e',
    '',
    ' ',
    'x'.repeat(5000),
    '../../etc/passwd',
    "'; DROP TABLE events; --",
    '1e400',
    'NaN',
    '2024-02-30T10:00:00Z',
    '9999-12-31T23:59:59Z',
    '-1',
  ),
  fc.constantFrom(
    0,
    -0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53 - 1,
    2 ** 53,
    -(2 ** 53),
    1e21,
    2 ** 63,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    253402300800000,
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(deep(31), deep(33), deep(200), wide(3000), [], {}),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

/** Number literals JSON.stringify cannot write: put in the text in place of a marker. */
const RAW_NUMBERS = ['1e400', '-1e400', '99999999999999999999999', '1E21', '-0.0e-400'];
const MARKER = 'UH_RAW_NUMBER_MARKER';

/** Every path to a value in a JSON value (objects' keys and arrays' indices). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

function setAt(body: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

// ---------------------------------------------------------------- answers

interface Tally {
  ok: number;
  rejected: number;
  codes: Map<string, number>;
}

/** The catalogued code in any of usagehub's envelopes (native, v3, push, aggregated, OAuth). */
function codeIn(res: Answer): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return undefined;
  }
  const b = body as { error?: unknown; code?: unknown; response?: unknown };
  if (typeof b.error === 'string') return b.error; // RFC 6749 (OAuth token endpoint)
  if (b.error && typeof b.error === 'object') return (b.error as { code?: string }).code;
  if (typeof b.code === 'string') return b.code;
  // Aggregated usage: the document's own fixed answer to a bad key.
  if (b.response === 'Authentication Failure') return 'unauthorized';
  return undefined;
}

/** The property of every answer: a 2xx, or a 4xx with a catalogued code. */
function judge(res: Answer, what: string, tally: Tally): void {
  if (res.statusCode >= 200 && res.statusCode < 300) {
    tally.ok++;
    return;
  }
  const code = codeIn(res);
  assert.ok(
    res.statusCode >= 400 && res.statusCode < 500 && code !== undefined && code in ERRORS,
    `${what} → ${res.statusCode} ${res.body.slice(0, 500)}`,
  );
  tally.rejected++;
  tally.codes.set(code, (tally.codes.get(code) ?? 0) + 1);
}

/** What the fuzzer judges of an answer. */
type Answer = Pick<LightMyRequestResponse, 'statusCode' | 'body'>;

/**
 * One request of the OpenAPI fuzzer. A live stream (`/v1/stream`) that is admitted never
 * ends: its head is judged, then it is closed; a refused one is read whole.
 */
async function send(hub: TestHub, opts: InjectOptions & { url: string }): Promise<Answer> {
  if (!opts.url.startsWith('/v1/stream')) return hub.app.inject(opts);
  const res = await hub.app.inject({ ...opts, payloadAsStream: true });
  const stream = res.stream();
  if (res.statusCode === 200) {
    stream.destroy();
    return { statusCode: 200, body: '' };
  }
  let body = '';
  for await (const chunk of stream) body += String(chunk);
  return { statusCode: res.statusCode, body };
}

// ---------------------------------------------------------------- the fuzzer

describe('fuzz', () => {
  let hub: TestHub;
  let routes: IngestRoute[];
  /** Another tenant, whose ids are tried with this tenant's keys. */
  let other: {
    tenantId: string;
    adminKey: string;
    ingestKey: string;
    appId: string;
    keyId: string;
    eventId: string;
    /** A Live endpoint of theirs (unverified: nothing is ever sent to it). */
    endpoint: { id: string; privateKey: string };
  };
  /** A Live endpoint of this tenant's, for the routes under /v1/live/endpoints/{id}. */
  let ownEndpointId = '';
  let storedBefore = 0;
  const tally: Tally = { ok: 0, rejected: 0, codes: new Map() };

  before(async () => {
    hub = await startHub({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      // The fuzzer tries wrong and missing keys by the hundred from one address, and then
      // sends good events from it: the throttles on those are tested in limits.test.ts.
      limitAuthFailuresPerMinute: 1e6,
      limitUnauthenticatedPerSecond: 1e6,
    });
    routes = await ingestRoutes(hub);
    const { admin } = hub.runtime.deps;
    const init = await admin.init('other');
    assert.equal(init.outcome, 'created');
    if (init.outcome !== 'created') return;
    const app = ok(await admin.createApp(init.tenant.id, 'theirs'));
    const ingest = await admin.createKey(init.tenant.id, 'ingest', 'theirs');
    // One event of theirs: its id is tried with this tenant's keys, and its tenant must never show.
    const theirs = await hub.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${ingest.secret}`, 'content-type': 'application/json' },
      payload: [{ app: 'theirs', name: 'their_event', timestamp: Date.now(), email: 'them@example.com' }],
    });
    assert.equal(theirs.statusCode, 200, theirs.body);
    let eventId: string | undefined;
    for (let i = 0; i < 200 && eventId === undefined; i++) {
      const page = await hub.app.inject({
        method: 'GET',
        url: '/v1/events',
        headers: { authorization: `Bearer ${init.adminKey.secret}` },
      });
      eventId = page.json<{ events: { eventId: string }[] }>().events[0]?.eventId;
      if (eventId === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(eventId, 'their event is stored');
    const live = hub.runtime.deps.live;
    const endpointOf = async (tenantId: string) => {
      const created = await live.create(tenantId, { url: 'http://127.0.0.1:9/never' });
      assert.equal(created.outcome, 'ok');
      return created.outcome === 'ok' ? created.value : { id: '', privateKey: '' };
    };
    const theirEndpoint = await endpointOf(init.tenant.id);
    ownEndpointId = (await endpointOf(hub.tenantId)).id;
    other = {
      endpoint: { id: theirEndpoint.id, privateKey: theirEndpoint.privateKey },
      tenantId: init.tenant.id,
      adminKey: init.adminKey.secret,
      ingestKey: ingest.secret,
      appId: app.id,
      keyId: ingest.key.id,
      eventId,
    };
    storedBefore = await hub.settled();
  });
  after(async () => {
    console.log(
      `fuzz: ${tally.ok} accepted, ${tally.rejected} rejected; codes ${JSON.stringify([...tally.codes].sort())}`,
    );
    await hub.close();
  });

  let n = 0;
  test('ingest: a generated value at any field of any dialect', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(),
        hostileValue,
        fc.constantFrom('value', 'unknown-key', 'raw-number'),
        async (r, p, value, how) => {
          const route = routes[r % routes.length]!;
          const valid = route.valid(n++);
          const paths = pathsOf(valid);
          const path = paths[p % paths.length]!;
          let body: unknown;
          if (how === 'value') body = setAt(valid, path, value);
          else if (how === 'unknown-key')
            body = setAt(valid, [...path.slice(0, -1), `zz_${p}`], value); // a key the schema does not know
          else body = JSON.stringify(setAt(valid, path, MARKER)).replace(`"${MARKER}"`, RAW_NUMBERS[p % 5]!);
          judge(await route.send(body), `${route.dialect} ${how} at ${path.join('.')}`, tally);
        },
      ),
      params,
    );
  });

  test('ingest: generated raw bodies, content types and encodings', async () => {
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.constantFrom(
        Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        Buffer.from('[{"app":"web","name":"\xc3\x28"}]', 'latin1'),
        '[{"app":',
        '{"events":[',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        '\ufeff[]',
        'data=%5B%5D',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        bodies,
        fc.constantFrom(
          'application/json',
          'application/x-ndjson',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
          '',
        ),
        fc.constantFrom('', 'gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, gzip', 'x'),
        fc.boolean(),
        async (r, body, type, encoding, compressForReal) => {
          const route = routes[r % routes.length]!;
          let payload: string | Buffer = body;
          if (compressForReal && encoding === 'gzip') payload = zlib.gzipSync(body);
          if (compressForReal && encoding === 'br') payload = zlib.brotliCompressSync(body);
          const headers: Record<string, string> = { 'content-type': type };
          if (encoding) headers['content-encoding'] = encoding;
          judge(await route.send(payload, headers), `${route.dialect} raw ${type} ${encoding}`, tally);
        },
      ),
      params,
    );
  });

  test('every other route of the OpenAPI document: generated parameters and bodies, any key', async () => {
    await hub.app.ready();
    const spec = hub.app.swagger() as unknown as OpenApi;
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method !== 'parameters')
        .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    const skipped = (o: { path: string; method: string }) =>
      // Ingest has its own properties above. A Live endpoint's url is where requests go:
      // creating one, changing its url and verifying it are tried with loopback forms only,
      // in the test below; the rest of its routes (replay, test, rotate, …) are tried here.
      (o.path === '/v1/events' && o.method === 'POST') ||
      /^\/(v3\/events|api\/product|api\/stat\/hits$|services\/push\/.*\/events)/.test(o.path) ||
      (o.path === '/v1/live/endpoints' && o.method === 'POST') ||
      (o.path === '/v1/live/endpoints/{id}' && o.method === 'PATCH') ||
      o.path.endsWith('/verify');
    const candidates = operations.filter((o) => !skipped(o));
    assert.ok(candidates.length > 30, `routes found: ${candidates.length}`);
    const idPool = () =>
      fc.oneof(
        hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
        fc.constantFrom(
          hub.appId,
          'web',
          other.appId,
          'theirs',
          other.keyId,
          other.eventId,
          other.endpoint.id,
          ownEndpointId,
          '0',
          '1',
          'APPSTART',
          '%ff',
        ),
      );
    // This tenant's keys only (and none): the other tenant's ids are tried with them, never its own keys,
    // so that whatever happens to its key and app afterwards is a leak across tenants.
    const keys = [hub.adminKey, hub.readKey, hub.ingestKey, 'not-a-key', ''];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.nat(),
        idPool(),
        fc.dictionary(fc.string({ maxLength: 12 }), idPool(), { maxKeys: 4 }),
        fc.nat(),
        fc.option(fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 3 })), { nil: undefined }),
        async (o, k, id, extraQuery, seed, bodyValue) => {
          const op = candidates[o % candidates.length]!;
          const url = op.path.replace(/\{[^}]+\}/g, () => pathSegment(id));
          const query = new URLSearchParams();
          for (const p of op.op.parameters ?? []) {
            if (p.in !== 'query' || (seed + p.name.length) % 3 === 0) continue;
            query.set(p.name, String(pick(p.schema, seed + p.name.length, id)));
          }
          for (const [name, value] of Object.entries(extraQuery)) query.set(name, value);
          const schema = op.op.requestBody?.content?.['application/json']?.schema;
          const body =
            bodyValue !== undefined && seed % 2 === 0
              ? bodyValue
              : schema
                ? sample(schema, seed, id)
                : undefined;
          const res = await send(hub, {
            method: op.method as 'GET',
            url: `${url}${query.size ? `?${query}` : ''}`,
            headers: {
              authorization: `Bearer ${keys[k % keys.length]}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            payload: body === undefined ? undefined : JSON.stringify(body),
          });
          judge(res, `${op.method} ${url}?${query}`, tally);
          if (k % keys.length === 0 && /other|theirs/.test(res.body))
            assert.ok(!res.body.includes(other.appId), `another tenant's data: ${res.body.slice(0, 300)}`);
          // Their tenant id is never sent, so it can only appear if their data leaked.
          assert.ok(!res.body.includes(other.tenantId), `another tenant's data: ${res.body.slice(0, 300)}`);
        },
      ),
      params,
    );
  });

  test('Live endpoints: only SSRF forms of URLs, each refused or taken, none reached', async () => {
    const urls = [
      'http://127.0.0.1:1/hook',
      'http://[::1]/hook',
      'http://[::7f00:1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0x7f000001/hook',
      'http://2130706433/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/hook',
      'file:///etc/passwd',
      'gopher://127.0.0.1:6379/_INFO',
      'http://user:pass@127.0.0.1/',
      'not a url',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...urls), hostileValue, fc.nat(), async (url, value, i) => {
        const body = i % 2 === 0 ? { url, filters: ['*'] } : { url, description: value, filters: value };
        const res = await hub.app.inject({
          method: 'POST',
          url: '/v1/live/endpoints',
          headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        judge(res, `POST /v1/live/endpoints ${JSON.stringify(body).slice(0, 200)}`, tally);
      }),
      { ...params, numRuns: Math.min(RUNS, 40) },
    );
  });

  test('afterwards: alive, nothing of a rejected request stored, good events stored, a restart becomes ready', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    const stored = await hub.settled();
    assert.ok(
      stored - storedBefore <= tally.ok,
      `stored ${stored - storedBefore} events, accepted ${tally.ok} requests`,
    );
    // The other tenant's key and app are untouched by anything tried with their ids.
    const theirs = await hub.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${other.ingestKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify([{ app: other.appId, name: 'theirs', timestamp: Date.now() }]),
    });
    assert.equal(theirs.statusCode, 200, theirs.body);
    const theirEndpoint = await hub.app.inject({
      method: 'GET',
      url: `/v1/live/endpoints/${other.endpoint.id}`,
      headers: { authorization: `Bearer ${other.adminKey}` },
    });
    assert.equal(theirEndpoint.statusCode, 200, 'their endpoint is still there');
    assert.equal(
      theirEndpoint.json<{ privateKey: string }>().privateKey,
      other.endpoint.privateKey,
      'not rotated',
    );

    // A good event to every dialect (their settings set up again: the fuzzer may have changed them).
    routes = await ingestRoutes(hub);
    for (const route of routes) {
      const res = await route.send(route.valid(1_000_000 + routes.indexOf(route)));
      assert.ok(res.statusCode < 300, `${route.dialect}: ${res.body}`);
    }
    const count = await hub.storedCount(stored + routes.length);
    assert.equal(count, stored + routes.length);

    const { dataDir, tenantId, adminKey, ingestKey, readKey, appId } = hub;
    await hub.close();
    hub = await startHub({}, dataDir, { tenantId, adminKey, ingestKey, readKey, appId });
    assert.equal((await hub.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    assert.equal(await hub.settled(), count);
  });
});

/**
 * A generated id as a path segment. encodeURIComponent throws on a lone surrogate, so
 * one is sent as the UTF-8 bytes it would have (ED A0 80…, which are not valid UTF-8)
 * — what a hostile client can put in a URL; `%ff` is sent as it is.
 */
function pathSegment(id: string): string {
  if (id === '%ff') return id;
  const marked = id.replace(/[\ud800-\udfff]/g, '\u0000LONE\u0000');
  return encodeURIComponent(marked).replaceAll('%00LONE%00', '%ED%A0%80');
}

// ---------------------------------------------------------------- schema-driven samples

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}
interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema: JsonSchema }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** A value for a schema: mostly one it accepts, sometimes one at or past its bounds. */
function pick(schema: JsonSchema, seed: number, id: string): unknown {
  const r = seed % 7;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return r === 6 ? `${String(schema.enum[0])}x` : schema.enum[seed % schema.enum.length];
  if (schema.anyOf) return pick(schema.anyOf[seed % schema.anyOf.length]!, seed >> 1, id);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'integer' || type === 'number') {
    const edges = [
      schema.minimum ?? 0,
      schema.maximum ?? 100,
      (schema.maximum ?? 1e21) + 1,
      -1,
      1.5,
      '1e400',
      7,
    ];
    return edges[r];
  }
  if (type === 'boolean') return r % 2 === 0;
  if (type === 'array') return [pick(schema.items ?? {}, seed + 1, id)];
  // An object without named properties (a record of anything): one generated entry.
  if (type === 'object') return schema.properties ? sample(schema, seed + 1, id) : { [id]: id };
  return r < 3 ? id : ['web', 'ann@example.com', '2024-05-01T00:00:00Z', '1714521600000'][r - 3];
}

function sample(schema: JsonSchema, seed: number, id: string): unknown {
  if (schema.type !== 'object' || !schema.properties) return pick(schema, seed, id);
  return Object.fromEntries(
    Object.entries(schema.properties)
      .filter(([name]) => (seed + name.length) % 4 !== 0)
      .map(([name, s], i) => [name, pick(s, seed + i, id)]),
  );
}
