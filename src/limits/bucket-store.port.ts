/**
 * BucketStore port: token buckets by name, taken from all at once or not at all. The
 * embedded profile keeps them in the process (LocalBucketStore); the scale profile's
 * ingest processes share them through Redis (RedisBucketStore), so that a key's rate
 * holds however many processes its requests are spread over.
 */
import type { Rate } from './token-bucket.ts';

/** One bucket to take from: its name, its rate, and how much. */
export interface BucketTake {
  bucket: string;
  rate: Rate;
  cost: number;
}

/** Nothing was taken: the take at `index` would wait `wait` seconds (the longest wait of all). */
export interface Refused {
  index: number;
  wait: number;
}

export interface BucketStore {
  /** Takes every cost when each bucket holds enough (or is full), else takes nothing and says which waits longest. */
  take(takes: readonly BucketTake[], now: number): Promise<Refused | null>;
  /** Takes `cost` whatever the bucket holds (it may go into debt): what a request turned out to cost. */
  charge(bucket: string, rate: Rate, cost: number, now: number): Promise<void>;
  close(): Promise<void>;
}
