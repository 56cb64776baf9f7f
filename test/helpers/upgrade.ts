/**
 * What an upgrade fixture holds (scripts/upgrade-fixture.ts makes one with a build;
 * test/upgrade.test.ts opens every one with the build under test): the requests sent to
 * it, and the manifest of keys it was made with.
 */

export interface UpgradeManifest {
  madeBy: { commit: string; node: string; date: string };
  tenantId: string;
  keys: { adminKey: string; ingestKey: string; readKey: string; segmentKey: string; posthogKey: string };
  /** What the build that made it answered from it, before it stopped. */
  expect: {
    /** Client ids of the exported events, sorted. */
    ids: string[];
    /** The answer to COUNTS. */
    counts: { rows: { bucket: string; key: string; events: number }[] };
    profile: { userIds: string[]; traits: Record<string, unknown>; company?: string | null };
    /** The company group, when the build kept groups. */
    group: { properties: Record<string, unknown> } | null;
    sources: { kind: string; allowedOrigins: string[] }[];
  };
}

/** Counts per event name over the fixture's day. */
export const COUNTS = '/v1/query/counts?groupBy=name&from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00Z';

export interface UpgradeRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

/** The events in a fixture, by client id (native `id`, Segment `messageId`, PostHog `uuid`), and their names. */
export const UPGRADE_IDS: Record<string, string> = {
  'up-1': 'opened_file',
  'up-2': 'opened_file',
  'up-3': 'exported_report',
  'seg-identify': 'identify',
  'seg-track': 'Report Built',
  'ph-group': '$groupidentify',
  'ph-event': 'upgrade checked',
};

/** The requests that fill a fixture; sent again to an upgraded one, every event in them is a duplicate. */
export function UPGRADE_EVENTS(keys: {
  ingestKey: string;
  segmentKey: string;
  posthogKey: string;
}): UpgradeRequest[] {
  const json = { 'content-type': 'application/json' };
  return [
    {
      path: '/v1/events',
      headers: { ...json, authorization: `Bearer ${keys.ingestKey}` },
      body: JSON.stringify(
        ['up-1', 'up-2', 'up-3'].map((id, i) => ({
          id,
          app: 'web',
          name: UPGRADE_IDS[id],
          timestamp: Date.parse(at(i)),
          userId: 'u-upgrade',
          properties: { plan: 'pro', size: i },
        })),
      ),
    },
    {
      path: '/v1/batch',
      headers: { ...json, authorization: `Basic ${Buffer.from(`${keys.segmentKey}:`).toString('base64')}` },
      body: JSON.stringify({
        batch: [
          {
            type: 'identify',
            userId: 'u-upgrade',
            traits: { plan: 'pro', name: 'Ada' },
            messageId: 'seg-identify',
            timestamp: at(3),
          },
          {
            type: 'track',
            userId: 'u-upgrade',
            event: 'Report Built',
            properties: { rows: 12 },
            messageId: 'seg-track',
            timestamp: at(4),
          },
        ],
      }),
    },
    {
      path: '/batch/',
      headers: json,
      body: JSON.stringify({
        api_key: keys.posthogKey,
        batch: [
          {
            event: '$groupidentify',
            distinct_id: 'u-upgrade',
            uuid: 'ph-group',
            timestamp: at(5),
            properties: {
              $group_type: 'company',
              $group_key: 'acme',
              $group_set: { name: 'Acme', seats: 12 },
            },
          },
          {
            event: 'upgrade checked',
            distinct_id: 'u-upgrade',
            uuid: 'ph-event',
            timestamp: at(6),
            properties: { $set: { role: 'admin' }, $groups: { company: 'acme' } },
          },
        ],
      }),
    },
  ];
}
