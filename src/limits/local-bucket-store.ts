import type { BucketStore, BucketTake, Refused } from './bucket-store.port.ts';
import { fullBucket, take, tokensAt, wouldWait, type BucketState, type Rate } from './token-bucket.ts';

/** Buckets kept before idle ones (full again, so forgetting them changes nothing) are swept. */
const SWEEP_ABOVE = 20_000;

/**
 * Token buckets in this process's memory. Only keys that authenticated are named here,
 * so the table grows with the catalog, not with what strangers send; full buckets are
 * swept when it grows.
 */
export class LocalBucketStore implements BucketStore {
  private readonly buckets = new Map<string, { state: BucketState; rate: Rate }>();

  async take(takes: readonly BucketTake[], now: number): Promise<Refused | null> {
    return this.takeNow(takes, now);
  }

  /** The same, synchronously: what the Redis store falls back to. */
  takeNow(takes: readonly BucketTake[], now: number): Refused | null {
    let refused: Refused | null = null;
    takes.forEach((t, index) => {
      const wait = wouldWait(this.state(t.bucket, t.rate, now), t.rate, t.cost, now);
      if (wait > 0 && (refused === null || wait > refused.wait)) refused = { index, wait };
    });
    if (refused) return refused;
    for (const t of takes) take(this.state(t.bucket, t.rate, now), t.rate, t.cost, now);
    return null;
  }

  async charge(bucket: string, rate: Rate, cost: number, now: number): Promise<void> {
    this.chargeNow(bucket, rate, cost, now);
  }

  chargeNow(bucket: string, rate: Rate, cost: number, now: number): void {
    const state = this.state(bucket, rate, now);
    state.tokens = tokensAt(state, rate, now) - cost;
    state.at = now;
  }

  async close(): Promise<void> {}

  private state(bucket: string, rate: Rate, now: number): BucketState {
    let b = this.buckets.get(bucket);
    if (!b) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      b = { state: fullBucket(rate, now), rate };
      this.buckets.set(bucket, b);
    }
    b.rate = rate;
    return b.state;
  }

  private sweep(now: number): void {
    for (const [name, b] of this.buckets)
      if (wouldWait(b.state, b.rate, b.rate.burst, now) === 0) this.buckets.delete(name);
  }
}
