import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { IpRangeIndex, parseCidr } from '../enrichment/ip-ranges.ts';

/** Ranges that are not the public internet: never a webhook target unless allowed. */
const REFUSED = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
]);

/**
 * An IPv6 address in ::/96 (IPv4-compatible, deprecated by RFC 4291 §2.5.5.1 but still
 * routed by some stacks: `::127.0.0.1` is `::7f00:1`) stands for the IPv4 address in its
 * last 32 bits, and is judged as that address. ::ffff:0:0/96 (IPv4-mapped) is already
 * turned into IPv4 by ipaddr.process; the translation prefixes are refused outright.
 */
function embeddedIpv4(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ip.kind() !== 'ipv6') return ip;
  const bytes = ip.toByteArray();
  if (bytes.slice(0, 12).some((b) => b !== 0)) return ip;
  return new ipaddr.IPv4(bytes.slice(12));
}

/**
 * Decides whether usagehub may connect to an address: public addresses yes; loopback,
 * private, link-local and the like (IPv4, IPv6, and IPv4 mapped into IPv6) only when an
 * allow-listed range holds them. Checked on the address actually connected to, after
 * DNS resolution, so a name that resolves to an internal address is refused too.
 */
export class AddressGuard {
  private readonly allowed: IpRangeIndex;

  /** From the USAGEHUB_LIVE_ALLOW_ADDRESSES setting: CIDR ranges, comma-separated. */
  static fromSetting(setting: string): AddressGuard {
    return new AddressGuard(
      setting
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    );
  }

  constructor(allowList: readonly string[]) {
    this.allowed = new IpRangeIndex(
      allowList.map((cidr) => {
        const parsed = parseCidr(cidr);
        if (!parsed) throw new Error(`not a CIDR block in the allow-list: ${cidr}`);
        return { cidr: parsed.cidr, organisation: 'allowed', domain: null };
      }),
    );
  }

  /** Null when the address may be connected to, else why not. */
  refusal(address: string): string | null {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    const ip = embeddedIpv4(ipaddr.process(address));
    const range = ip.range();
    if (!REFUSED.has(range) || this.allowed.lookup(ip.toString())) return null;
    return `${address} is a ${range} address; allow it with USAGEHUB_LIVE_ALLOW_ADDRESSES`;
  }

  /** A `lookup` for net.connect that resolves, then refuses guarded addresses. */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const usable = list.find((a) => this.refusal(a.address) === null);
      if (!usable) {
        const reason = this.refusal(list[0]?.address ?? hostname) ?? 'no address';
        return callback(
          Object.assign(new Error(`refused: ${hostname} resolves to ${reason}`), {
            code: 'EREFUSED_ADDRESS',
          }),
          '',
          0,
        );
      }
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [usable]);
      callback(null, usable.address, usable.family);
    });
  };
}
