import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import type { AppDirectory } from '../../catalog/app-directory.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import type { EventQueries } from '../../store/event-store.port.ts';
import { FilterParams, MAX_LIST_CHARS, MAX_TIME_CHARS, parseFilter } from '../../query/query.params.ts';
import { sessionQueries } from './session-queries.ts';

export interface SessionQueryDeps {
  auth: KeyResolver;
  apps: AppDirectory;
  store: EventQueries;
  /** How long a START without an END stays open. */
  sessionIdleMs: number;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };

/** Sessions v3: statistics per type, and the list of sessions. Read keys. */
export const sessionQueryRoutes: FastifyPluginAsync<SessionQueryDeps> = async (
  fastify,
  { auth, apps, store, sessionIdleMs },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const queries = sessionQueries(store);
  app.addHook('onRequest', requireRole(auth, 'read'));

  const SessionParams = {
    app: FilterParams.properties.app,
    from: Type.Optional(
      Type.String({
        maxLength: MAX_TIME_CHARS,
        description: 'Sessions started at or after: Unix ms or ISO 8601.',
      }),
    ),
    to: Type.Optional(
      Type.String({
        maxLength: MAX_TIME_CHARS,
        description: 'Sessions started before: Unix ms or ISO 8601.',
      }),
    ),
    type: Type.Optional(
      Type.String({ maxLength: MAX_LIST_CHARS, description: 'Session types, comma-separated.' }),
    ),
  };
  const sessionFilter = async (
    tenantId: string,
    query: { app?: string; from?: string; to?: string; type?: string },
  ) => {
    const filter = await parseFilter(tenantId, query, apps);
    const types = query.type
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return { ...filter, types, idleMs: sessionIdleMs, now: Date.now() };
  };
  const nullableNumber = Type.Union([Type.Number(), Type.Null()]);

  app.get(
    '/v1/query/sessions',
    {
      schema: {
        tags: ['query'],
        summary: 'Sessions v3 per type: count, total, p50 and p90 duration; open and timed out',
        description:
          'Over sessions started in the range. Durations in seconds, of closed sessions (START and END joined).',
        security,
        querystring: Type.Object(SessionParams),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                type: Type.String(),
                sessions: Type.Number(),
                totalDurationSeconds: Type.Number(),
                p50DurationSeconds: nullableNumber,
                p90DurationSeconds: nullableNumber,
                open: Type.Number(),
                timedOut: Type.Number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      rows: await queries.sessionStats(await sessionFilter(principalOf(req).tenantId, req.query)),
    }),
  );

  app.get(
    '/v1/query/sessions/list',
    {
      schema: {
        tags: ['query'],
        summary: 'Sessions v3, one by one: open now, timed out, closed, waiting for START, or in conflict',
        description:
          'state=open: started, not ended, active within the idle timeout; timed_out: idle past it; ' +
          'waiting_for_start: an END whose START has not arrived; conflict: a second START or END was received.',
        security,
        querystring: Type.Object({
          ...SessionParams,
          state: Type.Optional(
            Type.Union([
              Type.Literal('open'),
              Type.Literal('timed_out'),
              Type.Literal('closed'),
              Type.Literal('waiting_for_start'),
              Type.Literal('conflict'),
            ]),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            rows: Type.Array(
              Type.Object({
                app: Type.String(),
                session: Type.String(),
                type: Type.Union([Type.String(), Type.Null()]),
                state: Type.String(),
                startedAt: nullableNumber,
                endedAt: nullableNumber,
                lastEventAt: Type.Number(),
                durationSeconds: nullableNumber,
                updates: Type.Number(),
                starts: Type.Number(),
                ends: Type.Number(),
                entities: Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown() })),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      rows: await queries.sessions({
        ...(await sessionFilter(principalOf(req).tenantId, req.query)),
        state: req.query.state,
        limit: req.query.limit,
      }),
    }),
  );
};
