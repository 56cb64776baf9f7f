/**
 * Every ingest route of usagehub with what a client needs to use it: credentials, a
 * valid body, and the answer that means "taken". Shared by the hostile-input tests and
 * the fuzzer, so that each of them covers every dialect.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { TestHub } from './server.ts';
import { adminCall } from './admin.ts';

export interface IngestRoute {
  dialect: 'native' | 'push' | 'sessions' | 'aggregated' | 'hits' | 'segment' | 'posthog';
  /** A valid body holding one event, a different one for each `n`. */
  valid(n: number): Record<string, unknown>;
  /** Sends `body` (JSON-encoded unless a string or a Buffer) with the dialect's credentials. */
  send(body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** The error code in an answer, wherever the dialect's envelope keeps it. */
  codeOf(res: LightMyRequestResponse): string | undefined;
}

/** A valid native event, a different one for each `n`. */
export const nativeEvent = (n: number, now = Date.now()): Record<string, unknown> => ({
  app: 'web',
  name: 'opened_file',
  timestamp: now - 60_000,
  userId: `u${n}`,
  id: `n${n}`,
});

const payloadOf = (body: unknown): string | Buffer =>
  typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);

/** Sets the hub's tenant up for every dialect (mapping, OAuth client, hit registry, metric), then lists the routes. */
export async function ingestRoutes(hub: TestHub): Promise<IngestRoute[]> {
  const { admin } = hub.runtime.deps;
  await admin.mapEvent(hub.tenantId, hub.appId, 'opened_file', 'Read');
  await admin.setAppOrigin(hub.tenantId, hub.appId, 0);
  await adminCall(hub, 'PUT', '/v1/hit-users/1', { firstName: 'Ann', email: 'ann@example.com' });
  await adminCall(hub, 'PUT', '/v1/metrics/secondary23');
  const { client, secret } = await admin.createOAuthClient(hub.tenantId, 'fuzz', ['connector.write']);
  const tokenRes = await hub.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: secret,
    }).toString(),
  });
  const token = tokenRes.json<{ access_token: string }>().access_token;
  const now = Date.now();
  const post =
    (url: string, auth: Record<string, string>) =>
    (body: unknown, headers: Record<string, string> = {}) =>
      hub.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...auth, ...headers },
        payload: payloadOf(body),
      });
  const nativeCode = (res: LightMyRequestResponse) => res.json<{ error?: { code?: string } }>().error?.code;
  const writeKey = async (kind: string) =>
    ((await adminCall(hub, 'POST', '/v1/sources', { kind, app: 'web' })) as { writeKey: string }).writeKey;
  const segmentKey = await writeKey('segment');
  const posthogKey = await writeKey('posthog');
  return [
    {
      dialect: 'native',
      valid: (n) => ({ events: [nativeEvent(n, now)] }),
      send: post('/v1/events', { authorization: `Bearer ${hub.ingestKey}` }),
      codeOf: nativeCode,
    },
    {
      dialect: 'push',
      valid: (n) => ({
        events: [{ timestamp: now - 60_000 - n, email: `p${n}@example.com`, eventName: 'opened_file' }],
      }),
      send: post(`/services/push/v1/customer/apps/${hub.appId}/events`, { authorization: `Bearer ${token}` }),
      codeOf: nativeCode,
    },
    {
      dialect: 'sessions',
      valid: (n) => ({
        app: 'web',
        data: [
          {
            action: 'START',
            type: 'APPSTART',
            timestamp: Math.floor(now / 1000) - 60,
            session: `s${n}x9q`,
            entities: [{ key: 'app', value: 'BigBrother' }],
          },
        ],
      }),
      send: post('/v3/events', { authorization: `Bearer ${hub.ingestKey}` }),
      codeOf: nativeCode,
    },
    {
      dialect: 'aggregated',
      valid: (n) => ({
        payload: {
          mode: 'DOMAIN',
          activity_type: 'secondary23',
          source: 'TELEMETRY',
          environment: 'PRODUCTION',
          event_id: 1_000_000 + n,
          event_at: Math.floor(now / 1000) - 60,
          count: 3,
          domain: 'acme.com',
          product_id: 'web',
          meta: { property1: 'value1' },
        },
      }),
      send: post('/api/product/aggregateusage', { 'x-api-key': hub.ingestKey }),
      codeOf: (res) => res.json<{ code?: string }>().code,
    },
    {
      dialect: 'hits',
      valid: (n) => ({
        date: new Date(now - 60_000 - n * 1000).toISOString(),
        type: 'CONNECTION',
        origin: 0,
        sessionId: `7e7f6d22f75d2cc4b9ed5fe907d${String(n).padStart(5, '0')}`,
        users: [{ userId: '1' }],
        connection: { mode: 'CLASSIC', success: true },
      }),
      send: post('/api/stat/hits', { authorization: `Bearer ${hub.ingestKey}` }),
      codeOf: nativeCode,
    },
    {
      dialect: 'segment',
      valid: (n) => ({
        batch: [
          {
            type: 'track',
            event: 'opened_file',
            userId: `s${n}`,
            timestamp: new Date(now - 60_000).toISOString(),
            messageId: `m${n}`,
            properties: { size: n },
          },
        ],
      }),
      send: post('/v1/batch', { authorization: `Basic ${Buffer.from(`${segmentKey}:`).toString('base64')}` }),
      codeOf: nativeCode,
    },
    {
      dialect: 'posthog',
      valid: (n) => ({
        api_key: posthogKey,
        batch: [
          {
            event: 'opened_file',
            distinct_id: `p${n}`,
            timestamp: new Date(now - 60_000).toISOString(),
            uuid: `u${n}`,
            properties: { size: n },
          },
        ],
      }),
      send: post('/batch/', {}),
      codeOf: (res) => res.json<{ code?: string }>().code,
    },
  ];
}
