/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. A cost larger than the
 * bucket (one batch of more events than the burst) is let through when the bucket is
 * full and leaves it in debt, so no request is refused for ever while the average rate
 * still holds.
 */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** What taking from a bucket came to: 0 when taken, else the seconds until it could be. */
export type Wait = number;

/** One bucket's state: tokens and when they were counted, in milliseconds. */
export interface BucketState {
  tokens: number;
  at: number;
}

export const fullBucket = (rate: Rate, now: number): BucketState => ({ tokens: rate.burst, at: now });

/** Tokens in the bucket at `now`, refilled since it was last counted. */
export function tokensAt(state: BucketState, rate: Rate, now: number): number {
  const elapsed = Math.max(0, now - state.at) / 1000;
  return Math.min(rate.burst, state.tokens + elapsed * rate.perSecond);
}

/** Takes `cost` tokens when there are enough (or the bucket is full); else the wait, nothing taken. */
export function take(state: BucketState, rate: Rate, cost: number, now: number): Wait {
  const tokens = tokensAt(state, rate, now);
  const needed = Math.min(cost, rate.burst);
  state.at = now;
  if (tokens >= needed) {
    state.tokens = tokens - cost;
    return 0;
  }
  state.tokens = tokens;
  return (needed - tokens) / rate.perSecond;
}

/** Whether `cost` could be taken now, without taking it. */
export function wouldWait(state: BucketState, rate: Rate, cost: number, now: number): Wait {
  const tokens = tokensAt(state, rate, now);
  const needed = Math.min(cost, rate.burst);
  return tokens >= needed ? 0 : (needed - tokens) / rate.perSecond;
}
