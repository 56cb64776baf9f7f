/** The limits of PostHog's capture API (posthog.com/docs/api/capture): a batch request, and one event on its own. */
export const POSTHOG_LIMITS = {
  batchBytes: 20 * 1024 * 1024,
  eventBytes: 2 * 1024 * 1024,
} as const;
