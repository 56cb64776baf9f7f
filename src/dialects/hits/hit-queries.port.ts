import type { QueryFilter } from '../../store/queries.ts';
import type { SqlQuery } from '../../store/event-store.port.ts';

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

/** The questions about statistic hits (app and time filters apply; names and categories do not). */
export interface HitQueries {
  mediaUsage(q: QueryFilter): Promise<MediaUsageRow[]>;
  searchStats(q: QueryFilter): Promise<SearchStatsRow[]>;
  connectionStats(q: QueryFilter): Promise<ConnectionStatsRow[]>;
  hitsByOrigin(q: QueryFilter): Promise<OriginRow[]>;
}

/**
 * The hit queries written in one engine's SQL (duckdb/, postgres/). Each answers with the
 * columns hit-queries.ts reads: media, downloads, views, plays, uploads, watched; t, n,
 * avg; mode, n, ok; origin, type, n.
 */
export type HitSql = Record<keyof HitQueries, (q: QueryFilter) => SqlQuery>;
