import type { EventRef } from '../log/event-log.ts';

/**
 * The questions the query API answers, independent of the store that answers them.
 * Times are Unix milliseconds; buckets are UTC.
 */
export type Interval = 'hour' | 'day';
export type GroupBy =
  'name' | 'app' | 'user' | 'category' | 'targetApp' | 'late' | 'company' | 'domain' | 'environment';
export const GROUP_BYS: readonly GroupBy[] = [
  'name',
  'app',
  'user',
  'category',
  'targetApp',
  'late',
  'company',
  'domain',
  'environment',
];

export interface QueryFilter {
  tenantId: string;
  appIds?: readonly string[];
  names?: readonly string[];
  categories?: readonly string[];
  /** Only events that arrived more than 12 hours after they happened (true), or only the others. */
  late?: boolean;
  /** Inclusive. */
  from?: number;
  /** Exclusive. */
  to?: number;
}

export interface CountsQuery extends QueryFilter {
  interval: Interval;
  groupBy?: GroupBy;
}

/** `events` sums each event's `count`, so aggregated events weigh what they stand for. */
export interface CountRow {
  bucket: string;
  key: string | null;
  events: number;
}

export interface UsersQuery extends QueryFilter {
  interval: Interval;
}

export interface UsersRow {
  bucket: string;
  users: number;
}

export interface TopUsersQuery extends QueryFilter {
  limit: number;
}

export interface TopUserRow {
  user: string;
  events: number;
}

export interface ExportQuery extends QueryFilter {
  /** Resume after this position (opaque, from a previous page). */
  after?: string;
  limit: number;
}

/** A page of located events: where their documents are in the log. */
export interface LocatedPage {
  refs: EventRef[];
  /** Where the next page starts; null when this was the last. */
  next: string | null;
}

export interface ExportPage {
  /** Canonical events as stored, JSON each. */
  events: string[];
  /** Each event's usagehub id: its seq, where it stands in the log (store/seq.ts). */
  seqs: number[];
  /** Where the next page starts; null when this was the last. */
  next: string | null;
}

/** Statistic hits per media: a play with several medias counts for each. */
export interface MediaUsageRow {
  media: string;
  downloads: number;
  views: number;
  plays: number;
  uploads: number;
  /** Seconds watched: per play, the union of its ranges (a replayed segment once), summed. */
  secondsWatched: number;
}

export interface SearchStatsRow {
  searchType: string;
  searches: number;
  averageResultCount: number;
}

export interface ConnectionStatsRow {
  mode: string;
  attempts: number;
  successes: number;
  /** successes / attempts, 0 to 1. */
  successRate: number;
}

export interface OriginRow {
  /** The user interface's number; -1 for third-party applications. */
  origin: number;
  type: string;
  hits: number;
}

/** What usage (the sum of counts) can be split by; `activityType` is the event name. */
export type UsageDimension = 'company' | 'domain' | 'activityType' | 'app' | 'environment';
export const USAGE_DIMENSIONS: readonly UsageDimension[] = [
  'company',
  'domain',
  'activityType',
  'app',
  'environment',
];

export interface UsageQuery extends QueryFilter {
  /** Buckets by time, or one total over the range. */
  interval: Interval | null;
  dimensions: readonly UsageDimension[];
  /** Only events of these dialects (`source`); every dialect when absent. */
  sources?: readonly string[];
}

export type UsageRow = { bucket: string | null; count: number } & Partial<
  Record<UsageDimension, string | null>
>;

export interface TopCompaniesQuery extends QueryFilter {
  limit: number;
}

export interface TopCompanyRow {
  company: string;
  /** The sum of counts. */
  count: number;
  /** Distinct domains seen for it. */
  domains: number;
}

/** Sessions v3 queries: the idle timeout and the clock decide open from timed out. */
export interface SessionsQuery extends QueryFilter {
  types?: readonly string[];
  idleMs: number;
  now: number;
}

/** Per type, over sessions started in the range. Durations in seconds, of closed sessions. */
export interface SessionStatsRow {
  type: string;
  /** Closed sessions (START and END joined). */
  sessions: number;
  totalDurationSeconds: number;
  p50DurationSeconds: number | null;
  p90DurationSeconds: number | null;
  open: number;
  timedOut: number;
}

export type SessionState = 'closed' | 'open' | 'timed_out' | 'waiting_for_start';

export interface SessionListQuery extends SessionsQuery {
  /** `conflict`: sessions with a second START or END. */
  state?: SessionState | 'conflict';
  limit: number;
}

export interface SessionRow {
  app: string;
  session: string;
  /** The START's type; null while only the END has arrived. */
  type: string | null;
  state: SessionState;
  startedAt: number | null;
  endedAt: number | null;
  lastEventAt: number;
  /** Closed: end - start; open or timed out: last event - start. */
  durationSeconds: number | null;
  /** UPDATEs between START and END. */
  updates: number;
  /** More than one START or END: a conflict, reported, never merged. */
  starts: number;
  ends: number;
  entities: { key: string; value: unknown }[];
}
