/**
 * The official Segment and PostHog Node.js clients, from npm, configured only with the
 * host and the write key, against a running usagehub: every call is stored once, with
 * its user, name, properties and time — also when a proxy in front answers 503 to the
 * first attempt after usagehub stored it, so that the client sends the batch again —
 * and the person's profile holds the traits, aliases and groups the calls set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { Analytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import type { UsageEvent } from '../src/domain/event.ts';
import type { Profile } from '../src/profiles/profile.ts';
import { adminCall } from './helpers/admin.ts';
import { startHub, type TestHub } from './helpers/server.ts';

/**
 * A proxy that forwards every request to usagehub, but answers the first `failFirst`
 * of them with 503 after usagehub took them: what a client sees when an answer is lost.
 */
async function flakyProxy(target: string, failFirst: number) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = seen++ < failFirst;
      const headers = { ...req.headers };
      delete headers.host;
      request(`${target}${req.url}`, { method: req.method as 'POST', headers, body: Buffer.concat(chunks) })
        .then(async (upstream) => {
          const body = Buffer.from(await upstream.body.arrayBuffer());
          res.writeHead(fail ? 503 : upstream.statusCode, { 'content-type': 'application/json' });
          res.end(fail ? '{"error":"unavailable"}' : body);
        })
        .catch(() => (res.writeHead(502), res.end()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the official clients', () => {
  let hub: TestHub;
  let base: string;
  const stored = async (source: string): Promise<UsageEvent[]> => {
    await hub.settled();
    const res = await hub.get('/v1/export');
    return res.body
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageEvent)
      .filter((e) => e.source === source);
  };

  /** The person's profile, once `ready` says the profiles worker has caught up with what the test sent. */
  const profileOf = async (id: string, ready: (p: Profile) => boolean): Promise<Profile> => {
    for (let i = 0; i < 200; i++) {
      const res = await hub.get(`/v1/users/${encodeURIComponent(id)}`);
      if (res.statusCode === 200) {
        const { profile } = res.json<{ profile: Profile }>();
        if (ready(profile)) return profile;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no profile of ${id}`);
  };

  before(async () => {
    hub = await startHub();
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  });
  after(() => hub.close());

  for (const failFirst of [0, 2]) {
    test(`@segment/analytics-node: track, identify, page, group, alias${failFirst ? ', after two 503s' : ''}`, async () => {
      const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
        writeKey: string;
      };
      const proxy = await flakyProxy(base, failFirst);
      const analytics = new Analytics({ writeKey, host: proxy.url, maxEventsInBatch: 15 });
      const errors: unknown[] = [];
      analytics.on('error', (e) => errors.push(e));
      const userId = `seg-user-${failFirst}`;
      const when = new Date('2026-11-30T12:00:00Z');
      analytics.track({ userId, event: 'Video Played', properties: { seconds: 42 }, timestamp: when });
      analytics.identify({
        userId,
        traits: { email: `ann${failFirst}@acme.com`, plan: 'pro' },
        timestamp: when,
      });
      analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' }, timestamp: when });
      analytics.group({ userId, groupId: 'acme', traits: { employees: 12 }, timestamp: when });
      analytics.alias({ userId, previousId: `anon-${failFirst}`, timestamp: when });
      await analytics.closeAndFlush({ timeout: 20_000 });
      await proxy.close();
      assert.deepEqual(errors, []);
      assert.ok(proxy.requests() > failFirst, 'the client sent again after each 503');

      const mine = (await stored('segment')).filter((e) => e.actor.userId === userId);
      assert.deepEqual(mine.map((e) => e.name).sort(), [
        'Video Played',
        'alias',
        'group',
        'identify',
        'page',
      ]);
      for (const e of mine) assert.equal(e.occurredAt, when.getTime());
      const byName = new Map(mine.map((e) => [e.name, e]));
      assert.deepEqual(byName.get('Video Played')?.properties, { seconds: 42 });
      assert.equal(byName.get('identify')?.actor.email, `ann${failFirst}@acme.com`);
      assert.equal(byName.get('identify')?.properties.plan, 'pro');
      assert.equal(byName.get('page')?.properties.name, 'Pricing');
      assert.equal(byName.get('group')?.properties.groupId, 'acme');
      assert.equal(byName.get('alias')?.properties.previousId, `anon-${failFirst}`);
      assert.ok(
        mine.every((e) => e.clientId),
        'each with its messageId',
      );
      const profile = await profileOf(userId, (p) => p.aliases.length > 0 && p.groups.group !== undefined);
      assert.deepEqual(profile.traits, { email: `ann${failFirst}@acme.com`, plan: 'pro' });
      assert.deepEqual(profile.aliases, [`anon-${failFirst}`]);
      assert.equal(profile.groups.group, 'acme');
    });

    test(`posthog-node: capture, identify, groupIdentify, alias${failFirst ? ', after two 503s' : ''}`, async () => {
      const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as {
        writeKey: string;
      };
      const proxy = await flakyProxy(base, failFirst);
      const client = new PostHog(writeKey, { host: proxy.url, flushAt: 20, fetchRetryDelay: 50 });
      const errors: unknown[] = [];
      client.on('error', (e) => errors.push(e));
      const distinctId = `ph-user-${failFirst}`;
      const when = new Date('2026-11-30T13:00:00Z');
      client.capture({ distinctId, event: 'file opened', properties: { size: 3 }, timestamp: when });
      client.identify({
        distinctId,
        properties: { $set: { email: `bob${failFirst}@acme.com` }, $set_once: { first: 'x' } },
      });
      client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { seats: 9 }, distinctId });
      client.alias({ distinctId, alias: `ph-anon-${failFirst}` });
      await client.shutdown(20_000);
      await proxy.close();
      assert.deepEqual(errors, []);
      assert.ok(proxy.requests() > failFirst, 'the client sent again after each 503');

      const mine = (await stored('posthog')).filter((e) => e.actor.userId === distinctId);
      assert.deepEqual(mine.map((e) => e.name).sort(), [
        '$create_alias',
        '$groupidentify',
        '$identify',
        'file opened',
      ]);
      const byName = new Map(mine.map((e) => [e.name, e]));
      assert.equal(byName.get('file opened')?.occurredAt, when.getTime());
      assert.equal(byName.get('file opened')?.properties.size, 3);
      assert.equal(byName.get('$identify')?.actor.email, `bob${failFirst}@acme.com`);
      assert.equal(byName.get('$groupidentify')?.properties.$group_key, 'acme');
      assert.equal(byName.get('$create_alias')?.properties.alias, `ph-anon-${failFirst}`);
      assert.ok(
        mine.every((e) => e.clientId),
        'each with its uuid',
      );
      const profile = await profileOf(distinctId, (p) => p.aliases.length > 0);
      assert.equal(profile.traits.email, `bob${failFirst}@acme.com`);
      assert.equal(profile.traits.first, 'x');
      assert.deepEqual(profile.emails, [`bob${failFirst}@acme.com`]);
      assert.deepEqual(profile.aliases, [`ph-anon-${failFirst}`]);
    });
  }
  test('posthog-node flag calls: answered, nothing enabled, no errors', async () => {
    const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as {
      writeKey: string;
    };
    const client = new PostHog(writeKey, { host: base });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    // As PostHog answers for a flag the project does not have: undefined, which is not enabled.
    assert.equal(await client.isFeatureEnabled('new-editor', 'ph-flags-1'), undefined);
    assert.equal(await client.getFeatureFlag('new-editor', 'ph-flags-1'), undefined);
    assert.deepEqual(await client.getAllFlags('ph-flags-1'), {});
    await client.shutdown(5_000);
    assert.deepEqual(errors, []);
  });

  test('@rudderstack/rudder-sdk-node, a Segment-protocol client that labels its gzip batches as a form', async () => {
    const { writeKey } = (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as {
      writeKey: string;
    };
    const client = new RudderAnalytics(writeKey, { dataPlaneUrl: base, flushAt: 10 });
    const labels: string[] = [];
    const watcher = (req: { url?: string; headers: Record<string, unknown> }) => {
      if (req.url?.startsWith('/v1/batch'))
        labels.push(`${String(req.headers['content-type'])} ${String(req.headers['content-encoding'])}`);
    };
    hub.app.server.on('request', watcher);
    try {
      client.track({ userId: 'rs-1', event: 'Report Exported', properties: { rows: 12 } });
      client.identify({ userId: 'rs-1', traits: { plan: 'team' } });
      await client.flush();
    } finally {
      hub.app.server.off('request', watcher);
    }
    assert.ok(
      labels.length > 0 && labels.every((l) => l === 'application/x-www-form-urlencoded gzip'),
      labels.join('; '),
    );
    const mine = (await stored('segment')).filter((e) => e.actor.userId === 'rs-1');
    assert.deepEqual(mine.map((e) => e.name).sort(), ['Report Exported', 'identify']);
    assert.equal(mine.find((e) => e.name === 'Report Exported')?.properties.rows, 12);
    const profile = await profileOf('rs-1', (p) => p.traits.plan === 'team');
    assert.equal(profile.traits.plan, 'team');
  });
});
