import type { Dialect } from '../dialect.ts';
import { pushRoutes } from './push.routes.ts';

/** Push usage events: batches of app events, OAuth2 client credentials (auth/oauth/). */
export const push: Dialect = {
  name: 'push',
  open: async () => ({
    serve: async (app, d) => {
      await app.register(pushRoutes, {
        tokens: d.tokens,
        apps: d.apps,
        pipeline: d.pipeline,
        metrics: d.metrics,
      });
    },
    close: async () => {},
  }),
};
