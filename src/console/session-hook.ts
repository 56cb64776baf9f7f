import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';
import type { ConsoleSession } from './session-store.port.ts';
import { hashSecret } from '../auth/api-keys.ts';
import { csrfTokenOf, type ConsoleSessions } from './console-sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session this request's cookie opened, if any. */
    consoleSession: ConsoleSession | null;
    /** That session's CSRF token, derived from the cookie (the store keeps only its hash). */
    consoleCsrf: string | null;
  }
}

export const SESSION_COOKIE = 'usagehub_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * An onRequest hook for every route: a request without an API key but with a console
 * session cookie acts as the session's key (requireRole reads `sessionPrincipal`). A
 * cookie travels with any request the browser makes, so a request that changes
 * something must also prove it comes from the console's own page: the session's CSRF
 * token in X-CSRF-Token, which other sites cannot read. A stale cookie is ignored: the
 * route then asks for a key as usual.
 */
export function sessionHook(
  sessions: ConsoleSessions,
  parseCookie: (header: string) => Record<string, string | undefined>,
) {
  return async (request: FastifyRequest): Promise<void> => {
    // Parsed here, only when it can matter: ingest requests (a key, or no cookie) pay nothing.
    const header = request.headers.cookie;
    if (request.headers.authorization !== undefined || header === undefined) return;
    const token = parseCookie(header)[SESSION_COOKIE];
    if (!token) return;
    const live = await sessions.resolve(token);
    if (!live) return;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameText(hashSecret(sent), live.session.csrfHash))
        throw new UsageHubError('csrf_failed');
    }
    request.sessionPrincipal = live.principal;
    request.consoleSession = live.session;
    request.consoleCsrf = csrfTokenOf(token);
  };
}
