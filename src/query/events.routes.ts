import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AppDirectory } from '../catalog/app-directory.ts';
import { UsageHubError } from '../domain/errors.ts';
import { principalOf, requireRole } from '../http/auth-hook.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import { FilterParams, MAX_LIST_CHARS, list, parseFilter } from './query.params.ts';
import { findEvents, storedEventView } from './find-events.ts';

export interface EventRoutesDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const Seq = Type.String({ pattern: '^[0-9]{1,16}$' });
const StoredEvent = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The canonical event as stored, with `eventId` (usagehub’s id for it, as in exports) and `late` first.',
});

/** The events explorer's API: stored events, newest first, filtered and paged; one event by id. Read keys. */
export const eventRoutes: FastifyPluginAsync<EventRoutesDeps> = async (fastify, { auth, apps, store }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireRole(auth, 'read'));

  app.get(
    '/v1/events',
    {
      schema: {
        tags: ['query'],
        summary: 'Stored events, newest first, filtered and paged',
        description:
          '`q` searches the text of each event’s properties (case-insensitive); such a page looks at no more than ' +
          '5,000 events, so it may hold fewer than `limit` with a `next` that continues the search.',
        security,
        querystring: Type.Object({
          ...FilterParams.properties,
          source: Type.Optional(
            Type.String({ maxLength: MAX_LIST_CHARS, description: 'Dialects (`source`), comma-separated.' }),
          ),
          user: Type.Optional(
            Type.String({
              maxLength: MAX_LIST_CHARS,
              description: 'User keys (userId, else email, else deviceId), comma-separated.',
            }),
          ),
          q: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: 'Text in the properties.' }),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          after: Type.Optional({ ...Seq, description: 'The `next` of the previous page.' }),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(StoredEvent),
            next: Type.Union([Type.String(), Type.Null()]),
            scanned: Type.Number({ description: 'Events looked at for this page.' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { source, user, q, limit, after } = req.query;
      const filter = await parseFilter(principalOf(req).tenantId, req.query, apps);
      return findEvents(
        store,
        { ...filter, sources: list(source), userKeys: list(user) },
        { q, limit, after },
      );
    },
  );

  app.get(
    '/v1/events/:id',
    {
      schema: {
        tags: ['query'],
        summary: 'One stored event, whole (raw payload included)',
        security,
        params: Type.Object({ id: Seq }),
        response: { 200: StoredEvent, ...errors },
      },
    },
    async (req) => {
      const seq = Number(req.params.id);
      const doc = await store.eventAt(principalOf(req).tenantId, seq);
      if (doc === null) throw new UsageHubError('not_found', `No event ${req.params.id}.`);
      return storedEventView(doc, seq);
    },
  );
};
