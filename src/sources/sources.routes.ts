import type { FastifyPluginAsync } from 'fastify';
import { answersCarrySecrets } from '../http/security-headers.ts';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import { problem, UsageHubError } from '../domain/errors.ts';
import { requireRole } from '../http/auth-hook.ts';
import { adminErrors as errors, adminSchema, tenantOf } from '../http/admin-route.ts';
import type { SourceOutcome, SourcesService, SourceView } from './sources.service.ts';

export interface SourceRoutesDeps {
  auth: KeyResolver;
  sources: SourcesService;
}

// A kind added to the port (SOURCE_KINDS) and not here fails to compile: the responses are typed by both.
const Kind = Type.Union([Type.Literal('segment'), Type.Literal('posthog')], {
  description: 'The SDK the source serves: segment or posthog.',
});
const SourceSchema = Type.Object({
  id: Type.String(),
  kind: Kind,
  app: Type.String({ description: 'The id of the app its events land in.' }),
  writeKey: Type.String({
    description: 'What the SDK is configured with. Public by design: it can only ingest.',
  }),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  allowedOrigins: Type.Array(Type.String(), {
    description:
      "Web origins whose pages may send with the write key (a browser's Origin header); empty: any. Server libraries send no Origin and are not held to it.",
  }),
});
const Origins = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
  maxItems: 50,
  description: 'Web origins, as `https://app.example.com` (scheme, host and port; no path).',
});
const Params = Type.Object({ id: Type.String({ maxLength: 100 }) });

function valueOrThrow(res: SourceOutcome): SourceView {
  switch (res.outcome) {
    case 'ok':
      return res.value;
    case 'app_not_found':
      throw new UsageHubError('not_found', `app ${res.app} does not exist`);
    case 'source_not_found':
      throw new UsageHubError('not_found', `source ${res.source} does not exist`);
    case 'invalid_origin':
      throw new UsageHubError(
        'invalid_request',
        `${JSON.stringify(res.origin)} is not a web origin: give its scheme, host and port, as https://app.example.com`,
        [problem('allowedOrigins', 'field_format', 'each must be an http(s) origin, without a path')],
      );
    case 'too_many_origins':
      throw new UsageHubError('invalid_request', `${res.count} origins given; a source may have at most 50.`);
  }
}

/** Sources of the Segment and PostHog dialects, and their write keys. Admin keys only. */
export const sourceRoutes: FastifyPluginAsync<SourceRoutesDeps> = async (fastify, { auth, sources }) => {
  answersCarrySecrets(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'admin'));

  app.get(
    '/v1/sources',
    {
      schema: {
        ...adminSchema,
        summary: 'List sources and their write keys (revoked ones too)',
        response: { 200: Type.Object({ sources: Type.Array(SourceSchema) }), ...errors },
      },
    },
    async (req) => ({ sources: await sources.list(tenantOf(req)) }),
  );
  app.post(
    '/v1/sources',
    {
      schema: {
        ...adminSchema,
        summary: 'Create a source: a write key for a Segment or PostHog SDK, ingesting into one app',
        body: Type.Object(
          {
            kind: Kind,
            app: Type.String({ minLength: 1, maxLength: 200, description: 'The app, by id or name.' }),
            allowedOrigins: Type.Optional(Origins),
          },
          { additionalProperties: false },
        ),
        response: { 201: SourceSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(
          valueOrThrow(
            await sources.create(tenantOf(req), req.body.kind, req.body.app, req.body.allowedOrigins),
          ),
        ),
  );
  app.get(
    '/v1/sources/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Show a source and its write key',
        params: Params,
        response: { 200: SourceSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await sources.show(tenantOf(req), req.params.id)),
  );
  app.patch(
    '/v1/sources/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Change the web origins a source’s write key may send from (an empty list: any)',
        params: Params,
        body: Type.Object({ allowedOrigins: Origins }, { additionalProperties: false }),
        response: { 200: SourceSchema, ...errors },
      },
    },
    async (req) =>
      valueOrThrow(await sources.setAllowedOrigins(tenantOf(req), req.params.id, req.body.allowedOrigins)),
  );
  app.delete(
    '/v1/sources/:id',
    {
      schema: {
        ...adminSchema,
        summary: 'Revoke a source: its write key stops working within seconds on every process',
        params: Params,
        response: { 200: SourceSchema, ...errors },
      },
    },
    async (req) => valueOrThrow(await sources.revoke(tenantOf(req), req.params.id)),
  );
};
