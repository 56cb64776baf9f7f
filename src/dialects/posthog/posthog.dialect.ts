import type { Dialect } from '../dialect.ts';

/** PostHog's capture API, for the PostHog SDKs (project tokens from the sources module). */
export const posthog: Dialect = {
  name: 'posthog',
  open: async (place, changes) => (await import('./posthog.module.ts')).openPostHog(place, changes),
};
