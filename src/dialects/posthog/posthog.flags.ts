/**
 * What PostHog's servers answer a project without feature flags: its SDKs ask at start and
 * on identify (posthog-js `/flags/?v=2&config=true`, older versions `/decide/?v=3`;
 * posthog-node `/flags/?v=2` for `isFeatureEnabled`, `getAllFlags`), and treat a 404 as
 * an error in every visitor's console. usagehub has no feature flags: the answer is valid
 * and empty — nothing enabled, no errors — and the capture settings posthog-js reads from
 * it say what usagehub takes (gzip, no recordings, no surveys). Nothing is stored.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { UsageHubError } from '../../domain/errors.ts';
import type { WriteKeyPrincipal } from '../../sources/write-keys.ts';
import { PostHogError } from './posthog.envelope.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The remote settings of posthog-js (its `RemoteConfig`): capture on, the rest off. */
const CONFIG = {
  config: { enable_collect_everything: true },
  supportedCompression: ['gzip', 'gzip-js'],
  autocapture_opt_out: false,
  capturePerformance: false,
  autocaptureExceptions: false,
  sessionRecording: false,
  heatmaps: false,
  surveys: false,
  siteApps: [],
  toolbarParams: {},
  isAuthenticated: false,
  elementsChainAsString: true,
};

/** The largest flags request read: its person and group properties included, far more than SDKs send. */
const FLAGS_BODY_BYTES = 256 * 1024;

/** Browsers may keep the remote settings this long. */
const CONFIG_MAX_AGE_SECONDS = 300;

const Answer = Type.Record(Type.String(), Type.Unknown());

export type ResolveToken = (req: FastifyRequest, token: string) => Promise<WriteKeyPrincipal>;

/** The project token of a flags request: in its body (`token`, `api_key`), else the query. */
function tokenOf(req: FastifyRequest): string {
  const body = isObject(req.body) ? req.body : {};
  const query = req.query as Obj;
  const token = str(body.token) ?? str(body.api_key) ?? str(query.token) ?? str(query.api_key);
  if (!token)
    throw new UsageHubError('unauthorized', 'Project API key missing: send it as token or api_key.');
  return token;
}

/** `/flags` and `/decide` (with and without the trailing slash), inside the capture routes' scope: same parsing, same errors. */
export function flagRoutes(fastify: FastifyInstance, resolve: ResolveToken): void {
  const schema = (summary: string) => ({
    tags: ['posthog'],
    summary,
    description:
      'Answered as PostHog answers a project without feature flags: nothing enabled, no errors. usagehub has no feature flags (docs/posthog.md).',
    security: [{ bodyToken: [] }],
    response: { 200: Answer, '4xx': PostHogError, '5xx': PostHogError },
  });
  const config = { ingestSource: 'posthog' as const, browserIngest: true };
  // A flags request is a few hundred bytes; its Content-Encoding is undone with the rest
  // of its wrapping by the capture routes' parser (posthog.decode.ts), not by the plugin.
  const post = { bodyLimit: FLAGS_BODY_BYTES, decompress: false as const, config };
  for (const url of ['/flags', '/flags/']) {
    fastify.post(url, { ...post, schema: schema('Feature flags (none)') }, async (req) => {
      await resolve(req, tokenOf(req));
      const withConfig = (req.query as Obj).config === 'true';
      const v1 = (req.query as Obj).v === '1';
      const flags = v1
        ? { featureFlags: {}, featureFlagPayloads: {} }
        : { flags: {} as Record<string, never> };
      return { ...(withConfig ? CONFIG : {}), ...flags, errorsWhileComputingFlags: false, requestId: req.id };
    });
  }
  for (const url of ['/decide', '/decide/']) {
    fastify.post(
      url,
      { ...post, schema: schema('Feature flags and settings (legacy; none)') },
      async (req) => {
        await resolve(req, tokenOf(req));
        return { ...CONFIG, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false };
      },
    );
  }
  // posthog-js loads its remote settings as a script (config.js), else as JSON (config).
  const tokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
  fastify.get(
    '/array/:token/config',
    { schema: { ...schema('Remote settings of posthog-js (none)'), params: tokenParams }, config },
    async (req, reply) => {
      const { token } = req.params as { token: string };
      await resolve(req, token);
      void reply.header('cache-control', `public, max-age=${CONFIG_MAX_AGE_SECONDS}`);
      return { ...CONFIG, token };
    },
  );
  fastify.get(
    '/array/:token/config.js',
    {
      schema: {
        tags: ['posthog'],
        summary: 'Remote settings of posthog-js, as the script it loads (none)',
        security: [{ bodyToken: [] }],
        params: tokenParams,
        response: { 200: Type.String(), '4xx': PostHogError, '5xx': PostHogError },
      },
      config,
    },
    async (req, reply) => {
      const { token } = req.params as { token: string };
      await resolve(req, token);
      // The token is a known write key, quoted by JSON.stringify; nothing else comes from the request.
      const settings = JSON.stringify({ config: { ...CONFIG, token }, siteApps: [] }).replace(
        /</g,
        '\\u003c',
      );
      void reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', `public, max-age=${CONFIG_MAX_AGE_SECONDS}`);
      return `(function(){var c=window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};c[${JSON.stringify(token)}]=${settings};})();\n`;
    },
  );
}
