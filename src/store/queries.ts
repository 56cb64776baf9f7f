import type { EventRef } from '../log/event-log.port.ts';

/**
 * The questions the query API answers, independent of the store that answers them.
 * Times are Unix milliseconds; buckets are UTC.
 */
export type Interval = 'hour' | 'day';
export type GroupBy =
  | 'name'
  | 'app'
  | 'source'
  | 'user'
  | 'category'
  | 'targetApp'
  | 'late'
  | 'company'
  | 'domain'
  | 'environment';
export const GROUP_BYS: readonly GroupBy[] = [
  'name',
  'app',
  'source',
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

/** Counts also come by the minute, over short ranges (the console's last hour). */
export type CountsInterval = Interval | 'minute';

export interface CountsQuery extends QueryFilter {
  interval: CountsInterval;
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

/** A user key that belongs to a person with several (user profiles): distinct-user queries count the person once. */
export interface PersonLink {
  tenantId: string;
  userKey: string;
  personId: string;
}

/** A person's current traits, under one of the ids their events carry (the store's user_key). */
export interface PersonTraits {
  tenantId: string;
  userKey: string;
  traits: Record<string, unknown>;
}

/**
 * Each (tenant, user key)'s latest row of `rows`, in order: the stores write a key once
 * per statement, and the ports say the latest wins (links, traits).
 */
export const latestPerKey = <T extends { tenantId: string; userKey: string }>(rows: readonly T[]): T[] => [
  ...new Map(rows.map((r) => [`${r.tenantId}\u0000${r.userKey}`, r])).values(),
];

export interface ExportQuery extends QueryFilter {
  /** Only the events of these users (their user keys: a person's ids). */
  userKeys?: readonly string[];
  /** Only events of these dialects (`source`). */
  sources?: readonly string[];
  /** Only the event with this usagehub id (its seq). */
  seq?: number;
  /**
   * Stored order (export), newest stored first (the events explorer), or by event time,
   * latest first (a person's timeline: events arrive late and out of order).
   */
  order?: 'stored' | 'newest' | 'latest';
  /** Resume after this position in the page's order (opaque, from a previous page). */
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

/** What usage (the sum of counts) can be split by; `activityType` is the event name; `resolvedBy` how the company was found. */
export type UsageDimension = 'company' | 'domain' | 'resolvedBy' | 'activityType' | 'app' | 'environment';
export const USAGE_DIMENSIONS: readonly UsageDimension[] = [
  'company',
  'domain',
  'resolvedBy',
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
