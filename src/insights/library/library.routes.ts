import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyResolver } from '../../auth/authenticator.ts';
import { principalOf, requireRole } from '../../http/auth-hook.ts';
import { ErrorResponse } from '../../http/schemas.ts';
import { literals } from '../definition/definition.schema.ts';
import { TILE_SIZES, type LibraryService } from './library.service.ts';

export interface LibraryRoutesDeps {
  auth: KeyResolver;
  library: LibraryService;
}

const security = [{ bearer: [] }];
const errors = { '4xx': ErrorResponse };
const Id = Type.String({ minLength: 1, maxLength: 100 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.Optional(Type.String({ maxLength: 2000 }));

const InsightBody = Type.Object(
  {
    name: Name,
    description: Description,
    definition: Type.Unknown({ description: 'an insight definition, as POST /v1/insights/query takes' }),
  },
  { additionalProperties: false },
);
const SavedInsight = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  definition: Type.Unknown(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const Deleted = Type.Object({ deleted: Type.String() });
const Item = Type.Object(
  { insight: Id, size: Type.Optional(literals(TILE_SIZES, TILE_SIZES.join(', '))) },
  { additionalProperties: false },
);
const DashboardBody = Type.Object(
  { name: Name, description: Description, items: Type.Array(Item, { maxItems: 100 }) },
  { additionalProperties: false },
);
const Dashboard = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  items: Type.Array(Type.Object({ insight: Type.String(), size: Type.String() })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

/** Saved insights and dashboards, shared by the tenant: read keys read them, admin keys write them. */
export const libraryRoutes: FastifyPluginAsync<LibraryRoutesDeps> = async (fastify, { auth, library }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const read = requireRole(auth, 'read');
  const admin = requireRole(auth, 'admin');
  const tenant = (req: Parameters<typeof principalOf>[0]) => principalOf(req).tenantId;

  app.get(
    '/v1/insights',
    {
      onRequest: read,
      schema: {
        tags: ['insights'],
        summary: 'Saved insights',
        security,
        response: { 200: Type.Object({ insights: Type.Array(SavedInsight) }), ...errors },
      },
    },
    async (req) => ({ insights: await library.listInsights(tenant(req)) }),
  );
  app.post(
    '/v1/insights',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Saves an insight (its definition checked as a query would be)',
        security,
        body: InsightBody,
        response: { 201: SavedInsight, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await library.saveInsight(tenant(req), req.body)),
  );
  app.get(
    '/v1/insights/:id',
    {
      onRequest: read,
      schema: {
        tags: ['insights'],
        summary: 'A saved insight',
        security,
        params: Type.Object({ id: Id }),
        response: { 200: SavedInsight, ...errors },
      },
    },
    async (req) => library.insight(tenant(req), req.params.id),
  );
  app.put(
    '/v1/insights/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Replaces a saved insight',
        security,
        params: Type.Object({ id: Id }),
        body: InsightBody,
        response: { 200: SavedInsight, ...errors },
      },
    },
    async (req) => library.saveInsight(tenant(req), req.body, req.params.id),
  );
  app.delete(
    '/v1/insights/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Deletes a saved insight, and takes it off dashboards',
        security,
        params: Type.Object({ id: Id }),
        response: { 200: Deleted, ...errors },
      },
    },
    async (req) => {
      await library.deleteInsight(tenant(req), req.params.id);
      return { deleted: req.params.id };
    },
  );

  app.get(
    '/v1/dashboards',
    {
      onRequest: read,
      schema: {
        tags: ['insights'],
        summary: 'Dashboards',
        security,
        response: { 200: Type.Object({ dashboards: Type.Array(Dashboard) }), ...errors },
      },
    },
    async (req) => ({ dashboards: await library.listDashboards(tenant(req)) }),
  );
  app.post(
    '/v1/dashboards',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Creates a dashboard of saved insights, in order',
        security,
        body: DashboardBody,
        response: { 201: Dashboard, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await library.saveDashboard(tenant(req), req.body)),
  );
  app.get(
    '/v1/dashboards/:id',
    {
      onRequest: read,
      schema: {
        tags: ['insights'],
        summary: 'A dashboard',
        security,
        params: Type.Object({ id: Id }),
        response: { 200: Dashboard, ...errors },
      },
    },
    async (req) => library.dashboard(tenant(req), req.params.id),
  );
  app.put(
    '/v1/dashboards/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Replaces a dashboard',
        security,
        params: Type.Object({ id: Id }),
        body: DashboardBody,
        response: { 200: Dashboard, ...errors },
      },
    },
    async (req) => library.saveDashboard(tenant(req), req.body, req.params.id),
  );
  app.delete(
    '/v1/dashboards/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['insights'],
        summary: 'Deletes a dashboard (its insights stay)',
        security,
        params: Type.Object({ id: Id }),
        response: { 200: Deleted, ...errors },
      },
    },
    async (req) => {
      await library.deleteDashboard(tenant(req), req.params.id);
      return { deleted: req.params.id };
    },
  );
};
