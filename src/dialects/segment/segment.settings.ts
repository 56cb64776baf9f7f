/**
 * The settings Analytics.js asks for before it sends anything: the standard snippet (and
 * `AnalyticsBrowser.load`) fetches `{cdnURL}/v1/projects/{writeKey}/settings`. Pointed at
 * usagehub with `cdnURL`, the page gets settings that send every call to usagehub itself —
 * the Segment.io integration with this host as its API host and the key — and nothing
 * else: no device-mode destinations, no remote plugins, no metrics to Segment.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { UsageHubError } from '../../domain/errors.ts';
import type { WriteKeyPrincipal } from '../../sources/write-keys.ts';
import { SegmentError } from './segment.envelope.ts';

/** A Host header that can be given back as an API host: a name or address, and a port. */
const HOST = /^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?$/;

/** Browsers may keep the settings this long: a revoked key stops sending within it. */
const MAX_AGE_SECONDS = 300;

export type ResolveKey = (req: FastifyRequest, key: string) => Promise<WriteKeyPrincipal>;

/** The settings of a write key, sending to `host` over `protocol`. */
export function analyticsSettings(writeKey: string, host: string, protocol: 'http' | 'https') {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${host}/v1`,
        protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // Analytics.js reports its own metrics to Segment at this rate: never, from a usagehub page.
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

/** `GET /v1/projects/{writeKey}/settings`, in the Segment routes' scope (their errors). */
export function settingsRoute(fastify: FastifyInstance, resolve: ResolveKey): void {
  fastify.get(
    '/v1/projects/:writeKey/settings',
    {
      schema: {
        tags: ['segment'],
        summary: "A write key's settings for Analytics.js: send everything to this usagehub",
        description:
          "What Segment's CDN answers the snippet, for usagehub: load Analytics.js with `cdnURL` set to usagehub's address. Known write keys only. See docs/segment.md.",
        params: Type.Object({ writeKey: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: {
          200: Type.Record(Type.String(), Type.Unknown()),
          '4xx': SegmentError,
          '5xx': SegmentError,
        },
      },
      config: { ingestSource: 'segment', browserIngest: true },
    },
    async (req, reply) => {
      const { writeKey } = req.params as { writeKey: string };
      await resolve(req, writeKey);
      const host = req.headers.host ?? '';
      if (!HOST.test(host))
        throw new UsageHubError('invalid_request', 'The Host header must name this server, as host[:port].');
      void reply.header('cache-control', `public, max-age=${MAX_AGE_SECONDS}`);
      return analyticsSettings(writeKey, host, req.protocol === 'https' ? 'https' : 'http');
    },
  );
}
