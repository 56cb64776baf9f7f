/**
 * The canonical usage event. Every dialect maps its input to this shape; after
 * mapping, no code knows which dialect an event came from except through `source`.
 */
export const SOURCES = ['native', 'push', 'sessions', 'aggregated', 'hits', 'segment', 'posthog'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * Who did it. User queries count an event for its most specific id: `userId`, else
 * `email`, else `deviceId` (the store's `user_key`).
 */
export interface Actor {
  email?: string;
  userId?: string;
  deviceId?: string;
}

/** The id user queries count an event for (the store's `user_key`), if it has one. */
export const userKeyOf = (a: Actor): string | undefined => a.userId ?? a.email ?? a.deviceId;

export interface SessionRef {
  id?: string;
  action?: string;
}

export interface EventContext {
  /** For logins: the app instance logged into, by id, and its name when given. */
  targetApp?: string;
  targetAppName?: string;
  ip?: string;
  domain?: string;
  company?: string;
  /** How `company` was found: from the event's domain, or from the IP range its address fell in. */
  companyResolvedBy?: 'domain' | 'ip_range' | 'group';
  /** The matched IP range and its organisation, kept for audit. */
  ipRange?: string;
  organisation?: string;
  userAgent?: string;
  environment?: string;
}

export interface UsageEvent {
  tenantId: string;
  appId: string;
  source: Source;
  name: string;
  category: string | null;
  /** Unix milliseconds. */
  occurredAt: number;
  /** Unix milliseconds, set by usagehub when the request arrived. */
  receivedAt: number;
  actor: Actor;
  session: SessionRef;
  /** How many occurrences this event stands for (aggregated dialects send counts). */
  count: number;
  context: EventContext;
  properties: Record<string, unknown>;
  /** The id the client gave the event, if any. */
  clientId: string | null;
  /** Hex; unique per tenant; grows with occurredAt (see dedup.ts). */
  dedupKey: string;
  /** What the client sent for this event, untouched, so a mapping mistake loses nothing. */
  raw: unknown;
}

/**
 * An event is late when it arrived more than 12 hours after it happened: the window
 * within which the push dialect promises aggregates. Late events are stored and
 * counted like any other, and marked so that a user can see what arrived outside it.
 */
export const LATE_AFTER_MS = 12 * 3600 * 1000;

export const isLate = (e: Pick<UsageEvent, 'occurredAt' | 'receivedAt'>): boolean =>
  e.receivedAt - e.occurredAt > LATE_AFTER_MS;

/**
 * The earliest time a dialect that takes Unix milliseconds accepts: an earlier one is
 * nearly always seconds sent as milliseconds.
 */
export const EARLIEST_MS_TIME = Date.UTC(2000, 0, 1);
