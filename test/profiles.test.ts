/**
 * User profiles, end to end: events of the Segment, PostHog and native dialects become
 * one profile per person (ids merged, traits by event time), answered at /v1/users, and
 * reported on the Live stream as usagehub.user.Created / Changed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Profile } from '../src/profiles/profile.ts';
import type { PersonActivity } from '../src/profiles/profile-queries.ts';
import { adminCall } from './helpers/admin.ts';
import { startHub, type TestHub } from './helpers/server.ts';

const { LiveApi } = createRequire(import.meta.url)('notificare-live-api-node') as {
  LiveApi: new (p: string, k: string) => { httpGateway: { verify(k: string, c: string): string } };
};

/** A Live receiver that answers the challenge and keeps every body. */
async function receiver() {
  const keys = { publicKey: '', privateKey: '' };
  const bodies: { type: string; data: { user: { id: string; traits: Record<string, unknown> } } }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method === 'GET') {
        const challenge = new URL(req.url!, 'http://x').searchParams.get('challenge')!;
        res.end(new LiveApi(keys.privateKey, keys.publicKey).httpGateway.verify(keys.publicKey, challenge));
        return;
      }
      bodies.push(JSON.parse(body) as (typeof bodies)[number]);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    keys,
    bodies,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface UserAnswer {
  profile: Profile;
  activity: PersonActivity;
}

describe('user profiles', () => {
  let hub: TestHub;
  let live: Awaited<ReturnType<typeof receiver>>;
  let segmentKey: string;
  let posthogKey: string;
  const segment = (batch: object[]) =>
    hub.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${segmentKey}:`).toString('base64')}` },
      payload: { batch },
    });
  const posthog = (batch: object[]) =>
    hub.app.inject({ method: 'POST', url: '/batch/', payload: { api_key: posthogKey, batch } });
  const user = async (id: string) => {
    const res = await hub.get(`/v1/users/${encodeURIComponent(id)}`);
    return res.statusCode === 200 ? res.json<UserAnswer>() : undefined;
  };

  before(async () => {
    hub = await startHub({ liveAllowAddresses: '127.0.0.0/8', liveTimeoutMs: 1000 });
    live = await receiver();
    const endpoint = (await adminCall(hub, 'POST', '/v1/live/endpoints', {
      url: live.url,
      filters: ['usagehub.user.*'],
    })) as { id: string; publicKey: string; privateKey: string };
    Object.assign(live.keys, { publicKey: endpoint.publicKey, privateKey: endpoint.privateKey });
    await adminCall(hub, 'POST', `/v1/live/endpoints/${endpoint.id}/verify`);
    segmentKey = (
      (await adminCall(hub, 'POST', '/v1/sources', { kind: 'segment', app: 'web' })) as { writeKey: string }
    ).writeKey;
    posthogKey = (
      (await adminCall(hub, 'POST', '/v1/sources', { kind: 'posthog', app: 'web' })) as { writeKey: string }
    ).writeKey;
  });
  after(async () => {
    await hub.close();
    await live.stop();
  });

  test('Segment: anonymous, then identified and aliased: one person, traits by event time, counted once', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 30, 10, m)).toISOString();
    assert.equal(
      (
        await segment([
          { type: 'page', anonymousId: 'anon-1', name: 'Pricing', timestamp: t(0), messageId: 's1' },
          { type: 'track', anonymousId: 'anon-1', event: 'Signup Started', timestamp: t(1), messageId: 's2' },
          {
            type: 'identify',
            userId: 'u-1',
            traits: { email: 'ann@acme.com', plan: 'pro' },
            timestamp: t(5),
            messageId: 's3',
          },
          // An older identify, arriving later, does not win.
          { type: 'identify', userId: 'u-1', traits: { plan: 'free' }, timestamp: t(2), messageId: 's4' },
          { type: 'alias', userId: 'u-1', previousId: 'anon-1', timestamp: t(6), messageId: 's5' },
          { type: 'group', userId: 'u-1', groupId: 'acme', timestamp: t(7), messageId: 's6' },
          { type: 'track', userId: 'u-1', event: 'Report Exported', timestamp: t(8), messageId: 's7' },
        ])
      ).statusCode,
      200,
    );
    const answer = await until('the merged profile', async () => {
      const a = await user('anon-1');
      return a?.profile.userIds.includes('u-1') && a.profile.groups.group === 'acme' ? a : undefined;
    });
    assert.deepEqual(answer.profile.userIds, ['u-1']);
    assert.deepEqual(answer.profile.anonymousIds, ['anon-1']);
    assert.deepEqual(answer.profile.emails, ['ann@acme.com']);
    assert.equal(answer.profile.traits.plan, 'pro');
    assert.equal(answer.profile.company, 'acme.com');
    assert.equal(answer.profile.firstSeenAt, t(0));
    assert.equal((await user('u-1'))?.profile.id, answer.profile.id, 'any id finds the person');
    assert.equal((await user('ann@acme.com'))?.profile.id, answer.profile.id);
    await hub.settled();
    const { activity } = (await user('u-1'))!;
    assert.equal(activity.events, 7, 'the anonymous events count for the person too');
    assert.equal(activity.firstEventAt, t(0));
    assert.equal(activity.lastEventAt, t(8));

    // The anonymous visitor and the signed-in user are one person to the user queries too.
    const day = 'from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z';
    const users = await until('the person counted once', async () => {
      const rows = (await hub.get(`/v1/query/users?${day}`)).json<{ rows: { users: number }[] }>().rows;
      return rows[0]?.users === 1 ? rows : undefined;
    });
    assert.deepEqual(users, [{ bucket: '2026-11-30T00:00:00Z', users: 1 }]);
    const top = (await hub.get(`/v1/query/top-users?${day}`)).json<{
      rows: { user: string; events: number }[];
    }>();
    assert.deepEqual(top.rows, [{ user: 'u-1', events: 7 }]);

    const timeline = await hub.get(`/v1/users/u-1/events?limit=4`);
    const page = timeline.json<{ events: { clientId: string }[]; next: string }>();
    // By event time, latest first: s3 happened after s4, though sent before it.
    assert.deepEqual(
      page.events.map((e) => e.clientId),
      ['s7', 's6', 's5', 's3'],
    );
    const rest = (await hub.get(`/v1/users/u-1/events?limit=4&after=${page.next}`)).json<{
      events: { clientId: string }[];
      next: string | null;
    }>();
    assert.deepEqual(
      rest.events.map((e) => e.clientId),
      ['s4', 's2', 's1'],
    );
    assert.equal(rest.next, null);

    // Insights see the person's current traits (plan pro, set at 09:05) on every event of
    // theirs, whichever id it came under.
    const byPlan = await until('the traits reach the event store', async () => {
      const res = await hub.app.inject({
        method: 'POST',
        url: '/v1/insights/query',
        headers: { authorization: `Bearer ${hub.readKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          kind: 'trends',
          range: { from: '2026-11-30', to: '2026-12-01' },
          series: [{ event: '*' }],
          breakdown: { by: 'person.plan' },
        }),
      });
      const series = res.json<{ series: { breakdown: { value: string | null }; total: number }[] }>().series;
      return series.length === 1 && series[0]!.breakdown.value !== null ? series : undefined;
    });
    assert.deepEqual(
      byPlan.map((s) => [s.breakdown, s.total]),
      [[{ value: 'pro' }, 7]],
    );
  });

  test('PostHog: $identify merges the anonymous id, $set wins by time, $set_once keeps the first', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 29, 9, m)).toISOString();
    const e = (o: object) => ({ timestamp: t(0), properties: {}, ...o });
    assert.equal(
      (
        await posthog([
          e({
            event: '$pageview',
            distinct_id: 'ph-anon',
            uuid: 'p1',
            properties: { $set_once: { landing: '/a' } },
          }),
          e({
            event: '$pageview',
            distinct_id: 'ph-anon',
            uuid: 'p2',
            timestamp: t(1),
            properties: { $set_once: { landing: '/b' } },
          }),
          e({
            event: '$identify',
            distinct_id: 'ph-1',
            uuid: 'p3',
            timestamp: t(2),
            properties: { $anon_distinct_id: 'ph-anon', $set: { email: 'bob@acme.com', plan: 'team' } },
          }),
          e({
            event: 'file opened',
            distinct_id: 'ph-1',
            uuid: 'p4',
            timestamp: t(3),
            properties: { $groups: { company: 'acme' } },
          }),
          e({
            event: '$create_alias',
            distinct_id: 'ph-1',
            uuid: 'p5',
            timestamp: t(4),
            properties: { alias: 'ph-legacy' },
          }),
        ])
      ).statusCode,
      200,
    );
    const answer = await until('the PostHog profile', async () => {
      const a = await user('ph-legacy');
      return a?.profile.groups.company === 'acme' ? a : undefined;
    });
    assert.deepEqual(answer.profile.userIds.sort(), ['ph-1', 'ph-anon']);
    assert.deepEqual(answer.profile.anonymousIds, ['ph-anon']);
    assert.deepEqual(answer.profile.aliases, ['ph-legacy']);
    assert.equal(answer.profile.traits.landing, '/a');
    assert.equal(answer.profile.traits.plan, 'team');
    assert.equal(answer.profile.traits.email, 'bob@acme.com');
  });

  test('PostHog as posthog-js sends it: $set, $set_once and $unset at the top level, top level winning', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 30, 9, m)).toISOString();
    const sent = await posthog([
      {
        event: '$identify',
        distinct_id: 'js-1',
        uuid: 'j1',
        timestamp: t(0),
        properties: { $anon_distinct_id: 'js-anon', $set: { tier: 'free', theme: 'dark' } },
        $set: { tier: 'growth', email: 'jo@initech.com' },
        $set_once: { landing: '/pricing' },
      },
      { event: '$set', distinct_id: 'js-1', uuid: 'j2', timestamp: t(1), properties: {}, $unset: ['theme'] },
    ]);
    assert.equal(sent.statusCode, 200, sent.body);
    const answer = await until('the posthog-js profile', async () => {
      const a = await user('js-anon');
      return a && !('theme' in a.profile.traits) ? a : undefined;
    });
    assert.deepEqual(answer.profile.traits, { tier: 'growth', email: 'jo@initech.com', landing: '/pricing' });
    assert.deepEqual(answer.profile.emails, ['jo@initech.com']);
  });

  test('groups: PostHog $groupidentify and Segment group set their properties, at /v1/groups/{type}/{key}', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 30, 10, m)).toISOString();
    const ph = await posthog([
      {
        event: '$groupidentify',
        distinct_id: 'js-1',
        uuid: 'g1',
        timestamp: t(0),
        properties: {
          $group_type: 'company',
          $group_key: 'initech',
          $group_set: { name: 'Initech', seats: 40 },
        },
      },
      {
        event: '$groupidentify',
        distinct_id: 'js-1',
        uuid: 'g2',
        timestamp: t(1),
        properties: { $group_type: 'company', $group_key: 'initech', $group_set: { seats: 41 } },
      },
    ]);
    assert.equal(ph.statusCode, 200, ph.body);
    const sg = await segment([
      {
        type: 'group',
        userId: 'sg-9',
        groupId: 'org-7',
        traits: { name: 'Hooli', industry: 'tech' },
        messageId: 'g3',
      },
    ]);
    assert.equal(sg.statusCode, 200, sg.body);
    const group = async (type: string, key: string) => {
      const res = await hub.get(`/v1/groups/${type}/${key}`);
      return res.statusCode === 200
        ? res.json<{ group: { properties: Record<string, unknown>; firstSeenAt: string } }>().group
        : undefined;
    };
    const initech = await until('the PostHog group', async () => {
      const g = await group('company', 'initech');
      return g?.properties.seats === 41 ? g : undefined;
    });
    assert.deepEqual(initech.properties, { name: 'Initech', seats: 41 });
    assert.equal(initech.firstSeenAt, t(0));
    const hooli = await until('the Segment group', () => group('group', 'org-7'));
    assert.deepEqual(hooli.properties, { name: 'Hooli', industry: 'tech' });
    // An event of a company group is that company's: its usage counts under it.
    const used = await posthog([
      {
        event: 'report exported',
        distinct_id: 'js-1',
        uuid: 'g4',
        properties: { $groups: { company: 'initech' } },
      },
      {
        event: 'report exported',
        distinct_id: 'js-2',
        uuid: 'g5',
        properties: { $groups: { organization: 'umbrella' } },
      },
    ]);
    assert.equal(used.statusCode, 200, used.body);
    await hub.settled();
    const usage = (
      await hub.get('/v1/query/usage?groupBy=company,resolvedBy&source=posthog&interval=none')
    ).json<{ rows: { company: string | null; resolvedBy: string | null; count: number }[] }>();
    for (const company of ['initech', 'umbrella'])
      assert.ok(
        usage.rows.some((r) => r.company === company && r.resolvedBy === 'group'),
        `${company} among the companies: ${JSON.stringify(usage.rows)}`,
      );
    const missing = await hub.get('/v1/groups/company/nobody');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'not_found');
  });

  test('native events: email and userId of one event are one person; search by trait', async () => {
    assert.equal(
      (
        await hub.send([
          {
            app: 'web',
            name: 'opened_file',
            timestamp: Date.now() - 1000,
            email: 'cy@acme.com',
            userId: 'n-1',
          },
        ])
      ).statusCode,
      200,
    );
    const answer = await until('the native profile', async () => user('cy@acme.com'));
    assert.deepEqual(answer.profile.userIds, ['n-1']);
    const pro = (await hub.get('/v1/users?trait=plan&value=pro')).json<{ users: { userIds: string[] }[] }>();
    assert.deepEqual(
      pro.users.map((u) => u.userIds),
      [['u-1']],
    );
    const any = (await hub.get('/v1/users?trait=plan')).json<{ users: unknown[] }>();
    assert.equal(any.users.length, 2);
    assert.equal((await hub.get('/v1/users/nobody')).statusCode, 404);
  });

  test('native events: a person seen again is told apart by time — an earlier event moves first seen back', async () => {
    const at = Date.now() - 3600_000;
    const send = async (timestamp: number) =>
      assert.equal(
        (await hub.send([{ app: 'web', name: 'opened_file', timestamp, userId: 'n-again' }])).statusCode,
        200,
      );
    await send(at);
    await until('the profile', async () => user('n-again'));
    // Seen again, later: the worker knows it changes nothing (plain-head.ts) …
    await send(at + 1000);
    await send(at + 2000);
    // … but not an event from before the first.
    await send(at - 60_000);
    const earlier = await until('first seen moved back', async () => {
      const answer = await user('n-again');
      return answer && Date.parse(String(answer.profile.firstSeenAt)) === at - 60_000 ? answer : undefined;
    });
    assert.deepEqual(earlier.profile.userIds, ['n-again']);
  });

  test('Live: usagehub.user.Created when first seen, Changed when what is known changes', async () => {
    // Deliveries to one endpoint run side by side: the Changed may arrive before a Created.
    const createdCount = () => live.bodies.filter((b) => b.type === 'usagehub.user.Created').length;
    const bodies = await until('user events on the Live stream', async () =>
      live.bodies.some((b) => b.type === 'usagehub.user.Changed' && b.data.user.traits.plan === 'pro') &&
      createdCount() >= 3
        ? live.bodies
        : undefined,
    );
    const created = bodies.filter((b) => b.type === 'usagehub.user.Created').map((b) => b.data.user.id);
    assert.equal(new Set(created).size, created.length, 'each person created once');
    assert.ok(created.length >= 3);
  });
});
