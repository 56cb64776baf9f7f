import type Database from 'better-sqlite3';
import type { EventRef, LogBatch } from '../event-log.port.ts';
import { POSITION_RANGE, seqOf } from '../event-ref.ts';
import { decompressSegment } from './segment-codec.ts';
import { lineOf, parseSegment, type SegmentContent } from './segments.ts';

interface SegmentRow {
  first: number;
  codec: string;
  bytes: number;
  data: Buffer;
}

export interface SegmentStatements {
  lastSegment: Database.Statement<[], { last_offset: number }>;
  /** The segment holding a seq, if any: the greatest key not past it. */
  segmentAt: Database.Statement<[number], SegmentRow>;
  segmentsFrom: Database.Statement<[number], SegmentRow>;
  /** How far every consumer has read: null while none has committed an offset. */
  settled: Database.Statement<[], { offset: number | null }>;
  settledRows: Database.Statement<[number], { offset: number; docs: Buffer; count: number }>;
  insertSegment: Database.Statement<[number, number, number, string, number, Buffer]>;
  deleteThrough: Database.Statement<[number]>;
}

export function segmentStatements(db: Database.Database): SegmentStatements {
  return {
    lastSegment: db.prepare('SELECT last_offset FROM segments ORDER BY first DESC LIMIT 1'),
    segmentAt: db.prepare(
      'SELECT first, codec, bytes, data FROM segments WHERE first <= ? ORDER BY first DESC LIMIT 1',
    ),
    segmentsFrom: db.prepare(
      'SELECT first, codec, bytes, data FROM segments WHERE first >= ? ORDER BY first',
    ),
    settled: db.prepare('SELECT min(offset) AS offset FROM consumers'),
    // As bytes: the compactor copies documents, it never reads them.
    settledRows: db.prepare(
      'SELECT offset, CAST(docs AS BLOB) AS docs, count FROM log WHERE offset <= ? ORDER BY offset',
    ),
    insertSegment: db.prepare(
      'INSERT INTO segments (first, last_offset, events, codec, bytes, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deleteThrough: db.prepare('DELETE FROM log WHERE offset <= ?'),
  };
}

/**
 * Decoded segments this connection read last. A segment never changes once written,
 * so what a connection decoded stays right; export and a catching-up consumer read
 * segment after segment, and refs to one segment often come in several calls.
 */
const CACHED_SEGMENTS = 4;

/** Reads the compressed, settled part of the log (segments.ts) for one connection. */
export class SegmentReader {
  /** By key (the seq of a segment's first document), with the seq of its last. */
  private readonly cache = new Map<number, { content: SegmentContent; lastSeq: number }>();

  constructor(private readonly statements: SegmentStatements) {}

  /**
   * The document at `ref`, or undefined when no segment holds it. A segment decoded
   * already is found without asking SQLite, which would copy its data out again: export
   * asks for thousands of documents of each segment in turn.
   */
  docAt(ref: EventRef): string | undefined {
    const seq = seqOf(ref);
    let content: SegmentContent | undefined;
    for (const [first, cached] of this.cache)
      if (first <= seq && seq <= cached.lastSeq) content = cached.content;
    if (!content) {
      const row = this.statements.segmentAt.get(seq);
      if (!row) return undefined;
      content = this.content(row);
    }
    const line = lineOf(content, ref.offset, ref.index);
    return line === -1 ? undefined : content.docs[line];
  }

  /** The whole batches after offset `after`, in log order; a batch cut over segments is put together. */
  *batchesAfter(after: number): Generator<LogBatch> {
    const start = this.statements.segmentAt.get((after + 1) * POSITION_RANGE)?.first ?? 0;
    let pending: { offset: number; count: number; docs: string[] } | null = null;
    for (const row of this.statements.segmentsFrom.iterate(start)) {
      const content = this.content(row);
      let line = 0;
      for (const [offset, , lines, count] of content.parts) {
        if (offset > after) {
          if (pending && pending.offset !== offset) {
            yield { offset: pending.offset, count: pending.count, docs: pending.docs.join('\n') };
            pending = null;
          }
          pending ??= { offset, count, docs: [] };
          for (let i = line; i < line + lines; i++) pending.docs.push(content.docs[i]!);
        }
        line += lines;
      }
    }
    if (pending) yield { offset: pending.offset, count: pending.count, docs: pending.docs.join('\n') };
  }

  private content(row: SegmentRow): SegmentContent {
    let entry = this.cache.get(row.first);
    if (entry) {
      // Most recently used last.
      this.cache.delete(row.first);
    } else {
      const content = parseSegment(decompressSegment(row.data, row.codec, row.bytes).toString());
      const [offset, from, lines] = content.parts[content.parts.length - 1] ?? [0, 0, 0];
      entry = { content, lastSeq: offset * POSITION_RANGE + from + lines - 1 };
      if (this.cache.size >= CACHED_SEGMENTS) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(row.first, entry);
    return entry.content;
  }
}
