import type { QueryFilter } from '../../store/queries.ts';
import type { SqlQuery } from '../../store/event-store.port.ts';

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

export interface SessionGauges {
  open: number;
  timedOut: number;
  conflicts: number;
}

/** Sessions v3, joined from START/UPDATE/END events at query time. */
export interface SessionQueries {
  sessionStats(q: SessionsQuery): Promise<SessionStatsRow[]>;
  sessions(q: SessionListQuery): Promise<SessionRow[]>;
  /** Across all tenants, for the metrics. */
  sessionGauges(idleMs: number, now: number): Promise<SessionGauges>;
}

/**
 * The session queries written in one engine's SQL (duckdb/, postgres/). Each answers
 * with the columns session-queries.ts reads: type, sessions, total, p50, p90, open,
 * timed_out; app_id, session_id, type, state, started, ended, last (Unix ms),
 * duration_s, updates, starts, ends, start_entities and end_entities (JSON text); open,
 * timed_out, conflicts.
 */
export interface SessionSql {
  stats(q: SessionsQuery): SqlQuery;
  list(q: SessionListQuery): SqlQuery;
  gauges(idleMs: number, now: number): SqlQuery;
}
