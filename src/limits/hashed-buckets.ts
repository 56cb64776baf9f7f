import { createHmac, randomBytes } from 'node:crypto';
import { take, tokensAt, type Rate, type Wait } from './token-bucket.ts';

/**
 * Token buckets for callers nobody has vouched for yet — source addresses, key prefixes —
 * in a fixed table: a caller is a slot chosen by a keyed hash (a secret of this process),
 * so the table never grows and an attacker cannot flush it by rotating addresses, nor
 * aim at another caller's slot. Two callers that share a slot share its budget: the
 * table only ever errs on the side of waiting.
 */
export class HashedBuckets {
  private readonly tokens: Float64Array;
  private readonly at: Float64Array;

  constructor(
    private readonly rate: Rate,
    slots = 65_536,
    private readonly now: () => number = Date.now,
    /** Keys the slots; processes that share their tables (limits/guard-ledger.port.ts) share it. */
    private readonly secret: Buffer = randomBytes(32),
  ) {
    this.tokens = new Float64Array(slots).fill(rate.burst);
    this.at = new Float64Array(slots);
  }

  /** Takes `cost` from `caller`'s slot; 0 when taken, else the seconds to wait. */
  take(caller: string, cost = 1): Wait {
    const slot = this.slotOf(caller);
    const state = { tokens: this.tokens[slot]!, at: this.at[slot]! };
    const wait = take(state, this.rate, cost, this.now());
    this.tokens[slot] = state.tokens;
    this.at[slot] = state.at;
    return wait;
  }

  /** The seconds `caller` must wait before a cost of 1 would be taken (0: none). */
  waitOf(caller: string): Wait {
    const slot = this.slotOf(caller);
    const tokens = tokensAt({ tokens: this.tokens[slot]!, at: this.at[slot]! }, this.rate, this.now());
    return tokens >= 1 ? 0 : (1 - tokens) / this.rate.perSecond;
  }

  /**
   * Makes `slot` wait until `until` (ms), unless it already waits longer: what another
   * process sharing the table found.
   */
  hold(slot: number, until: number): void {
    const now = this.now();
    const tokens = 1 - ((until - now) / 1000) * this.rate.perSecond;
    if (tokens < tokensAt({ tokens: this.tokens[slot]!, at: this.at[slot]! }, this.rate, now)) {
      this.tokens[slot] = tokens;
      this.at[slot] = now;
    }
  }

  slotOf(caller: string): number {
    return createHmac('sha256', this.secret).update(caller).digest().readUInt32LE(0) % this.tokens.length;
  }
}

/**
 * The part of an address that one client controls: an IPv6 client usually holds a whole
 * /64, so its addresses count as one; IPv4 addresses count one by one.
 */
export function addressBlock(ip: string | undefined): string {
  // A socket that closed before the request was handled has no address any more.
  if (ip === undefined) return '';
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const groups = expandIpv6(ip);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

function expandIpv6(ip: string): string[] | null {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}
