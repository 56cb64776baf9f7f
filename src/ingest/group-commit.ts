import type { Appended, EncodedBatch, EventLog } from '../log/event-log.port.ts';

interface Pending {
  batch: EncodedBatch;
  resolve: (appended: Appended) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitObserver {
  committed(batches: number, seconds: number): void;
}

/** Groups in flight at once: enough to keep the log busy while the next group forms. */
const MAX_IN_FLIGHT = 4;

/**
 * Group commit: the request batches that finish arriving in one turn of the event loop
 * share one append to the log. Durable ingest is bound by commits (each one syncs to
 * disk), so sharing them is what makes it fast; a lone request still commits at once.
 *
 * Groups are handed to the log without waiting for the previous one, up to
 * MAX_IN_FLIGHT, so that parsing the next requests overlaps with the commit of the
 * last ones. The log appends in the order it receives, which keeps arrival order —
 * except for the pieces of a large batch: they go one at a time, in their order, each
 * with whatever small batches are waiting, so that a 20 MB request delays the others by
 * the commit of a megabyte, not of twenty.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private pieces: Pending[] = [];
  private pieceInFlight = false;
  private readonly inFlight = new Set<Promise<void>>();
  private scheduled = false;

  constructor(
    private readonly log: EventLog,
    private readonly observer?: GroupCommitObserver,
  ) {}

  /**
   * Resolves once the batch is durable, with each event's freshness and where the new
   * ones are. `piece`: the batch is one of a large request's pieces (ingest/encode.ts),
   * which go to the log one at a time.
   */
  submit(batch: EncodedBatch, piece = false): Promise<Appended> {
    return new Promise((resolve, reject) => {
      (piece ? this.pieces : this.queue).push({ batch, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until everything submitted so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.waiting || this.scheduled) {
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Whether something could go in the next group. */
  private get waiting(): boolean {
    return this.queue.length > 0 || (this.pieces.length > 0 && !this.pieceInFlight);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight.size >= MAX_IN_FLIGHT || !this.waiting) return;
    this.scheduled = true;
    // setImmediate runs after pending I/O callbacks: every request body that finished
    // arriving in this turn joins the same group.
    setImmediate(() => {
      this.scheduled = false;
      const flush: Promise<void> = this.flush().finally(() => {
        this.inFlight.delete(flush);
        this.schedule();
      });
      this.inFlight.add(flush);
    });
  }

  private async flush(): Promise<void> {
    const group = this.queue;
    this.queue = [];
    const piece = this.pieceInFlight ? undefined : this.pieces.shift();
    if (piece) {
      group.push(piece);
      this.pieceInFlight = true;
    }
    if (group.length === 0) return;
    const started = process.hrtime.bigint();
    try {
      const outcomes = await this.log.append(group.map((p) => p.batch));
      this.observer?.committed(group.length, Number(process.hrtime.bigint() - started) / 1e9);
      group.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      for (const p of group) p.reject(err);
    } finally {
      if (piece) this.pieceInFlight = false;
    }
  }
}
