import type { FastifyPluginAsync } from 'fastify';
import { deliveryRoutes } from './deliveries.routes.ts';
import { endpointStateRoutes } from './endpoint-state.routes.ts';
import { endpointRoutes } from './endpoints.routes.ts';
import type { LiveDeps } from './live-endpoint.schema.ts';

/** The Live API's admin surface: endpoints, their state, their deliveries. See docs/live.md. */
export const liveRoutes: FastifyPluginAsync<LiveDeps> = async (app, deps) => {
  for (const routes of [endpointRoutes, endpointStateRoutes, deliveryRoutes])
    await app.register(routes, deps);
};
