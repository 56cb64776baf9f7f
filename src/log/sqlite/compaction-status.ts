import type { CompactResult } from './event-log.sqlite.ts';

/** What the log's compaction has done since start, for metrics and the status route. */
export interface CompactionReport {
  events: number;
  segments: number;
  bytesIn: number;
  bytesOut: number;
  freedPages: number;
  keysSettled: number;
  /** The last failure's message, until a step succeeds again. */
  error: string | null;
}

export class CompactionStatus {
  readonly current: CompactionReport = {
    events: 0,
    segments: 0,
    bytesIn: 0,
    bytesOut: 0,
    freedPages: 0,
    keysSettled: 0,
    error: null,
  };

  ok(r: CompactResult): void {
    const c = this.current;
    c.events += r.events;
    c.segments += r.segments;
    c.bytesIn += r.bytesIn;
    c.bytesOut += r.bytesOut;
    c.freedPages += r.freedPages;
    c.keysSettled += r.keysSettled;
    c.error = null;
  }

  failed(err: unknown): void {
    this.current.error = err instanceof Error ? err.message : String(err);
  }
}
