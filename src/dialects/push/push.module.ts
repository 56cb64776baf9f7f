import type { OpenModule } from '../dialect.ts';
import { pushRoutes } from './push.routes.ts';

/** Push usage events (OAuth2 client credentials, auth/oauth/): its routes. */
export async function openPush(): Promise<OpenModule> {
  return {
    serve: async (app, d) => {
      await app.register(pushRoutes, {
        tokens: d.tokens,
        apps: d.apps,
        pipeline: d.pipeline,
        metrics: d.metrics,
      });
    },
    close: async () => {},
  };
}
