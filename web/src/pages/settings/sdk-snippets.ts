/** How an SDK is pointed at this usagehub with a source's write key (docs/segment.md, docs/posthog.md). */
export function sdkSnippets(kind: 'segment' | 'posthog', writeKey: string, origin: string) {
  const key = JSON.stringify(writeKey);
  if (kind === 'segment')
    return [
      {
        title: 'Node.js (@segment/analytics-node)',
        code: `import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({ writeKey: ${key}, host: ${JSON.stringify(origin)} });
analytics.track({ userId: 'u-1', event: 'Video Played', properties: { seconds: 42 } });
await analytics.closeAndFlush();
`,
      },
      {
        title: 'Browser (@segment/analytics-next)',
        code: `import { AnalyticsBrowser } from '@segment/analytics-next';

const segmentio = { apiKey: ${key}, apiHost: ${JSON.stringify(`${new URL(origin).host}/v1`)}, protocol: ${JSON.stringify(new URL(origin).protocol.slice(0, -1))} };
const analytics = AnalyticsBrowser.load({
  writeKey: ${key},
  cdnSettings: { integrations: { 'Segment.io': segmentio } },
});
analytics.page();
`,
      },
    ];
  return [
    {
      title: 'Node.js (posthog-node)',
      code: `import { PostHog } from 'posthog-node';

const posthog = new PostHog(${key}, { host: ${JSON.stringify(origin)} });
posthog.capture({ distinctId: 'u-1', event: 'video played', properties: { seconds: 42 } });
await posthog.shutdown();
`,
    },
    {
      title: 'Browser (posthog-js)',
      code: `import posthog from 'posthog-js';

posthog.init(${key}, {
  api_host: ${JSON.stringify(origin)},
  advanced_disable_flags: true, // usagehub has no feature flags
  disable_session_recording: true, // nor session replay
});
posthog.capture('pricing viewed');
`,
    },
  ];
}
