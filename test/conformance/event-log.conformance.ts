/**
 * The EventLog conformance suite: what every EventLog adapter must do, run against
 * each one on its real engine. `open` must return a log over the same storage each
 * time it is called with the same `place` (a reopen after close).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  READ_MAX_CHARS,
  type EncodedBatch,
  type EventLog,
  type LogBatch,
  type LogConsumer,
} from '../../src/log/event-log.port.ts';

export interface LogFactory {
  /** Why the adapter's engine is unavailable: its tests are skipped, showing this. */
  skip?: string;
  /** A fresh place for a log (a file, a stream name). */
  place(): string;
  open(place: string): Promise<EventLog>;
}

let seq = 0;
/** A batch of events with given key seeds; each doc records its seed. */
export function batch(...seeds: number[]): EncodedBatch {
  const keys = seeds
    .map((s) => (Date.UTC(2026, 0, 1) + s).toString(16).padStart(16, '0') + 'ab'.repeat(12))
    .join('');
  return { keys, docs: seeds.map((s) => JSON.stringify({ seed: s, n: seq++ })).join('\n') };
}
/** `b` with each document padded to about `chars` characters. */
function padded(b: EncodedBatch, chars: number): EncodedBatch {
  const pad = 'x'.repeat(chars);
  return {
    keys: b.keys,
    docs: b.docs
      .split('\n')
      .map((d) => `${d.slice(0, -1)},"pad":"${pad}"}`)
      .join('\n'),
  };
}
const seedsOf = (docs: string) => docs.split('\n').map((d) => (JSON.parse(d) as { seed: number }).seed);

/** Takes batches from a consumer until `n` came (waiting at most 10 s); fails on more. */
async function takeAll(consumer: LogConsumer, n: number): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  const deadline = Date.now() + 10_000;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.next(1000, 500)));
  assert.equal(out.length, n, 'batches taken');
  assert.deepEqual(await consumer.next(1000, 300), [], 'nothing more');
  return out;
}

export function eventLogConformance(name: string, factory: LogFactory): void {
  const only = { skip: factory.skip };
  const withLog = async (fn: (log: EventLog, place: string) => Promise<void>) => {
    const place = factory.place();
    const log = await factory.open(place);
    try {
      await fn(log, place);
    } finally {
      await log.close();
    }
  };

  test(`${name}: append reports new and duplicate events, within and across batches`, only, () =>
    withLog(async (log) => {
      const [a, b] = await log.append([batch(1, 2, 2), batch(2, 3)]);
      assert.deepEqual([...a!.fresh], [1, 1, 0]);
      assert.deepEqual([...b!.fresh], [0, 1]);
      const [c] = await log.append([batch(1, 4)]);
      assert.deepEqual([...c!.fresh], [0, 1]);
    }),
  );

  test(
    `${name}: append tells the offset that holds each batch's new events, none for all duplicates`,
    only,
    () =>
      withLog(async (log) => {
        const [a, b, dup] = await log.append([batch(70, 71, 70), batch(72), batch(71)]);
        const [c] = await log.append([batch(72, 73)]);
        assert.equal(dup!.offset, null);
        const read = await log.read(0, 1000);
        assert.deepEqual(
          read.map((r) => r.offset),
          [a!.offset, b!.offset, c!.offset],
        );
        assert.deepEqual(
          read.map((r) => seedsOf(r.docs)),
          [[70, 71], [72], [73]],
        );
      }),
  );

  test(`${name}: read returns only new events, in order, from an offset`, only, () =>
    withLog(async (log) => {
      await log.append([batch(10, 11), batch(10)]);
      await log.append([batch(12)]);
      const all = await log.read(0, 1000);
      assert.deepEqual(
        all.map((b) => seedsOf(b.docs)),
        [[10, 11], [12]],
      );
      assert.deepEqual(
        all.map((b) => b.count),
        [2, 1],
      );
      assert.ok(all[0]!.offset < all[1]!.offset);
      assert.equal(await log.head(), all[1]!.offset);
      assert.deepEqual(
        (await log.read(all[0]!.offset, 1000)).map((b) => seedsOf(b.docs)),
        [[12]],
      );
      assert.deepEqual(await log.read(all[1]!.offset, 1000), []);
    }),
  );

  test(`${name}: read stops at maxEvents but always returns at least one batch`, only, () =>
    withLog(async (log) => {
      await log.append([batch(20, 21, 22), batch(23, 24)]);
      assert.equal((await log.read(0, 1)).length, 1);
      assert.equal((await log.read(0, 4)).length, 1);
      assert.equal((await log.read(0, 5)).length, 2);
    }),
  );

  test(`${name}: read stops at READ_MAX_CHARS of documents too, with at least one batch`, only, () =>
    withLog(async (log) => {
      // Three batches of 60 documents of 512 KiB: 90 MiB in all, more than one read may hold.
      const big = (from: number) =>
        padded(batch(...Array.from({ length: 60 }, (_, i) => 1000 + from + i)), 512 * 1024);
      await log.append([big(0)]);
      await log.append([big(100)]);
      await log.append([big(200)]);
      const read = await log.read(0, 1_000_000);
      const chars = read.reduce((n, b) => n + b.docs.length, 0);
      const largest = Math.max(...read.map((b) => b.docs.length));
      assert.ok(read.length >= 1);
      assert.ok(chars <= READ_MAX_CHARS + largest, `${chars} characters in one read`);
      assert.ok(read.reduce((n, b) => n + b.count, 0) < 180, 'not every event at once');
    }),
  );

  test(
    `${name}: a batch of megabytes keeps its order and tells duplicates across its whole length`,
    only,
    () =>
      withLog(async (log) => {
        // 40 documents of 128 KiB (5 MiB), two of them again at its end, between two small batches.
        const seeds = [...Array.from({ length: 40 }, (_, i) => 3000 + i), 3000, 3039];
        const [before, large, after] = await log.append([
          batch(2999),
          padded(batch(...seeds), 128 * 1024),
          batch(3000, 3100),
        ]);
        assert.deepEqual([...before!.fresh], [1]);
        assert.deepEqual([...large!.fresh], [...Array.from({ length: 40 }, () => 1), 0, 0]);
        assert.deepEqual([...after!.fresh], [0, 1]);
        const read: number[] = [];
        let offset = 0;
        for (
          let batches = await log.read(0, 1000);
          batches.length > 0;
          batches = await log.read(offset, 1000)
        )
          for (const b of batches) {
            read.push(...seedsOf(b.docs));
            offset = b.offset;
          }
        assert.deepEqual(read, [2999, ...seeds.slice(0, 40), 3100]);
      }),
  );

  test(`${name}: docsAt returns archived documents by batch offset and position`, only, () =>
    withLog(async (log) => {
      await log.append([batch(60, 61, 60), batch(62)]);
      const [a, b] = await log.read(0, 10);
      const docs = await log.docsAt([
        { offset: b!.offset, index: 0 },
        { offset: a!.offset, index: 1 },
        { offset: a!.offset, index: 0 },
      ]);
      assert.deepEqual(
        docs.map((d) => (JSON.parse(d) as { seed: number }).seed),
        [62, 61, 60],
      );
      await log.commitConsumer('c', b!.offset);
      assert.equal(
        (await log.docsAt([{ offset: a!.offset, index: 0 }])).length,
        1,
        'kept after consumers pass',
      );
      await assert.rejects(log.docsAt([{ offset: a!.offset, index: 5 }]));
    }),
  );

  test(`${name}: consumer offsets only move forward`, only, () =>
    withLog(async (log) => {
      await log.append([batch(30), batch(31)]);
      const [first, second] = await log.read(0, 10);
      assert.equal(await log.consumerOffset('c'), 0);
      await log.commitConsumer('c', second!.offset);
      await log.commitConsumer('c', first!.offset);
      assert.equal(await log.consumerOffset('c'), second!.offset);
    }),
  );

  test(`${name}: a consumer group hands out each batch until it is acked`, only, () =>
    withLog(async (log) => {
      await log.append([batch(60), batch(61, 62)]);
      await log.append([batch(63)]);
      const member = await log.consumer('group');
      const got = await takeAll(member, 3);
      assert.deepEqual(
        got.map((b) => seedsOf(b.docs)),
        [[60], [61, 62], [63]],
      );
      assert.deepEqual(
        got.map((b) => b.count),
        [1, 2, 1],
      );
      await member.ack(got.slice(0, 2));
      await member.close();
      // The batch taken and not acked goes to the next member; the acked ones do not.
      const next = await log.consumer('group');
      try {
        const again = await takeAll(next, 1);
        assert.deepEqual(
          again.map((b) => seedsOf(b.docs)),
          [[63]],
        );
        await next.ack(again);
        await log.append([batch(64)]);
        assert.deepEqual(
          (await takeAll(next, 1)).map((b) => seedsOf(b.docs)),
          [[64]],
        );
        // Another group reads everything from the start.
        const other = await log.consumer('other');
        assert.equal((await takeAll(other, 4)).length, 4);
        await other.close();
      } finally {
        await next.close();
      }
    }),
  );

  test(`${name}: what was appended, and what was seen, survives a reopen`, only, async () => {
    const place = factory.place();
    const log = await factory.open(place);
    await log.append([batch(40, 41)]);
    const head = await log.head();
    await log.close();
    const again = await factory.open(place);
    try {
      assert.equal(await again.head(), head);
      assert.deepEqual(
        (await again.read(0, 10)).map((b) => seedsOf(b.docs)),
        [[40, 41]],
      );
      const [appended] = await again.append([batch(41, 42)]);
      assert.deepEqual([...appended!.fresh], [0, 1]);
      assert.ok((await again.head()) > head, 'offsets keep growing after a reopen');
    } finally {
      await again.close();
    }
  });

  test(`${name}: an empty batch list and a batch of duplicates append nothing`, only, () =>
    withLog(async (log) => {
      assert.deepEqual(await log.append([]), []);
      await log.append([batch(50)]);
      const head = await log.head();
      await log.append([batch(50)]);
      assert.equal(await log.head(), head);
    }),
  );
}
