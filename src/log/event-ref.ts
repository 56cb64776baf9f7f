import type { EventRef } from './event-log.port.ts';

/**
 * An event's seq addresses its document in the log: batch offset * 2^20 + position
 * (a batch holds at most a million events, config.ts). Unique, and growing with the log.
 * Every store keeps it, so export can fetch full documents from the log; the log's
 * segments are keyed by it (sqlite/segments.ts).
 */
export const POSITION_RANGE = 2 ** 20;

export const seqOf = (ref: EventRef): number => ref.offset * POSITION_RANGE + ref.index;

export const refOf = (seq: number): EventRef => ({
  offset: Math.floor(seq / POSITION_RANGE),
  index: seq % POSITION_RANGE,
});
