import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';

export type Inflation = 'gzip' | 'deflate' | 'br';

const streams: Record<Inflation, () => Gunzip | ReturnType<typeof createBrotliDecompress>> = {
  gzip: () => createGunzip({ chunkSize: 16 * 1024 }),
  deflate: () => createInflate({ chunkSize: 16 * 1024 }),
  br: () => createBrotliDecompress({ chunkSize: 16 * 1024 }),
};

/**
 * The first `max` bytes (or a chunk more) of what `bytes` inflate to, and no more work:
 * the stream is torn down as soon as they are out. What a truncated or damaged input
 * yields before its fault is returned too — this is for a look at a body's head (its
 * key), not for its content.
 */
export function inflatePrefix(bytes: Buffer, kind: Inflation, max: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const stream = streams[kind]();
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stream.removeAllListeners('data');
      stream.destroy();
      resolve(Buffer.concat(chunks));
    };
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) finish();
    });
    stream.on('end', finish);
    stream.on('error', finish);
    stream.end(bytes);
  });
}
