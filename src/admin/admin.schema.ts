import { Type } from 'typebox';
import type { KeyResolver } from '../auth/authenticator.ts';
import type { AdminService } from './admin.service.ts';
import { CATEGORIES, type Category } from '../domain/categories.ts';
import { SCOPES, SCOPE_HELP, type Scope } from '../domain/scopes.ts';

export const Name = Type.String({ minLength: 1, maxLength: 200 });

export const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });
export const CategorySchema = Type.Unsafe<Category>({
  type: 'string',
  enum: [...CATEGORIES],
  description: 'A fixed list; see docs/push.md. Login events must name their targetApp.',
});
export const EventMappingSchema = Type.Object({ eventName: Type.String(), category: CategorySchema });
export const AppSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  eventMappings: Type.Array(EventMappingSchema, {
    description: 'The event names the app may push, each with its category.',
  }),
  origin: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Its number as a user interface of the statistic-hits API (a hit origin), if any.',
  }),
});
export const ScopeSchema = Type.Unsafe<Scope>({
  type: 'string',
  enum: [...SCOPES],
  description: SCOPES.map((s) => `${s}: ${SCOPE_HELP[s]}`).join('; '),
});
export const OAuthClientSchema = Type.Object({
  id: Type.String({ description: 'The client_id.' }),
  tenantId: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When it was last given a token, to the minute; null if never.',
  }),
});
export const CreatedClientSchema = Type.Object({
  client: OAuthClientSchema,
  secret: Type.String({
    description: 'The client_secret. Shown only in this response; usagehub keeps its hash.',
  }),
});
export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('ingest'), Type.Literal('read')], {
  description: 'admin: everything; ingest: send events; read: queries and export.',
});
export const KeySchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String({ description: 'The start of the secret, to tell keys apart.' }),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When it last authenticated, to the minute; null if never.',
  }),
});
export const CreatedKeySchema = Type.Object({
  key: KeySchema,
  secret: Type.String({
    description: 'The key itself. Shown only in this response; usagehub keeps its hash.',
  }),
});

/** What the admin API's core route plugins take (tenant, apps, keys, OAuth clients). */
export interface AdminRoutesDeps {
  auth: KeyResolver;
  admin: AdminService;
}
