/**
 * The environment that lifts a server's rate limits, for what measures or tests something
 * else with clients that send as fast as they can (bench:fairness and the limits' own
 * tests keep the defaults). Past the per-key default (10,000 events/s), which a fast
 * runtime reaches, the answers would be 429s that are not what is looked at.
 */
export const NO_RATE_LIMITS: Readonly<Record<string, string>> = {
  USAGEHUB_LIMIT_KEY_REQUESTS_PER_SECOND: '1e9',
  USAGEHUB_LIMIT_KEY_EVENTS_PER_SECOND: '1e12',
  USAGEHUB_LIMIT_KEY_BYTES_PER_SECOND: '1e15',
  USAGEHUB_LIMIT_TENANT_REQUESTS_PER_SECOND: '1e9',
  USAGEHUB_LIMIT_TENANT_EVENTS_PER_SECOND: '1e12',
  USAGEHUB_LIMIT_TENANT_BYTES_PER_SECOND: '1e15',
};
