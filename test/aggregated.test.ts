/**
 * The aggregated-usage dialect, driven through HTTP: the documented request and answers,
 * the field rules, idempotency, keys, company enrichment, and the usage queries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { startHub, type TestHub } from './helpers/server.ts';
import type { UsageEvent } from '../src/domain/event.ts';
import { adminCall } from './helpers/admin.ts';

const UPLOADED = { response_code: '200', response: 'Data Uploaded', status: 'success' };
const AUTH_FAILURE = { response_code: 400, response: 'Authentication Failure', status: 'failure' };

/** The document's sample request, as it stands. */
const SAMPLE = {
  payload: {
    mode: 'DOMAIN',
    activity_type: 'secondary23',
    source: 'TELEMETRY',
    environment: 'PRODUCTION',
    event_id: 1231231232,
    event_at: 639303296,
    count: 1250,
    ip_addr: '156.59.87.83',
    domain: '',
    product_id: 'reoWebApp',
    user_agent:
      'Mozilla/5.0 (Macintosh, Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    meta: { property1: 'value1', property2: 'value2' },
  },
};

const RANGES = `cidr,organisation,domain
156.59.0.0/16,Big Telecom,bigtelecom.example
156.59.87.0/24,Acme Corp,acme.com
2001:db8::/32,Doc Networks,
2001:db8:42::/48,Initech,initech.co.uk
10.9.0.0/16,Webmail Users,gmail.com
`;

describe('aggregated usage API', () => {
  let hub: TestHub;
  const upload = (body: unknown, key: string | null = hub.ingestKey): Promise<LightMyRequestResponse> =>
    hub.app.inject({
      method: 'POST',
      url: '/api/product/aggregateusage',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-api-key': key }) },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const payload = (o: Record<string, unknown>) => ({
    payload: { ...SAMPLE.payload, event_id: undefined, ...o },
  });
  const admin = (method: 'PUT' | 'GET', url: string, payload?: string | object, type = 'application/json') =>
    hub.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${hub.adminKey}`,
        ...(payload === undefined ? {} : { 'content-type': type }),
      },
      payload,
    });
  const settled = () => hub.settled();
  const exported = async (name: string): Promise<UsageEvent[]> => {
    await settled();
    const res = await hub.get(`/v1/export?name=${name}`);
    return res.body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageEvent);
  };

  before(async () => {
    hub = await startHub();
    await hub.runtime.deps.admin.createApp(hub.tenantId, 'reoWebApp');
    for (const key of ['primary', 'secondary1', 'secondary23']) {
      assert.equal((await admin('PUT', `/v1/metrics/${key}`, {})).statusCode, 200);
    }
    const imported = await admin('PUT', '/v1/ip-ranges', RANGES, 'text/csv');
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual(imported.json(), { imported: 5, ipv4: 3, ipv6: 2 });
  });
  after(() => hub.close());

  test('the document’s sample request: its exact success answer, the company resolved from the IP', async () => {
    const res = await upload(SAMPLE);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), UPLOADED);
    const [event] = await exported('secondary23');
    assert.ok(event);
    assert.equal(event.count, 1250);
    assert.equal(event.occurredAt, 639303296 * 1000);
    assert.equal(event.clientId, '1231231232');
    assert.equal(event.context.company, 'acme.com', 'the most specific range');
    assert.equal(event.context.companyResolvedBy, 'ip_range');
    assert.equal(event.context.ipRange, '156.59.87.0/24');
    assert.equal(event.context.organisation, 'Acme Corp');
    assert.equal(event.context.environment, 'PRODUCTION');
    assert.deepEqual(event.properties.meta, { property1: 'value1', property2: 'value2' });
  });

  test('a repeat with the same event_id is acknowledged and not counted twice', async () => {
    const call = payload({ event_id: 'call-1', activity_type: 'primary', count: 7, event_at: 1_700_000_000 });
    assert.deepEqual((await upload(call)).json(), UPLOADED);
    assert.deepEqual((await upload(call)).json(), UPLOADED);
    const events = await exported('primary');
    assert.equal(events.filter((e) => e.clientId === 'call-1').length, 1);
  });

  test('a missing, wrong or non-ingest key: the exact Authentication Failure answer, nothing stored', async () => {
    for (const key of [null, '', 'uh_ingest_nope', hub.readKey]) {
      const res = await upload(SAMPLE, key);
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), AUTH_FAILURE);
    }
  });

  test('every other problem: the same envelope, naming the field; nothing stored', async () => {
    await settled();
    const before = await hub.runtime.deps.queries.eventCount(hub.tenantId);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ mode: 'USER' }, 'payload.mode', 'field_format'],
      [{ source: 'SDK' }, 'payload.source', 'field_format'],
      [{ count: -1 }, 'payload.count', 'field_range'],
      [{ count: 1.5 }, 'payload.count', 'field_type'],
      [{ event_at: '639303296' }, 'payload.event_at', 'field_type'],
      [{ ip_addr: '999.1.1.1' }, 'payload.ip_addr', 'field_type'],
      [{ ip_addr: '', domain: 'not a host!' }, 'payload.domain', 'field_type'],
      [{ ip_addr: '', domain: '' }, 'payload.domain', 'field_required'],
      [{ ip_addr: undefined, domain: undefined }, 'payload.domain', 'field_required'],
      [{ activity_type: 'secondary99' }, 'payload.activity_type', 'unknown_metric'],
      [{ product_id: 'otherApp' }, 'payload.product_id', 'unknown_app'],
      [{ meta: { n: 1 } }, 'payload.meta.n', 'field_type'],
      [{ colour: 'red' }, 'payload.colour', 'field_unknown'],
      [{ event_at: Math.floor(Date.now() / 1000) + 3 * 86400 }, 'payload.event_at', 'field_range'],
    ];
    for (const [change, field, code] of cases) {
      const res = await upload(payload(change));
      assert.equal(res.statusCode, 400, `${JSON.stringify(change)}: ${res.body}`);
      const body = res.json<{
        response_code: number;
        response: string;
        status: string;
        code: string;
        details: { field: string; code: string }[];
      }>();
      assert.equal(body.status, 'failure');
      assert.equal(body.response_code, 400);
      assert.ok(
        body.response.includes(field.split('.').slice(0, 2).join('.')),
        `${body.response} names ${field}`,
      );
      assert.equal(body.code, 'validation_failed');
      assert.ok(
        body.details.some((d) => d.field === field && d.code === code),
        `${JSON.stringify(change)}: ${res.body}`,
      );
    }
    const missing = await upload({ payload: { mode: 'DOMAIN' } });
    assert.match(missing.json<{ response: string }>().response, /payload\.count is required/);
    const notJson = await upload('{"payload": ');
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json<{ status: string }>().status, 'failure');
    await settled();
    assert.equal(await hub.runtime.deps.queries.eventCount(hub.tenantId), before);
  });

  test('companies: from the domain, else the most specific IP range; free e-mail domains never', async () => {
    const t = 1_700_000_000;
    const sends: [Record<string, unknown>, string | undefined, string | undefined][] = [
      [{ domain: 'eu.shop.initech.co.uk', ip_addr: '' }, 'initech.co.uk', 'domain'],
      [{ domain: '', ip_addr: '2001:db8:42::9' }, 'initech.co.uk', 'ip_range'],
      [{ domain: '', ip_addr: '2001:db8:7::1' }, 'Doc Networks', 'ip_range'],
      [{ domain: 'gmail.com', ip_addr: '156.59.1.1' }, 'bigtelecom.example', 'ip_range'],
      [{ domain: 'gmail.com' }, undefined, undefined],
      [{ domain: '', ip_addr: '10.9.8.7' }, 'Webmail Users', 'ip_range'],
      [{ domain: '', ip_addr: '192.0.2.1' }, undefined, undefined],
    ];
    for (const [i, [change]] of sends.entries()) {
      const res = await upload(
        payload({ activity_type: 'secondary1', event_at: t + i, ip_addr: undefined, ...change }),
      );
      assert.equal(res.statusCode, 200, res.body);
    }
    const events = (await exported('secondary1')).sort((a, b) => a.occurredAt - b.occurredAt);
    assert.deepEqual(
      events.map((e) => [e.context.company, e.context.companyResolvedBy]),
      sends.map(([, company, by]) => [company, by]),
    );
    const audit = await admin('GET', '/v1/ip-ranges/resolve?ip=156.59.87.83');
    assert.deepEqual(audit.json(), {
      company: 'acme.com',
      domain: 'acme.com',
      organisation: 'Acme Corp',
      resolvedBy: 'ip_range',
      ipRange: '156.59.87.0/24',
    });
  });

  test('a range table with bad lines is refused whole, with line numbers', async () => {
    const res = await admin(
      'PUT',
      '/v1/ip-ranges',
      'cidr,organisation,domain\n1.2.3.0/24,Ok,ok.example\n1.2.3.0/33,Bad,\n,NoCidr,x.example\n5.6.0.0/16,,\n1.2.3.0/24,Twice,\n7.0.0.0/8,Org,not a domain\n',
      'text/csv',
    );
    assert.equal(res.statusCode, 400, res.body);
    const details = res.json<{ error: { details: { index: number; field: string }[] } }>().error.details;
    assert.deepEqual(
      details.map((d) => `${d.index}:${d.field}`),
      ['3:cidr', '4:cidr', '5:organisation', '6:cidr', '7:domain'],
    );
    const still = await admin('GET', '/v1/ip-ranges/resolve?ip=156.59.87.83');
    assert.equal(still.json<{ company: string }>().company, 'acme.com', 'the old table is untouched');
  });

  test('usage per company and domain, per activity_type and day; top companies; per product and environment', async () => {
    const day = Date.UTC(2026, 0, 5) / 1000;
    const q = await startHub();
    try {
      await q.runtime.deps.admin.createApp(q.tenantId, 'cli');
      for (const key of ['primary', 'secondary1']) await adminCall(q, 'PUT', `/v1/metrics/${key}`);
      const send = async (o: Record<string, unknown>) => {
        const res = await q.app.inject({
          method: 'POST',
          url: '/api/product/aggregateusage',
          headers: { 'content-type': 'application/json', 'x-api-key': q.ingestKey },
          payload: JSON.stringify({
            payload: {
              mode: 'DOMAIN',
              source: 'TELEMETRY',
              activity_type: 'primary',
              product_id: 'web',
              ...o,
            },
          }),
        });
        assert.equal(res.statusCode, 200, res.body);
      };
      await send({ domain: 'a.acme.com', count: 10, event_at: day + 60, environment: 'PRODUCTION' });
      await send({ domain: 'b.acme.com', count: 5, event_at: day + 120, environment: 'PRODUCTION' });
      await send({
        domain: 'a.acme.com',
        count: 1,
        event_at: day + 180,
        activity_type: 'secondary1',
        product_id: 'cli',
      });
      await send({ domain: 'globex.com', count: 100, event_at: day + 86400 + 60, environment: 'STAGING' });
      await q.settled();
      const rows = async (url: string) => {
        const res = await q.get(url);
        assert.equal(res.statusCode, 200, res.body);
        return res.json<{ rows: Record<string, unknown>[] }>().rows;
      };
      assert.deepEqual(await rows('/v1/query/usage?groupBy=company,domain,activityType&interval=day'), [
        {
          bucket: '2026-01-05T00:00:00Z',
          company: 'acme.com',
          domain: 'a.acme.com',
          activityType: 'primary',
          count: 10,
        },
        {
          bucket: '2026-01-05T00:00:00Z',
          company: 'acme.com',
          domain: 'b.acme.com',
          activityType: 'primary',
          count: 5,
        },
        {
          bucket: '2026-01-05T00:00:00Z',
          company: 'acme.com',
          domain: 'a.acme.com',
          activityType: 'secondary1',
          count: 1,
        },
        {
          bucket: '2026-01-06T00:00:00Z',
          company: 'globex.com',
          domain: 'globex.com',
          activityType: 'primary',
          count: 100,
        },
      ]);
      assert.deepEqual(await rows(`/v1/query/top-companies?from=${day * 1000}&to=${(day + 86400) * 1000}`), [
        { company: 'acme.com', count: 16, domains: 2 },
      ]);
      const apps = await q.runtime.deps.admin.listApps(q.tenantId);
      const cli = apps.find((a) => a.name === 'cli')!.id;
      assert.deepEqual(await rows('/v1/query/usage?groupBy=app,environment&interval=none'), [
        { bucket: null, app: q.appId, environment: 'STAGING', count: 100 },
        { bucket: null, app: q.appId, environment: 'PRODUCTION', count: 15 },
        { bucket: null, app: cli, environment: null, count: 1 },
      ]);
      const bad = await q.get('/v1/query/usage?groupBy=planet');
      assert.equal(bad.statusCode, 400);
    } finally {
      await q.close();
    }
  });

  test('usage counts aggregated usage only, unless source names other dialects', async () => {
    const q = await startHub();
    try {
      await adminCall(q, 'PUT', '/v1/metrics/secondary23');
      const res = await q.app.inject({
        method: 'POST',
        url: '/api/product/aggregateusage',
        headers: { 'content-type': 'application/json', 'x-api-key': q.ingestKey },
        payload: JSON.stringify({
          payload: { ...SAMPLE.payload, product_id: 'web', event_at: Math.floor(Date.now() / 1000) - 60 },
        }),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(
        (await q.send([{ app: 'web', name: 'opened_file', timestamp: Date.now() - 1000 }])).statusCode,
        200,
      );
      await q.settled();
      const usage = async (extra = '') =>
        (await q.get(`/v1/query/usage?groupBy=activityType&interval=none${extra}`)).json<{
          rows: unknown[];
        }>().rows;
      assert.deepEqual(await usage(), [{ bucket: null, activityType: 'secondary23', count: 1250 }]);
      assert.deepEqual(await usage('&source=all'), [
        { bucket: null, activityType: 'secondary23', count: 1250 },
        { bucket: null, activityType: 'opened_file', count: 1 },
      ]);
      assert.deepEqual(await usage('&source=native'), [
        { bucket: null, activityType: 'opened_file', count: 1 },
      ]);
      const bad = await q.get('/v1/query/usage?source=plenty');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /aggregated/);
    } finally {
      await q.close();
    }
  });

  test('keys: admins create and revoke; read keys see which ingest keys exist, never a secret', async () => {
    const list = await hub.get('/v1/ingest-keys');
    assert.equal(list.statusCode, 200);
    const keys = list.json<{ keys: { prefix: string }[] }>().keys;
    assert.equal(keys.length, 1);
    assert.ok(hub.ingestKey.startsWith(keys[0]!.prefix));
    assert.ok(!list.body.includes(hub.ingestKey));
    const create = await hub.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { authorization: `Bearer ${hub.readKey}` },
      payload: { role: 'ingest' },
    });
    assert.equal(create.statusCode, 403);
  });
});
