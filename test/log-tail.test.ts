/**
 * The live tail (stream/log-tail.ts) on a real SQLite log: this process's batches reach
 * it from ingest, as objects, with the ids the log gave them; what another writer
 * appends, it reads from the log, in order; when it falls behind it says how much it
 * skipped.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UsageEvent } from '../src/domain/event.ts';
import { encodeBatch } from '../src/ingest/encode.ts';
import { GroupCommitter } from '../src/ingest/group-commit.ts';
import { IngestPipeline } from '../src/ingest/pipeline.ts';
import type { EventLog } from '../src/log/event-log.port.ts';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import { Metrics } from '../src/ops/metrics.ts';
import { seqOf } from '../src/store/seq.ts';
import { LogTail, type TailEvent, type TailFilter } from '../src/stream/log-tail.ts';
import { event } from './conformance/event-store.conformance.ts';
import { IngestLimits } from '../src/limits/ingest-limits.ts';

/** Limits no test here reaches. */
const unlimited = () =>
  new IngestLimits({
    keyRequestsPerSecond: 1e9,
    keyEventsPerSecond: 1e9,
    tenantRequestsPerSecond: 1e9,
    tenantEventsPerSecond: 1e9,
    keyBytesPerSecond: 1e12,
    tenantBytesPerSecond: 1e12,
    burstSeconds: 1,
  });
const REQUEST = { key: 'test', bytes: 1_000_000 };

const T = 'ten_a';
let n = 0;
/** Events of tenant T, each new (its own content) unless given an existing one. */
const fresh = (count: number, name = 'opened'): UsageEvent[] =>
  Array.from({ length: count }, () =>
    event({ name, occurredAt: Date.UTC(2026, 10, 1) + n, clientId: `c${n++}` }),
  );

const encoded = (events: UsageEvent[]) => {
  const e = encodeBatch(events);
  if (e.outcome !== 'ok') throw new Error('test events must encode');
  return e;
};

/** A subscriber that keeps what it is given; `until` waits for `count` events. */
function listener(filter: Partial<TailFilter> = {}) {
  const events: TailEvent[] = [];
  let skipped = 0;
  const waiters: (() => void)[] = [];
  return {
    events,
    skipped: () => skipped,
    subscriber: {
      filter: { tenantId: T, ...filter },
      deliver(got: TailEvent[]) {
        events.push(...got);
        for (const w of waiters.splice(0)) w();
      },
      skipped(about: number) {
        skipped += about;
      },
    },
    async until(count: number): Promise<void> {
      const deadline = Date.now() + 5000;
      while (events.length < count) {
        if (Date.now() > deadline) assert.fail(`only ${events.length} of ${count} events arrived`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

/** The ids and client ids of every event in the log, as the store and `GET /v1/events` know them. */
async function logged(log: EventLog, name?: string) {
  const out: { eventId: string; clientId: string }[] = [];
  for (const b of await log.read(0, 100_000))
    b.docs.split('\n').forEach((d, index) => {
      const e = JSON.parse(d) as UsageEvent;
      if (!name || e.name === name)
        out.push({ eventId: String(seqOf({ offset: b.offset, index })), clientId: e.clientId! });
    });
  return out;
}
const shown = (events: TailEvent[]) =>
  events.map((e) => {
    const doc = JSON.parse(e.json) as { eventId: string; clientId: string };
    assert.equal(doc.eventId, e.eventId);
    return { eventId: e.eventId, clientId: doc.clientId };
  });

describe('live tail', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-tail-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A log of its own; it and the tail are closed when the test ends, failed or not. */
  function open(t: TestContext) {
    const log = new SqliteEventLog(path.join(dir, `log-${n++}.db`));
    const metrics = new Metrics();
    const closing: { tail?: LogTail } = {};
    t.after(async () => {
      await closing.tail?.close();
      await log.close();
    });
    return { log, metrics, closing };
  }

  test("this process's batches come from ingest, with the log's ids, duplicates left out", async (t) => {
    const { log, metrics, closing } = open(t);
    const errors: Error[] = [];
    // Reading the log fails: whatever arrives came from ingest.
    const tail = new LogTail({ head: () => log.head(), read: () => Promise.reject(new Error('read')) }, (e) =>
      errors.push(e),
    );
    closing.tail = tail;
    const pipeline = new IngestPipeline(new GroupCommitter(log, metrics), metrics, unlimited(), tail);
    const l = listener();
    tail.subscribe(l.subscriber);
    const first = fresh(3);
    await pipeline.ingest(first, REQUEST);
    await pipeline.ingest([first[1]!, ...fresh(2), first[0]!], REQUEST);
    await pipeline.ingest(fresh(2, 'other'), REQUEST);
    await l.until(7);
    assert.deepEqual(shown(l.events), await logged(log));
    assert.ok(errors.every((e) => e.message === 'read'));
  });

  test('what another writer appends is read from the log, in order, and so is what came while quiet', async (t) => {
    const { log, metrics, closing } = open(t);
    const tail = new LogTail(log, (e) => assert.fail(e));
    closing.tail = tail;
    const pipeline = new IngestPipeline(new GroupCommitter(log, metrics), metrics, unlimited(), tail);
    const l = listener({ names: ['opened'] });
    tail.subscribe(l.subscriber);
    await pipeline.ingest(fresh(2), REQUEST);
    // Another process (or the CLI) appends between this process's batches.
    await log.append([encoded(fresh(3)).batch, encoded(fresh(1, 'other')).batch]);
    await pipeline.ingest(fresh(1), REQUEST);
    await l.until(6);
    await log.append([encoded(fresh(2)).batch]);
    await l.until(8);
    assert.deepEqual(shown(l.events), await logged(log, 'opened'), 'the events named opened, in log order');
  });

  test('batches that pile up unshown are dropped and said to be; the tail goes on after them', async (t) => {
    const { log, closing } = open(t);
    const tail = new LogTail(log, (e) => assert.fail(e));
    closing.tail = tail;
    const l = listener();
    tail.subscribe(l.subscriber);
    await new Promise((r) => setTimeout(r, 50)); // the follower has found the head
    const batches = Array.from({ length: 150 }, () => encoded(fresh(2)));
    const events = batches.map((b) => b.docs.map((d) => JSON.parse(d) as UsageEvent));
    const appended = await log.append(batches.map((b) => b.batch));
    // All at once, as a burst of commits would: the follower gets no turn in between.
    appended.forEach((a, i) => tail.appended({ ...a, events: events[i]!, docs: batches[i]!.docs }));
    await l.until(100);
    assert.equal(l.skipped(), 200, 'the first hundred batches, two events each');
    assert.deepEqual(shown(l.events), (await logged(log)).slice(200));
  });
});
