/**
 * The settled log's layout: batches every consumer has read are moved out of the `log`
 * table into compressed segments of about SEGMENT_BYTES of documents each
 * (event-log.sqlite.ts compacts; segment-codec.ts compresses).
 *
 * A segment's text is a directory line — one part per batch, or per piece of a batch
 * larger than a segment — then the parts' documents, one per line, in log order:
 *
 *     [[offset, from, lines, count], …]
 *     {…document…}
 *     …
 *
 * `from` is the position in its batch of the part's first document, `lines` how many
 * documents the part holds, `count` the batch's event count as the log recorded it.
 * A segment is keyed by the seq (store/seq.ts) of its first document, so the segment
 * that holds an event is the one with the greatest key not past the event's seq.
 */
import { POSITION_RANGE } from '../event-ref.ts';

/**
 * Documents per segment, in bytes before compression. Reading one event back costs its
 * whole segment: 256 KiB is ~0.4 ms, 1 MiB ~1.2 ms, and larger segments compress no
 * better (bench:codecs, docs/storage.md).
 */
export const SEGMENT_BYTES = 256 * 1024;

export type SegmentPart = [offset: number, from: number, lines: number, count: number];

/** One log row as the compactor reads it: its documents as stored, UTF-8, never decoded. */
export interface SettledBatch {
  offset: number;
  docs: Buffer;
  count: number;
}

export interface SegmentDraft {
  /** The seq of its first document: the segment's key. */
  first: number;
  lastOffset: number;
  events: number;
  text: Buffer;
}

const NEWLINE = 0x0a;

/** The documents in `docs` (lines; an empty text is one empty line). */
function linesIn(docs: Buffer): number {
  let n = 1;
  for (let at = docs.indexOf(NEWLINE); at !== -1; at = docs.indexOf(NEWLINE, at + 1)) n++;
  return n;
}

/**
 * Cuts settled batches, in log order, into segment texts of about `bytes` each. A
 * segment ends between batches, except that a batch larger than a segment is cut
 * between its documents into segments of its own. Unless `flush`, the documents after
 * the last whole segment are left out (a few documents compressed alone save little):
 * the drafts then hold every batch up to the last draft's `lastOffset`, and none after
 * it. The documents are copied as bytes: nothing is decoded or re-encoded.
 */
export function draftSegments(
  batches: readonly SettledBatch[],
  options: { bytes?: number; flush?: boolean } = {},
): SegmentDraft[] {
  const bytes = options.bytes ?? SEGMENT_BYTES;
  const drafts: SegmentDraft[] = [];
  let parts: SegmentPart[] = [];
  let texts: Buffer[] = [];
  let size = 0;
  let first = 0;
  let events = 0;
  const cut = () => {
    if (parts.length === 0) return;
    const head = Buffer.from(`${JSON.stringify(parts)}\n`);
    const text = Buffer.concat([head, ...texts.flatMap((t, i) => (i === 0 ? [t] : [LF, t]))]);
    drafts.push({ first, lastOffset: parts[parts.length - 1]![0], events, text });
    parts = [];
    texts = [];
    size = 0;
    events = 0;
  };
  const add = (b: SettledBatch, from: number, text: Buffer) => {
    if (parts.length === 0) first = b.offset * POSITION_RANGE + from;
    const lines = linesIn(text);
    parts.push([b.offset, from, lines, b.count]);
    texts.push(text);
    size += text.length + 1;
    events += lines;
    return lines;
  };
  for (const b of batches) {
    if (b.docs.length < bytes) {
      add(b, 0, b.docs);
      if (size >= bytes) cut();
      continue;
    }
    cut();
    let from = 0;
    for (let at = 0; at < b.docs.length;) {
      // At least one document, then up to the first line end past `bytes`.
      let end = b.docs.indexOf(NEWLINE, at + bytes - 1);
      if (end === -1) end = b.docs.length;
      from += add(b, from, b.docs.subarray(at, end));
      cut();
      at = end + 1;
    }
  }
  if (options.flush) cut();
  return drafts;
}

const LF = Buffer.from('\n');

/** A segment's text, read back: its parts and its documents, one per line. */
export interface SegmentContent {
  parts: SegmentPart[];
  docs: string[];
}

export function parseSegment(text: string): SegmentContent {
  const eol = text.indexOf('\n');
  const parts = JSON.parse(eol === -1 ? text : text.slice(0, eol)) as SegmentPart[];
  const docs = eol === -1 ? [] : text.slice(eol + 1).split('\n');
  return { parts, docs };
}

/** Where event `index` of batch `offset` is among a segment's documents, or -1. */
export function lineOf(content: SegmentContent, offset: number, index: number): number {
  let line = 0;
  for (const [o, from, lines] of content.parts) {
    if (o === offset && index >= from && index < from + lines) return line + index - from;
    line += lines;
  }
  return -1;
}
