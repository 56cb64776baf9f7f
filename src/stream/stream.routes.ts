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
  /** Streams at once: in this process, for one tenant, for one key. */
  maxStreams: number;
  maxStreamsPerTenant: number;
  maxStreamsPerKey: number;
  /** A comment line at least this often keeps proxies and the idle timeout from closing a quiet stream. */
  heartbeatMs: number;
}

/** Acknowledged events as they arrive, as Server-Sent Events. Read keys. */
export const streamRoutes: FastifyPluginAsync<StreamDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(deps.auth, 'read'));
  const open = new Set<SseWriter>();
  const perTenant = new Counts();
  const perKey = new Counts();
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
      const { tenantId, keyId } = principalOf(req);
      const filter = await parseFilter(tenantId, { app: req.query.app, name: req.query.name }, deps.apps);
      if (perKey.of(keyId) >= deps.maxStreamsPerKey)
        throw tooMany(
          `This key already holds ${deps.maxStreamsPerKey} streams (USAGEHUB_MAX_STREAMS_PER_KEY).`,
        );
      if (perTenant.of(tenantId) >= deps.maxStreamsPerTenant)
        throw tooMany(
          `This tenant already holds ${deps.maxStreamsPerTenant} streams (USAGEHUB_MAX_STREAMS_PER_TENANT).`,
        );
      if (open.size >= deps.maxStreams) throw tooMany();
      const writer = new SseWriter(reply, deps.heartbeatMs);
      open.add(writer);
      perTenant.add(tenantId, 1);
      perKey.add(keyId, 1);
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
        perTenant.add(tenantId, -1);
        perKey.add(keyId, -1);
      });
    },
  );
};

const tooMany = (message?: string) =>
  new UsageHubError('too_many_streams', message).withHeaders({ 'retry-after': '5' });

/** Open streams by tenant or key; an entry goes when its count does. */
class Counts {
  private readonly counts = new Map<string, number>();
  of(id: string): number {
    return this.counts.get(id) ?? 0;
  }
  add(id: string, n: number): void {
    const next = this.of(id) + n;
    if (next <= 0) this.counts.delete(id);
    else this.counts.set(id, next);
  }
}
