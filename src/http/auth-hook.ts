import type { FastifyRequest } from 'fastify';
import type { Role } from '../catalog/catalog.ts';
import { roleAllows } from '../auth/api-keys.ts';
import { bearerSecret, type Authenticator, type Principal } from '../auth/authenticator.ts';
import { UsageHubError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Set on ingest routes: the dialect, for the per-source request metrics. */
    ingestSource?: string;
  }
}

/** A preHandler that admits requests whose bearer key holds `role` (admin holds all). */
export function requireRole(auth: Authenticator, role: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    const secret = bearerSecret(request.headers.authorization);
    const principal = secret ? await auth.authenticate(secret) : null;
    if (!principal) throw new UsageHubError('unauthorized');
    if (!roleAllows(principal.role, role)) {
      throw new UsageHubError(
        'forbidden',
        `This needs a key with role ${role}; this key has role ${principal.role}.`,
      );
    }
    request.principal = principal;
  };
}

/** The principal a role hook admitted; routes behind requireRole only. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UsageHubError('unauthorized');
  return request.principal;
}
