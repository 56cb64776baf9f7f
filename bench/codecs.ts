/**
 * npm run bench:codecs — which codec for the log's settled segments: each of node:zlib's
 * codecs (zstd is built into Node from 22.15, so on 24 and not on 20; run with BENCH_NODE
 * naming a Node 24 to measure it) on the log's documents, in segments of several sizes.
 * Printed per codec and segment size: bytes per event stored, the ratio to the raw
 * documents, and CPU per event to compress a segment and to read it back whole.
 *
 * The documents are the log's own: BENCH_LOG names a data directory's log.db to read
 * (up to BENCH_EVENTS events from its start), else bench:sdk's Segment track messages
 * (100,000 users, new ids) are mapped and encoded as the server does.
 */
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { fmt, segmentTrack } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';
import { encodeEvents, mapSegmentMessages } from './segment-events.ts';

onServerNode();

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const SEGMENTS_KIB = (process.env.BENCH_SEGMENTS_KIB ?? '256,1024,4096').split(',').map(Number);

/** The documents, newline-joined as the log keeps a batch. */
function documents(): string[] {
  if (process.env.BENCH_LOG) {
    const db = new Database(process.env.BENCH_LOG, { readonly: true });
    const docs: string[] = [];
    for (const row of db.prepare<[], { docs: string }>('SELECT docs FROM log ORDER BY offset').iterate()) {
      docs.push(...row.docs.split('\n'));
      if (docs.length >= EVENTS) break;
    }
    db.close();
    return docs.slice(0, EVENTS);
  }
  const docs: string[] = [];
  const start = Date.now() - 3600_000;
  for (let n = 0; docs.length < EVENTS; n++) {
    const at = new Date(start + n * 100).toISOString();
    const messages = Array.from({ length: 15 }, (_, i) => {
      const m = segmentTrack((n * 15 + i) % 100_000, `node-next-${n}-${i}`, at);
      (m.properties as Record<string, unknown>).seconds = (n * 31 + i * 7) % 3600;
      return m;
    });
    const encoded = encodeEvents(mapSegmentMessages(messages));
    docs.push(...encoded.docs.split('\n'));
  }
  return docs.slice(0, EVENTS);
}

interface Codec {
  name: string;
  compress(b: Buffer): Buffer;
  decompress(b: Buffer): Buffer;
}

/** zstd's functions in node:zlib (Node 22.15+); the project compiles against Node 20's types, which lack them. */
interface ZstdZlib {
  zstdCompressSync?(b: Buffer, o?: { params?: Record<number, number> }): Buffer;
  zstdDecompressSync?(b: Buffer): Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
}

function codecs(): Codec[] {
  const list: Codec[] = [
    {
      name: 'gzip 1',
      compress: (b) => zlib.gzipSync(b, { level: 1 }),
      decompress: (b) => zlib.gunzipSync(b),
    },
    {
      name: 'gzip 6',
      compress: (b) => zlib.gzipSync(b, { level: 6 }),
      decompress: (b) => zlib.gunzipSync(b),
    },
    ...[1, 2, 4, 6, 9].map((q) => ({
      name: `brotli ${q}`,
      compress: (b: Buffer) =>
        zlib.brotliCompressSync(b, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: q,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
            [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
          },
        }),
      decompress: (b: Buffer) => zlib.brotliDecompressSync(b),
    })),
  ];
  const z = zlib as unknown as ZstdZlib;
  const level = z.constants.ZSTD_c_compressionLevel;
  if (z.zstdCompressSync && z.zstdDecompressSync && level !== undefined) {
    for (const l of [1, 3, 9, 15])
      list.push({
        name: `zstd ${l}`,
        compress: (b) => z.zstdCompressSync!(b, { params: { [level]: l } }),
        decompress: (b) => z.zstdDecompressSync!(b),
      });
  }
  return list;
}

/** CPU µs of this process for `fn` (user + system). */
function cpu(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

function main(): void {
  const docs = documents();
  const rawBytes = docs.reduce((s, d) => s + Buffer.byteLength(d) + 1, 0);
  const list = codecs();
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub log codecs: ${fmt(docs.length)} documents (${process.env.BENCH_LOG ? 'from ' + process.env.BENCH_LOG : "bench:sdk's Segment events"}), ` +
      `${fmt(rawBytes / docs.length)} bytes each on average${list.some((c) => c.name.startsWith('zstd')) ? '' : '; zstd is not in this Node'}\n`,
  );
  console.log(
    '| segment | codec | bytes per event | raw ÷ stored | compress µs per event | read back µs per event |',
  );
  console.log('|---:|---|---:|---:|---:|---:|');
  console.log(`| | raw documents | ${fmt(rawBytes / docs.length, 1)} | 1.00 | | |`);
  for (const kib of SEGMENTS_KIB) {
    // Segments of whole documents, up to `kib` KiB each.
    const segments: Buffer[] = [];
    let current: string[] = [];
    let size = 0;
    for (const d of docs) {
      current.push(d);
      size += Buffer.byteLength(d) + 1;
      if (size >= kib * 1024) {
        segments.push(Buffer.from(current.join('\n')));
        current = [];
        size = 0;
      }
    }
    if (current.length > 0) segments.push(Buffer.from(current.join('\n')));
    for (const c of list) {
      let packed: Buffer[] = [];
      const compressUs = cpu(() => (packed = segments.map((s) => c.compress(s))));
      const readUs = cpu(() => packed.forEach((p) => c.decompress(p)));
      const stored = packed.reduce((s, p) => s + p.length, 0);
      console.log(
        `| ${fmt(kib)} KiB | ${c.name} | ${fmt(stored / docs.length, 1)} | ${fmt(rawBytes / stored, 2)} | ` +
          `${fmt(compressUs / docs.length, 2)} | ${fmt(readUs / docs.length, 2)} |`,
      );
    }
  }
}

main();
