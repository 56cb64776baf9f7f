import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { answersCarrySecrets } from '../http/security-headers.ts';
import { csrfTokenOf } from './console-sessions.ts';
import { guardedAuthenticate } from '../limits/request-guard.ts';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { UsageHubError } from '../domain/errors.ts';
import { ErrorResponse } from '../http/schemas.ts';
import type { ConsoleSessions } from './console-sessions.ts';
import { SESSION_COOKIE } from './session-hook.ts';
import type { ConsoleSession } from './session-store.port.ts';

export interface SessionRoutesDeps {
  sessions: ConsoleSessions;
}

const SessionView = Type.Object({
  tenantId: Type.String(),
  keyId: Type.String(),
  role: Type.String(),
  expiresAt: Type.String(),
  csrfToken: Type.String({ description: 'Send it as X-CSRF-Token on every request that changes something.' }),
});
const errors = { '4xx': ErrorResponse };

const view = (s: ConsoleSession, csrfToken: string) => ({
  tenantId: s.tenantId,
  keyId: s.keyId,
  role: s.role,
  expiresAt: s.expiresAt,
  csrfToken,
});

function sessionOf(session: ConsoleSession | null): ConsoleSession {
  if (!session) throw new UsageHubError('unauthorized', 'Not signed in, or the session has ended.');
  return session;
}

/** Console sign-in: an API key for a session cookie, who is signed in, sign-out. */
export const sessionRoutes: FastifyPluginAsync<SessionRoutesDeps> = async (fastify, { sessions }) => {
  answersCarrySecrets(fastify);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Serialised here: the cookie plugin runs without hooks (console.module.ts).
  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number, secure: boolean) =>
    reply.header(
      'set-cookie',
      fastify.serializeCookie(SESSION_COOKIE, value, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: maxAgeSeconds,
      }),
    );

  app.post(
    '/v1/session',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign in to the console: an API key for a session cookie',
        description:
          'Sets `usagehub_session` (httpOnly, SameSite=Strict, Secure over HTTPS). The key itself is kept nowhere ' +
          'in the browser. Failed sign-ins are throttled with every other failed authentication (docs/operations.md): past the limit, 429 with Retry-After.',
        body: Type.Object(
          { apiKey: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: SessionView, ...errors },
      },
    },
    async (req, reply) => {
      const { apiKey } = req.body;
      const signedIn = await guardedAuthenticate(req, apiKey, async () => {
        const outcome = await sessions.signIn(apiKey);
        return outcome.outcome === 'signed_in' ? outcome : null;
      });
      if (!signedIn) throw new UsageHubError('unauthorized', 'This API key is unknown or has been revoked.');
      const { token, session } = signedIn;
      const maxAge = Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000);
      setCookie(reply, token, maxAge, req.protocol === 'https');
      return view(session, csrfTokenOf(token));
    },
  );

  app.get(
    '/v1/session',
    {
      schema: {
        tags: ['console'],
        summary: 'The console session the cookie holds',
        response: { 200: SessionView, ...errors },
      },
    },
    async (req) => view(sessionOf(req.consoleSession), req.consoleCsrf ?? ''),
  );

  app.delete(
    '/v1/session',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign out: the session ends, its cookie opens nothing any more',
        description: 'Needs X-CSRF-Token.',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await sessions.signOut(sessionOf(req.consoleSession));
      setCookie(reply, '', 0, req.protocol === 'https');
      return reply.code(204).send(null);
    },
  );
};
