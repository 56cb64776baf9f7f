/**
 * The log's dedup index: every key ever accepted (domain/dedup.ts: 8 bytes of time, 12
 * of hash), exact and unbounded, in two parts.
 *
 * - **Hot**: the `dedup` B-tree, which new keys go into. Keys arrive nearly but not
 *   exactly in order (many clients, each in time order), so its pages split half full:
 *   ~45 bytes per key at 10 M events (bench:query).
 * - **Settled**: once the B-tree holds more than HOT_KEYS, its oldest keys (in key, so
 *   time, order) move into blocks of BLOCK_KEYS sorted keys, one row each, written once
 *   and full: ~21 bytes per key. The largest key moved is the watermark.
 *
 * A key above the watermark cannot be settled, so a new event's key — nearly always
 * newer than what was settled — costs one B-tree insert, as before. A key at or below
 * it (a resend of an old event, a late one, history imported after the present) is also
 * looked up in its block: one indexed probe and a binary search.
 */
import type Database from 'better-sqlite3';
import { KEY_CHARS } from '../event-log.port.ts';

const KEY_BYTES = KEY_CHARS / 2;
/** Keys per block: 192 × 20 bytes, with its bounds, fills one 4 KiB page. */
export const BLOCK_KEYS = 192;
/** Keys the hot B-tree keeps before its oldest half is settled (~45 MiB). */
export const HOT_KEYS = 1_000_000;
/**
 * Keys settled per step at most: ~3.5 ms of the log's thread, which appends wait behind.
 * With 20,000 (~14 ms) the p99 of 1000-event requests paced at half of peak doubled.
 */
const SETTLE_STEP_KEYS = 5_000;

export const DEDUP_SCHEMA = `
  -- The hot keys (dedup-index.ts); the key grows with event time, so this B-tree fills
  -- near its right edge.
  CREATE TABLE IF NOT EXISTS dedup (key BLOB PRIMARY KEY) WITHOUT ROWID;
  -- Settled keys: BLOCK_KEYS sorted 20-byte keys per row, between first and last.
  CREATE TABLE IF NOT EXISTS dedup_blocks (
    id INTEGER PRIMARY KEY, first BLOB NOT NULL, last BLOB NOT NULL, keys BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS dedup_blocks_last ON dedup_blocks (last);
`;

interface Block {
  id: number;
  first: Buffer;
  last: Buffer;
  keys: Buffer;
}

/** Whether sorted fixed-width `keys` hold `key` (binary search). */
export function blockHas(keys: Buffer, key: Buffer): boolean {
  let lo = 0;
  let hi = keys.length / KEY_BYTES - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = keys.compare(key, 0, KEY_BYTES, mid * KEY_BYTES, (mid + 1) * KEY_BYTES);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** What one settling step did. */
export interface Settled {
  keys: number;
  blocks: number;
}

export class DedupIndex {
  private readonly insertKey: Database.Statement<[string]>;
  private readonly blockFor: Database.Statement<[Buffer], Block>;
  /** The oldest hot keys, as lowercase hex (as keys arrive), plucked. */
  private readonly oldest: Database.Statement<[number], string>;
  private readonly top: Database.Statement<[], { last: Buffer | null }>;
  private readonly deleteThrough: Database.Statement<[Buffer]>;
  private readonly insertBlock: Database.Statement<[Buffer, Buffer, Buffer]>;
  private readonly updateBlock: Database.Statement<[Buffer, Buffer, Buffer, number]>;
  /** The largest settled key, as hex; null while none is. */
  private watermark: string | null;
  /** Keys in the hot B-tree (counted at open, then kept). */
  private hot: number | null = null;

  private readonly hotKeys: number;
  private readonly blockKeys: number;

  /** `hotKeys`, `blockKeys`: HOT_KEYS and BLOCK_KEYS, which tests make small. */
  constructor(
    private readonly db: Database.Database,
    options: { hotKeys?: number; blockKeys?: number } = {},
  ) {
    this.hotKeys = options.hotKeys ?? HOT_KEYS;
    this.blockKeys = options.blockKeys ?? BLOCK_KEYS;
    this.insertKey = db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (unhex(?))');
    this.blockFor = db.prepare(
      'SELECT id, first, last, keys FROM dedup_blocks WHERE last >= ? ORDER BY last LIMIT 1',
    );
    this.oldest = db
      .prepare<[number], string>('SELECT lower(hex(key)) FROM dedup ORDER BY key LIMIT ?')
      .pluck();
    this.top = db.prepare('SELECT max(last) AS last FROM dedup_blocks');
    this.deleteThrough = db.prepare('DELETE FROM dedup WHERE key <= ?');
    this.insertBlock = db.prepare('INSERT INTO dedup_blocks (first, last, keys) VALUES (?, ?, ?)');
    this.updateBlock = db.prepare('UPDATE dedup_blocks SET first = ?, last = ?, keys = ? WHERE id = ?');
    const top = this.top.get()?.last;
    this.watermark = top ? top.toString('hex') : null;
  }

  /** Adds a key (40 lowercase hex digits); true when it is new. Call inside the append's transaction. */
  add(key: string): boolean {
    if (this.watermark !== null && key <= this.watermark && this.settledHas(Buffer.from(key, 'hex')))
      return false;
    if (this.insertKey.run(key).changes !== 1) return false;
    if (this.hot !== null) this.hot++;
    return true;
  }

  private settledHas(key: Buffer): boolean {
    const block = this.blockFor.get(key);
    return block !== undefined && block.first.compare(key) <= 0 && blockHas(block.keys, key);
  }

  /** Whether the hot B-tree holds more keys than it keeps. */
  due(): boolean {
    this.hot ??= this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dedup').get()!.n;
    return this.hot > this.hotKeys;
  }

  /**
   * Moves the oldest hot keys (at most SETTLE_STEP_KEYS, down to half the hot limit)
   * into blocks, in one transaction. Keys above the watermark make new blocks; one at or
   * below it (inserted late) joins the block whose range holds it, which splits when
   * full. Keys are read as hex text, a block made of them at once: read as buffers (one
   * allocation each) or packed by SQL, a key cost more to settle than to insert
   * (1.6–1.9 µs).
   */
  settle(): Settled {
    if (!this.due()) return { keys: 0, blocks: 0 };
    const take = Math.min(SETTLE_STEP_KEYS, this.hot! - Math.floor(this.hotKeys / 2));
    const keys = this.oldest.all(take);
    if (keys.length === 0) return { keys: 0, blocks: 0 };
    const watermark = this.watermark;
    let lateCount = 0;
    while (watermark !== null && lateCount < keys.length && keys[lateCount]! <= watermark) lateCount++;
    let blocks = 0;
    const last = keys[keys.length - 1]!;
    this.db.transaction(() => {
      if (lateCount > 0) blocks += this.mergeLate(keys.slice(0, lateCount).map((k) => Buffer.from(k, 'hex')));
      for (let at = lateCount; at < keys.length; at += this.blockKeys) {
        const run = keys.slice(at, at + this.blockKeys);
        this.insertBlock.run(
          Buffer.from(run[0]!, 'hex'),
          Buffer.from(run[run.length - 1]!, 'hex'),
          Buffer.from(run.join(''), 'hex'),
        );
        blocks++;
      }
      this.deleteThrough.run(Buffer.from(last, 'hex'));
    })();
    this.hot! -= keys.length;
    if (watermark === null || last > watermark) this.watermark = last;
    return { keys: keys.length, blocks };
  }

  /** Late keys (sorted, at or below the watermark) into the blocks whose ranges hold them. */
  private mergeLate(late: readonly Buffer[]): number {
    let rewritten = 0;
    for (let i = 0; i < late.length;) {
      const block = this.blockFor.get(late[i]!)!;
      const into: Buffer[] = [];
      while (i < late.length && late[i]!.compare(block.last) <= 0) into.push(late[i++]!);
      const merged: Buffer[] = [];
      for (let k = 0; k < block.keys.length; k += KEY_BYTES)
        merged.push(block.keys.subarray(k, k + KEY_BYTES));
      merged.push(...into.filter((k) => !blockHas(block.keys, k)));
      merged.sort(Buffer.compare);
      const half = merged.length > 2 * this.blockKeys ? Math.ceil(merged.length / 2) : merged.length;
      const head = merged.slice(0, half);
      this.updateBlock.run(head[0]!, head[head.length - 1]!, Buffer.concat(head), block.id);
      if (half < merged.length) {
        const tail = merged.slice(half);
        this.insertBlock.run(tail[0]!, tail[tail.length - 1]!, Buffer.concat(tail));
      }
      rewritten++;
    }
    return rewritten;
  }
}
