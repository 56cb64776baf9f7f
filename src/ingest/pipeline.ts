import type { UsageEvent } from '../domain/event.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { GroupCommitter } from './group-commit.ts';

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Per event: true when new, false when a duplicate of one already stored. */
  fresh: boolean[];
}

/**
 * The dialect-independent tail of ingest: takes validated, mapped events and makes
 * them durable. It resolves only after the log commit, so a caller that answers 2xx
 * afterwards never acknowledges an event that could be lost.
 */
export class IngestPipeline {
  constructor(
    private readonly committer: GroupCommitter,
    private readonly metrics: Metrics,
  ) {}

  async ingest(events: readonly UsageEvent[]): Promise<IngestOutcome> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, fresh: [] };
    const fresh = await this.committer.submit(events);
    let accepted = 0;
    for (const f of fresh) if (f) accepted++;
    const duplicates = events.length - accepted;
    const source = events[0]!.source;
    this.metrics.ingestEvents.inc({ source, outcome: 'accepted' }, accepted);
    if (duplicates > 0) this.metrics.ingestEvents.inc({ source, outcome: 'duplicate' }, duplicates);
    this.metrics.batchSize.observe(events.length);
    return { accepted, duplicates, fresh };
  }
}
