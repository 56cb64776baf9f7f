/**
 * The codecs of the log's settled segments (log/sqlite/segments.ts). A segment records
 * the codec it was written with, so a data directory moves between Node.js versions:
 *
 * - `zstd` (level 1) where node:zlib has it (Node 22.15 and later): as small as brotli
 *   at 6 for a ninth of the CPU (docs/storage.md, bench:codecs).
 * - `br` (brotli, quality 1) on Node 20, whose zlib has no zstd: on bench:codecs'
 *   Segment documents 33.9 bytes per event at 0.55 µs to compress, where quality 4
 *   stored 33.0 for 3.81 µs (Node 20, 256 KiB segments). At quality 4 the log's thread
 *   spent 4.7 µs more per event in bench:sustained than without compaction.
 *
 * Node 20 reads zstd segments with fzstd, a decoder in plain JavaScript, so a log
 * compressed on Node 24 still opens on Node 20.
 */
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';

export type SegmentCodec = 'zstd' | 'br';

/** zstd's functions in node:zlib (Node 22.15+); the project compiles against Node 20's types, which lack them. */
interface ZstdZlib {
  zstdCompressSync?(b: Buffer, o?: { params?: Record<number, number> }): Buffer;
  zstdDecompressSync?(b: Buffer, o?: { maxOutputLength?: number }): Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
}
const z = zlib as unknown as ZstdZlib;

/** The codec this process writes segments with. */
export const WRITE_CODEC: SegmentCodec = z.zstdCompressSync ? 'zstd' : 'br';

export function compressSegment(text: Buffer, codec: SegmentCodec = WRITE_CODEC): Buffer {
  if (codec === 'zstd') {
    if (!z.zstdCompressSync || z.constants.ZSTD_c_compressionLevel === undefined)
      throw new Error('this Node.js has no zstd compressor');
    return z.zstdCompressSync(text, { params: { [z.constants.ZSTD_c_compressionLevel]: 1 } });
  }
  return zlib.brotliCompressSync(text, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
}

/**
 * A segment's text. `bytes` is its size as written (kept beside it), so a segment that
 * decodes to more than that is a damaged file, not a reason to allocate without bound.
 */
export function decompressSegment(data: Uint8Array, codec: string, bytes: number): Buffer {
  const out = decode(data, codec, bytes);
  if (out.length !== bytes)
    throw new Error(`a log segment decoded to ${out.length} bytes, ${bytes} were written`);
  return out;
}

/** Decodes at most one byte more than was written: enough to tell a damaged segment. */
function decode(data: Uint8Array, codec: string, bytes: number): Buffer {
  if (codec === 'br') return zlib.brotliDecompressSync(data, { maxOutputLength: bytes + 1 });
  if (codec === 'zstd') {
    if (z.zstdDecompressSync)
      return z.zstdDecompressSync(Buffer.from(data.buffer, data.byteOffset, data.length), {
        maxOutputLength: bytes + 1,
      });
    // fzstd fills a buffer it is given without telling how much it wrote; unasked, it
    // allocates what the frame says it holds — so that is checked first.
    const declared = zstdContentSize(data);
    if (declared !== bytes)
      throw new Error(`a log segment's zstd frame declares ${declared ?? 'no'} bytes, ${bytes} were written`);
    const out = fzstdDecompress(data);
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  }
  throw new Error(`a log segment is written with codec "${codec}", which this build does not know`);
}

/**
 * The content size a zstd frame's header declares (RFC 8878, 3.1.1.1), or null when it
 * declares none or is no zstd frame.
 */
function zstdContentSize(data: Uint8Array): number | null {
  if (data.length < 6 || data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd)
    return null;
  const descriptor = data[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
  if (data.length < at + fcsBytes) return null;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}
