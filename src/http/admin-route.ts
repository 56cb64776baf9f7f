import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorResponse } from './schemas.ts';
import { principalOf } from './auth-hook.ts';

/** What every admin route's schema shares: its tag, its security, its error answers. */
export const adminSchema = {
  tags: ['admin'],
  security: [{ bearer: [] }],
} as const;
export const adminErrors = { '4xx': ErrorResponse };
export const Ok = Type.Object({ ok: Type.Literal(true) });

/** The tenant of the admin key a request was admitted with. */
export const tenantOf = (req: FastifyRequest): string => principalOf(req).tenantId;
