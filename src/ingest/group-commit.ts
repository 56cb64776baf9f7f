import type { UsageEvent } from '../domain/event.ts';
import type { EventLog } from '../log/event-log.ts';

interface Pending {
  events: readonly UsageEvent[];
  resolve: (fresh: boolean[]) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitObserver {
  committed(batches: number, events: number, seconds: number): void;
}

/**
 * Group commit: requests that arrive while a commit is being prepared or is in flight
 * share the next one. Durable ingest is bound by commits (each one syncs to disk), so
 * sharing them is what makes it fast; a lone request still commits at once, on the
 * next turn of the event loop.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly log: EventLog,
    private readonly observer?: GroupCommitObserver,
  ) {}

  /** Resolves with each event's freshness once the batch is durable in the log. */
  submit(events: readonly UsageEvent[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until everything submitted so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0 || this.scheduled) {
      if (this.flushing) await this.flushing;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate runs after pending I/O callbacks: every request body that finished
    // arriving in this turn joins the same commit.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    const started = process.hrtime.bigint();
    try {
      const outcomes = await this.log.append(group.map((p) => p.events));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let events = 0;
      group.forEach((p, i) => {
        events += p.events.length;
        p.resolve(outcomes[i]!);
      });
      this.observer?.committed(group.length, events, seconds);
    } catch (err) {
      for (const p of group) p.reject(err);
    }
  }
}
