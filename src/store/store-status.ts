import { reasonOf } from './quarantine.ts';

/** How the store writer is doing, for /readyz, the metrics, and the answer to queries. */
export interface StoreStatus {
  /** `failing`: applying to the store fails and is being retried; ingest goes on through the log. */
  state: 'ok' | 'failing';
  /** Since when it has been failing, Unix ms. */
  since: number | null;
  /** The last failure, first line only (never event content: store errors name no values). */
  error: string | null;
}

/** Waits between attempts while the store fails: doubling from the first, up to the last. */
export const RETRY_BACKOFF_MS = { first: 250, max: 30_000 } as const;

/** Keeps a StoreStatus and the backoff of the next attempt. */
export class StoreStatusTracker {
  private status: StoreStatus = { state: 'ok', since: null, error: null };
  private wait = 0;

  get current(): StoreStatus {
    return this.status;
  }

  ok(): void {
    this.status = { state: 'ok', since: null, error: null };
    this.wait = 0;
  }

  /** Records a failure; returns how long to wait before the next attempt. */
  failed(err: unknown): number {
    const error = reasonOf(err);
    this.status = { state: 'failing', since: this.status.since ?? Date.now(), error };
    this.wait = Math.min(RETRY_BACKOFF_MS.max, this.wait === 0 ? RETRY_BACKOFF_MS.first : this.wait * 2);
    return this.wait;
  }
}
