/**
 * npm run bench:enrichment — IP range lookups (most specific match) with a table of
 * 100,000 ranges, IPv4 and IPv6, against a raw baseline measured in the same run: a
 * plain Map lookup of the address text (an exact match, no parsing, no ranges).
 *
 * Target (issue: aggregated usage): at least 200,000 lookups/s.
 */
import { IpRangeIndex, parseCidr, type IpRange } from '../src/enrichment/ip-ranges.ts';
import { fmt } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';

// Measures usagehub's code in this process: on BENCH_NODE when it names another Node.
onServerNode();

const RANGES = Number(process.env.BENCH_RANGES ?? 100_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

// A deterministic generator, so runs compare.
let seed = 42;
const rand = (n: number) => {
  // xorshift32: fast, full-period, and exact in 32-bit integer arithmetic.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const v4 = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const hex = () => rand(0x10000).toString(16);
const v6 = (p: string[]) => `2001:${p.join(':')}::${hex()}`;

function table(): IpRange[] {
  const out = new Map<string, IpRange>();
  while (out.size < RANGES) {
    const i = out.size;
    const text =
      i % 10 < 7
        ? `${v4((rand(0xffff) << 16) | rand(0xffff))}/${16 + rand(15)}` // /16 to /30, nesting often
        : `${v6([hex(), hex(), hex()])}/${32 + rand(33)}`; // /32 to /64
    const cidr = parseCidr(text)!.cidr;
    out.set(cidr, { cidr, organisation: `Org ${i}`, domain: `org${i}.example` });
  }
  return [...out.values()];
}

function addresses(ranges: IpRange[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    if (i % 2 === 0) {
      // Inside a range: the network address with the last bits changed.
      const base = ranges[rand(ranges.length)]!.cidr.split('/')[0]!;
      out.push(
        base.includes(':') ? base.replace(/::$/, '::') + hex() : base.replace(/\.\d+$/, `.${rand(4)}`),
      );
    } else {
      out.push(i % 4 === 1 ? v4((rand(0xffff) << 16) | rand(0xffff)) : v6([hex(), hex(), hex()]));
    }
  }
  return out;
}

function rate(fn: () => number): { perSec: number; hits: number } {
  const started = performance.now();
  const hits = fn();
  return { perSec: LOOKUPS / ((performance.now() - started) / 1000), hits };
}

const ranges = table();
const built = performance.now();
const index = new IpRangeIndex(ranges);
const buildMs = performance.now() - built;
const ips = addresses(ranges);
const exact = new Map(ips.slice(0, RANGES).map((ip, i) => [ip, i]));

const results: { index: number; baseline: number; hits: number }[] = [];
for (let r = 0; r < RUNS + 1; r++) {
  const base = rate(() => {
    let n = 0;
    for (const ip of ips) if (exact.get(ip) !== undefined) n++;
    return n;
  });
  const idx = rate(() => {
    let n = 0;
    for (const ip of ips) if (index.lookup(ip)) n++;
    return n;
  });
  if (r > 0) results.push({ index: idx.perSec, baseline: base.perSec, hits: idx.hits }); // run 0 warms up
}
results.sort((a, b) => a.index - b.index);
const median = results[Math.floor(results.length / 2)]!;
console.log(`\n${runtimesLine()}`);
console.log(
  `\nusagehub IP range lookups: ${fmt(ranges.length)} ranges (70% IPv4 /16-/30, 30% IPv6 /32-/64), ` +
    `${fmt(LOOKUPS)} lookups, median of ${RUNS} runs; index built in ${fmt(buildMs)} ms\n`,
);
console.log('| what | lookups/s |');
console.log('|---|---:|');
console.log(`| baseline: Map.get of the address text | ${fmt(median.baseline)} |`);
console.log(`| usagehub: most specific range | ${fmt(median.index)} |`);
console.log(`| ratio usagehub/baseline | ${fmt(median.index / median.baseline, 3)} |`);
console.log(
  `\n${fmt((100 * median.hits) / LOOKUPS, 1)}% of the addresses fell in a range. Target: 200,000 lookups/s.`,
);
