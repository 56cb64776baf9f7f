import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { UsageHubError } from '../domain/errors.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import { FilterParams, MAX_LIST_CHARS, list, parseFilter } from '../query/query.params.ts';
import type { LogTail } from './log-tail.ts';
import { SseWriter } from './sse-writer.ts';

export interface StreamDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  tail: LogTail;
  maxStreams: number;
  /** A comment line at least this often keeps proxies and the idle timeout from closing a quiet stream. */
  heartbeatMs: number;
}

/** Acknowledged events as they arrive, as Server-Sent Events. Read keys. */
export const streamRoutes: FastifyPluginAsync<StreamDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'read'));
  const open = new Set<SseWriter>();
  // A graceful shutdown waits for open requests: streams end first, so that it need not.
  fastify.addHook('preClose', async () => {
    for (const w of open) w.end();
  });

  app.get(
    '/v1/stream',
    {
      schema: {
        tags: ['query'],
        summary: 'Acknowledged events as they arrive (Server-Sent Events)',
        description:
          'Each event is an SSE message `event: usage` whose data is the stored event as `GET /v1/events` shows it ' +
          '(its `id:` is the eventId). A client too slow to read them all gets `event: skipped` with how many it ' +
          'missed. Try: `curl -N -H "Authorization: Bearer $KEY" localhost:8080/v1/stream`.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          app: FilterParams.properties.app,
          name: FilterParams.properties.name,
          source: Type.Optional(
            Type.String({ maxLength: MAX_LIST_CHARS, description: 'Dialects (`source`), comma-separated.' }),
          ),
          user: Type.Optional(
            Type.String({ maxLength: MAX_LIST_CHARS, description: 'User keys, comma-separated.' }),
          ),
        }),
        response: { '4xx': ErrorResponse },
      },
    },
    async (req, reply) => {
      const { tenantId } = principalOf(req);
      const filter = await parseFilter(tenantId, { app: req.query.app, name: req.query.name }, deps.apps);
      if (open.size >= deps.maxStreams) throw new UsageHubError('too_many_streams');
      const writer = new SseWriter(reply, deps.heartbeatMs);
      open.add(writer);
      const unsubscribe = deps.tail.subscribe({
        filter: {
          tenantId,
          appIds: filter.appIds,
          names: filter.names,
          sources: list(req.query.source),
          userKeys: list(req.query.user),
        },
        deliver: (events) => writer.events(events),
        skipped: (about) => writer.missed(about),
      });
      writer.onEnd(() => {
        unsubscribe();
        open.delete(writer);
      });
    },
  );
};
