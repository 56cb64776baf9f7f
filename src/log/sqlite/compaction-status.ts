import type { CompactResult } from './event-log.sqlite.ts';

/** What the log's compaction has done since start (summed steps), for the metrics. */
export interface CompactionReport extends CompactResult {
  /** The last failure's message, until a step succeeds again. */
  error: string | null;
}

// Every field of a step's result; the check below fails when CompactResult gains one not listed.
const COUNTED = [
  'events',
  'segments',
  'bytesIn',
  'bytesOut',
  'freedPages',
  'keysSettled',
] as const satisfies readonly (keyof CompactResult)[];
const everyFieldCounted: Exclude<keyof CompactResult, (typeof COUNTED)[number]> extends never ? true : never =
  true;
void everyFieldCounted;

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
    for (const k of COUNTED) this.current[k] += r[k];
    this.current.error = null;
  }

  failed(err: unknown): void {
    this.current.error = err instanceof Error ? err.message : String(err);
  }
}
