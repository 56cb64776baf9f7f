import type { Dialect } from '../dialect.ts';

/** Push usage events: batches of app events, OAuth2 client credentials (auth/oauth/). */
export const push: Dialect = {
  name: 'push',
  open: async () => (await import('./push.module.ts')).openPush(),
};
