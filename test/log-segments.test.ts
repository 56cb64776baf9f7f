/**
 * The log's settled segments: what compaction moves, what it waits for, and that every
 * read finds a batch wherever it lies (the conformance suite runs the port's behaviour
 * on an eagerly compacting log too: event-log.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import { draftSegments, lineOf, parseSegment } from '../src/log/sqlite/segments.ts';
import { compressSegment, decompressSegment, WRITE_CODEC } from '../src/log/sqlite/segment-codec.ts';
import type { EncodedBatch, EventRef, LogBatch } from '../src/log/event-log.port.ts';
import { tempDir } from './helpers/server.ts';

let n = 0;
/** A batch of `events` documents of about `chars` characters, with new dedup keys. */
function batch(events: number, chars = 200): EncodedBatch {
  const keys: string[] = [];
  const docs: string[] = [];
  for (let i = 0; i < events; i++, n++) {
    keys.push((Date.UTC(2026, 0, 1) + n).toString(16).padStart(16, '0') + 'cd'.repeat(12));
    docs.push(JSON.stringify({ n, pad: `${n}`.repeat(Math.ceil(chars / String(n).length)).slice(0, chars) }));
  }
  return { keys: keys.join(''), docs: docs.join('\n') };
}

async function everything(log: SqliteEventLog): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  for (let after = 0; ;) {
    const got = await log.read(after, 1_000);
    if (got.length === 0) return out;
    out.push(...got);
    after = got[got.length - 1]!.offset;
  }
}

const tableCount = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
  } finally {
    db.close();
  }
};

test('segments: whole segments are cut between batches, a large batch into segments of its own', () => {
  const rows = [
    { offset: 1, docs: 'a'.repeat(40), count: 1 },
    { offset: 2, docs: ['b'.repeat(40), 'c'.repeat(40)].join('\n'), count: 2 },
    { offset: 3, docs: Array.from({ length: 5 }, (_, i) => `${i}`.repeat(60)).join('\n'), count: 5 },
    { offset: 4, docs: 'd'.repeat(10), count: 1 },
  ].map((r) => ({ ...r, docs: Buffer.from(r.docs) }));
  const drafts = draftSegments(rows, { bytes: 100 });
  // 1 and 2 make a whole segment (123 bytes); 3 is cut in pieces of two documents
  // (122 bytes) and one; 4 alone is less than a segment and waits.
  assert.deepEqual(
    drafts.map((d) => [d.first, d.lastOffset, d.events]),
    [
      [1 * 2 ** 20, 2, 3],
      [3 * 2 ** 20, 3, 2],
      [3 * 2 ** 20 + 2, 3, 2],
      [3 * 2 ** 20 + 4, 3, 1],
    ],
  );
  const content = parseSegment(drafts[2]!.text.toString());
  assert.deepEqual(content.parts, [[3, 2, 2, 5]]);
  assert.equal(content.docs[lineOf(content, 3, 3)], '3'.repeat(60));
  assert.equal(lineOf(content, 3, 4), -1);
  assert.equal(draftSegments(rows, { bytes: 100, flush: true }).length, 5);
});

test('segments: a segment written with either codec reads back, zstd ones on every supported Node', () => {
  const text = Buffer.from(`[[1,0,2,2]]\n{"a":1}\n{"b":"${'x'.repeat(300)}"}`);
  for (const codec of ['br', WRITE_CODEC] as const) {
    assert.deepEqual(decompressSegment(compressSegment(text, codec), codec, text.length), text);
  }
  // Written by Node 24's zlib at level 1: Node 20 reads it with its JavaScript decoder.
  const fromNode24 = Buffer.from(
    'KLUv/WBIACUBAOhbWzEsMCwyLDJdXQp7ImEiOjF9CnsiYiI6IngifQEAo6hgDA==',
    'base64',
  );
  assert.deepEqual(decompressSegment(fromNode24, 'zstd', text.length), text);
  assert.throws(() => decompressSegment(fromNode24, 'zstd', text.length - 1));
  assert.throws(() => decompressSegment(fromNode24, 'lz5', text.length), /codec "lz5"/);
});

test('compaction moves what every consumer has read into segments; reads and docsAt find it unchanged', async () => {
  const file = path.join(tempDir(), 'log.db');
  const log = new SqliteEventLog(file, { segmentBytes: 16 * 1024 });
  try {
    // Small batches, one larger than several segments, and a batch with a duplicate.
    for (let i = 0; i < 300; i++) await log.append([batch(1 + (i % 7))]);
    await log.append([batch(2_000, 100)]);
    const dup = batch(3);
    await log.append([dup]);
    for (let i = 0; i < 100; i++) await log.append([batch(2)]);
    const before = await everything(log);
    const head = await log.head();
    const refs: EventRef[] = before.flatMap((b) =>
      Array.from({ length: b.count }, (_, index) => ({ offset: b.offset, index })),
    );
    const docsBefore = await log.docsAt(refs);

    assert.equal(log.compact().events, 0, 'nothing moves while no consumer has read');
    await log.commitConsumer('store', head);
    const halfway = before[Math.floor(before.length / 2)]!.offset;
    await log.commitConsumer('live', halfway);
    let moved = 0;
    for (let r = log.compact(); r.events > 0; r = log.compact()) moved += r.events;
    assert.ok(moved > 500, `moved ${moved}`);
    const segments = tableCount(file, 'segments');
    assert.ok(tableCount(file, 'log') > 0, 'the slowest consumer holds the rest in the tail');

    await log.commitConsumer('live', head);
    for (let r = log.compact(); r.events > 0; r = log.compact()) moved += r.events;
    assert.ok(tableCount(file, 'segments') > segments);

    assert.deepEqual(await everything(log), before, 'read gives the same batches, in order');
    for (const after of [0, before[10]!.offset, halfway, head - 1, head])
      assert.deepEqual(await log.read(after, 50), await readFrom(before, after, 50), `read after ${after}`);
    assert.deepEqual(await log.docsAt(refs), docsBefore, 'docsAt finds every document');
    assert.deepEqual([...(await log.docsAt([refs[5]!, refs[0]!]))], [docsBefore[5], docsBefore[0]]);
    await assert.rejects(log.docsAt([{ offset: head + 1, index: 0 }]), /no event/);
    assert.equal(await log.head(), head);
    const [again] = await log.append([dup]);
    assert.deepEqual([...again!.fresh], [0, 0, 0], 'dedup still knows the moved events');
  } finally {
    await log.close();
  }
});

/** What read(after, maxEvents) answers, from the whole list: whole batches, at least one. */
function readFrom(all: LogBatch[], after: number, maxEvents: number): LogBatch[] {
  const out: LogBatch[] = [];
  let events = 0;
  for (const b of all.filter((b) => b.offset > after)) {
    if (out.length > 0 && events + b.count > maxEvents) break;
    out.push(b);
    events += b.count;
  }
  return out;
}

test('compaction gives free pages back to the file system beyond what the tail keeps', async () => {
  const file = path.join(tempDir(), 'log.db');
  const log = new SqliteEventLog(file);
  try {
    // ~100 MiB of documents, then compacted: far more than the 16 MiB kept free.
    for (let i = 0; i < 100; i++) await log.append([batch(1_000, 1_000)]);
    await log.commitConsumer('store', await log.head());
    let freed = 0;
    for (let r = log.compact(); r.events > 0 || r.freedPages > 0; r = log.compact()) freed += r.freedPages;
    assert.ok(freed > 0, 'pages were given back');
    await log.close();
    const db = new Database(file, { readonly: true });
    const free = db.pragma('freelist_count', { simple: true }) as number;
    db.close();
    assert.ok(free <= 4_096, `${free} free pages kept`);
  } finally {
    await log.close();
  }
});
