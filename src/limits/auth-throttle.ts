import type { GuardSlot, GuardWait } from './guard-ledger.port.ts';
import { HashedBuckets, addressBlock } from './hashed-buckets.ts';
import type { RateLimited } from './rate-limited.ts';
import type { Rate } from './token-bucket.ts';

/**
 * Slows down guessing keys, on every route that takes one (API keys, write keys, OAuth
 * client secrets, the console's sign-in): failed authentications are counted per source
 * address (an IPv6 /64) and per key prefix — the kind and first characters of what was
 * presented — and past `perMinute` of either, attempts wait, whatever key they present,
 * so a throttled guesser learns nothing from the answer. Another key's success does not
 * reset anything, and the tables are fixed in size (limits/hashed-buckets.ts).
 */
export class AuthThrottle {
  private readonly byAddress: HashedBuckets;
  private readonly byPrefix: HashedBuckets;
  readonly rate: Rate;

  constructor(perMinute: number, now: () => number = Date.now, secret?: Buffer) {
    this.rate = { perSecond: perMinute / 60, burst: perMinute };
    this.byAddress = new HashedBuckets(this.rate, 65_536, now, secret);
    this.byPrefix = new HashedBuckets(this.rate, 65_536, now, secret);
  }

  /** The refusal an attempt from `ip` with `secret` gets before it is even checked, or null. */
  refusal(ip: string | undefined, secret: string): RateLimited | null {
    const address = this.byAddress.waitOf(addressBlock(ip));
    const prefix = this.byPrefix.waitOf(prefixOf(secret));
    if (address === 0 && prefix === 0) return null;
    return {
      outcome: 'rate_limited',
      limit: address >= prefix ? 'address-failures' : 'key-prefix-failures',
      rate: this.rate,
      retryAfterSeconds: Math.max(address, prefix),
    };
  }

  /** Counts a failure here; returns the slots it counts in, for the tables shared with other processes. */
  failed(ip: string | undefined, secret: string): GuardSlot[] {
    const address = addressBlock(ip);
    const prefix = prefixOf(secret);
    this.byAddress.take(address);
    this.byPrefix.take(prefix);
    return [
      { table: 'failures:address', slot: this.byAddress.slotOf(address) },
      { table: 'failures:prefix', slot: this.byPrefix.slotOf(prefix) },
    ];
  }

  /** A wait another process found (limits/guard-ledger.port.ts). */
  hold(w: GuardWait): void {
    if (w.table === 'failures:address') this.byAddress.hold(w.slot, w.until);
    else if (w.table === 'failures:prefix') this.byPrefix.hold(w.slot, w.until);
  }
}

/** The kind and the first four characters of what follows it: `uh_ingest_AbCd`, `wks_AbCd`. */
function prefixOf(secret: string): string {
  const kindEnd = secret.lastIndexOf('_', 16);
  return secret.slice(0, (kindEnd < 0 ? 0 : kindEnd + 1) + 4);
}
