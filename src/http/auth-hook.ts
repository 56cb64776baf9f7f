import type { FastifyRequest } from 'fastify';
import { admitIngest } from '../limits/ingest-admission.ts';
import type { Role } from '../catalog/catalog.port.ts';
import { roleAllows } from '../auth/api-keys.ts';
import { bearerSecret, type KeyResolver, type Principal } from '../auth/authenticator.ts';
import { UsageHubError } from '../domain/errors.ts';
import type { Scope } from '../domain/scopes.ts';
import type { TokenPrincipal, TokenService } from '../auth/oauth/tokens.ts';
import { guardedAuthenticate } from '../limits/request-guard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The OAuth client a bearer access token speaks for (push routes). */
    client: TokenPrincipal | null;
    /** Who a console session cookie signed in as (console/session-hook.ts); a bearer key wins over it. */
    sessionPrincipal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Set on ingest routes: the dialect, for the per-source request metrics. */
    ingestSource?: string;
  }
}

/**
 * A hook that admits requests whose bearer key holds `role`, or one of `role` (admin
 * holds all). Without a key, a console session's principal counts as its key's.
 */
export function requireRole(
  auth: KeyResolver,
  role: Role | readonly Role[],
  /** Where the key travels: `Authorization: Bearer` unless a dialect says otherwise. */
  secretOf: (request: FastifyRequest) => string | null = (r) => bearerSecret(r.headers.authorization),
) {
  const roles: readonly Role[] = typeof role === 'string' ? [role] : role;
  return async (request: FastifyRequest): Promise<void> => {
    const secret = secretOf(request);
    const principal = secret
      ? await guardedAuthenticate(request, secret, () => auth.authenticate(secret))
      : request.sessionPrincipal;
    if (!principal) throw new UsageHubError('unauthorized');
    if (!roles.some((r) => roleAllows(principal.role, r))) {
      throw new UsageHubError(
        'forbidden',
        `This needs a key with role ${roles.join(' or ')}; this key has role ${principal.role}.`,
      );
    }
    request.principal = principal;
    // Ingest routes count the request against its key's and tenant's limits here, before the body is read.
    if (request.routeOptions.config.ingestSource)
      await admitIngest(request, { tenantId: principal.tenantId, key: principal.keyId });
  };
}

/** The principal a role hook admitted; routes behind requireRole only. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UsageHubError('unauthorized');
  return request.principal;
}

/** An onRequest hook for OAuth routes: a live access token holding `scope` (RFC 6750). */
export function requireScope(tokens: TokenService, scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerSecret(request.headers.authorization);
    if (!token) {
      throw new UsageHubError(
        'invalid_token',
        'An access token is required: Authorization: Bearer <token>, from POST /oauth2/token.',
      );
    }
    let reason = '';
    const principal = await guardedAuthenticate(request, token, async () => {
      const verified = await tokens.verify(token);
      if (verified.outcome === 'ok') return verified.principal;
      reason = verified.reason;
      return null;
    });
    if (!principal) throw new UsageHubError('invalid_token', `Unauthorized: ${reason}.`);
    if (!principal.scopes.includes(scope)) {
      throw new UsageHubError('insufficient_scope', `This needs an access token with scope ${scope}.`);
    }
    request.client = principal;
    await admitIngest(request, { tenantId: principal.tenantId, key: principal.clientId });
  };
}

/** The client a scope hook admitted; routes behind requireScope only. */
export function clientOf(request: FastifyRequest): TokenPrincipal {
  if (!request.client) throw new UsageHubError('invalid_token');
  return request.client;
}
