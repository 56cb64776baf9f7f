import type { OpenModule } from '../dialect.ts';
import { nativeRoutes } from './native.routes.ts';

/** usagehub's own ingest API (`POST /v1/events`): its routes. */
export async function openNative(): Promise<OpenModule> {
  return {
    serve: async (app, d) => {
      await app.register(nativeRoutes, {
        auth: d.auth,
        apps: d.apps,
        pipeline: d.pipeline,
        maxBatchEvents: d.config.maxBatchEvents,
        maxBodyBytes: d.config.maxBodyBytes,
      });
    },
    close: async () => {},
  };
}
