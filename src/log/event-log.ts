import type { UsageEvent } from '../domain/event.ts';

/** One appended batch as consumers read it back: its offset and its events, as JSON. */
export interface LogBatch {
  offset: number;
  /** Each a JSON-serialised UsageEvent, in the order they were appended. */
  events: string[];
}

/**
 * EventLog port: the durable, ordered record of accepted events.
 *
 * `append` resolves only once its events are durable (committed and synced), and
 * tells which events were new and which were duplicates of events already in the log.
 * Consumers read forward from their own offset and report it back with
 * `commitConsumer`, which lets the log drop what every consumer has passed.
 */
export interface EventLog {
  /**
   * Appends several request batches in one commit (the group commit). Returns, per
   * batch and per event, `true` when the event was new, `false` when its dedup key
   * was already known (earlier, or earlier in the same call). Only new events are read
   * back by consumers.
   */
  append(batches: readonly (readonly UsageEvent[])[]): Promise<boolean[][]>;
  /** Batches with offsets greater than `after`, oldest first. */
  read(after: number, maxBatches: number): Promise<LogBatch[]>;
  /** The offset of the newest batch, 0 when the log is empty. */
  head(): Promise<number>;
  /** Records how far a consumer has durably processed. */
  commitConsumer(name: string, offset: number): Promise<void>;
  consumerOffset(name: string): Promise<number>;
  close(): Promise<void>;
}
