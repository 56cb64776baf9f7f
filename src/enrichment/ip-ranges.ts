import ipaddr from 'ipaddr.js';

import type { IpRange } from '../domain/ip-range.ts';

export type { IpRange };

type Words = [number, number, number, number];

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit number, or -1. Most addresses are
 * IPv4, and this is ten times cheaper than the general parser.
 */
function dottedQuad(s: string): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // A leading zero would be octal to some parsers: ambiguous, so not accepted here.
      if (digits > 0 && octet === 0) return -1;
      octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
      if (octet > 255 || ++digits > 3) return -1;
    } else if (c === 46 && octet >= 0 && dots < 3) {
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && octet >= 0 ? value * 256 + octet : -1;
}

/** An address as unsigned 32-bit words: one for IPv4, four for IPv6. Null when not an IP. */
function words(address: string): { v4: number } | { v6: Words } | null {
  const quad = dottedQuad(address);
  if (quad >= 0) return { v4: quad };
  // Shorthand IPv4 forms (1.2.3, octal or hex parts) are not addresses here.
  if (!address.includes(':')) return null;
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process(): an IPv4-mapped IPv6 address (::ffff:1.2.3.4) is the IPv4 address.
    ip = ipaddr.process(address);
  } catch {
    return null;
  }
  const b = ip.toByteArray();
  const word = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return ip.kind() === 'ipv4' ? { v4: word(0) } : { v6: [word(0), word(4), word(8), word(12)] };
}

const maskWord = (w: number, bits: number): number =>
  bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;

const v6Key = (w: Words, prefix: number): string =>
  `${maskWord(w[0], prefix)}:${maskWord(w[1], prefix - 32)}:${maskWord(w[2], prefix - 64)}:${maskWord(w[3], prefix - 96)}`;

/** `cidr` parsed and normalised (host bits cleared), or null when it is not a CIDR block. */
export function parseCidr(cidr: string): { cidr: string; v6: boolean } | null {
  if (!ipaddr.isValidCIDR(cidr.trim())) return null;
  const [ip, prefix] = ipaddr.parseCIDR(cidr.trim());
  const isV4 = ip.kind() === 'ipv4';
  const network = isV4
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr.trim())
    : ipaddr.IPv6.networkAddressFromCIDR(cidr.trim());
  return { cidr: `${network.toString()}/${prefix}`, v6: !isV4 };
}

/**
 * Most-specific-match lookup over a tenant's IP ranges. Ranges are bucketed by prefix
 * length, each bucket a hash map from network address to range; a lookup masks the
 * address for each prefix length present, longest first, and stops at the first hit.
 * That is at most 33 (IPv4) or 129 (IPv6) map lookups, in practice a dozen or so,
 * whatever the table's size (bench/enrichment.ts measures it at 100,000 ranges).
 */
export class IpRangeIndex {
  private readonly v4 = new Map<number, Map<number, IpRange>>();
  private readonly v6 = new Map<number, Map<string, IpRange>>();
  /**
   * Per IPv6 prefix length, the first 32 bits of its networks: most prefix lengths miss
   * on them, which spares building the full key (a string) for each.
   */
  private readonly v6First = new Map<number, Set<number>>();
  private v4Prefixes: number[] = [];
  private v6Prefixes: number[] = [];
  readonly size: number;

  constructor(ranges: readonly IpRange[]) {
    for (const range of ranges) {
      const slash = range.cidr.lastIndexOf('/');
      const prefix = Number(range.cidr.slice(slash + 1));
      const w = words(range.cidr.slice(0, slash));
      if (!w) throw new Error(`not a CIDR block: ${range.cidr}`);
      if ('v4' in w) {
        let bucket = this.v4.get(prefix);
        if (!bucket) this.v4.set(prefix, (bucket = new Map()));
        bucket.set(maskWord(w.v4, prefix), range);
      } else {
        let bucket = this.v6.get(prefix);
        if (!bucket) {
          this.v6.set(prefix, (bucket = new Map()));
          this.v6First.set(prefix, new Set());
        }
        bucket.set(v6Key(w.v6, prefix), range);
        this.v6First.get(prefix)!.add(maskWord(w.v6[0], prefix));
      }
    }
    this.v4Prefixes = [...this.v4.keys()].sort((a, b) => b - a);
    this.v6Prefixes = [...this.v6.keys()].sort((a, b) => b - a);
    this.size = ranges.length;
  }

  /** The most specific range holding `address`, or null (also for a string that is no IP). */
  lookup(address: string): IpRange | null {
    const w = words(address);
    if (!w) return null;
    if ('v4' in w) {
      for (const prefix of this.v4Prefixes) {
        const hit = this.v4.get(prefix)!.get(maskWord(w.v4, prefix));
        if (hit) return hit;
      }
      return null;
    }
    const first = w.v6[0];
    for (const prefix of this.v6Prefixes) {
      if (!this.v6First.get(prefix)!.has(maskWord(first, prefix))) continue;
      const hit = this.v6.get(prefix)!.get(v6Key(w.v6, prefix));
      if (hit) return hit;
    }
    return null;
  }
}
