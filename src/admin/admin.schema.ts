import { Type } from 'typebox';

export const Name = Type.String({ minLength: 1, maxLength: 200 });

export const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });
export const AppSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
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
});
export const CreatedKeySchema = Type.Object({
  key: KeySchema,
  secret: Type.String({
    description: 'The key itself. Shown only in this response; usagehub keeps its hash.',
  }),
});
