/**
 * Large bodies share the server: parsed in pieces and in turns (http/large-json.ts), one
 * per sender at a time (http/large-bodies.ts), handed to the log a megabyte at a time
 * (ingest/group-commit.ts). What bench:fairness measures as latency is checked here as
 * behaviour: the same values as a whole parse, the same answers, the order of work.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import secureJson from 'secure-json-parse';
import { UsageHubError, type Problem } from '../src/domain/errors.ts';
import { checkCanonical } from '../src/domain/canonical.ts';
import { parseLargeJson } from '../src/http/large-json.ts';
import { LargeBodies } from '../src/http/large-bodies.ts';
import { Turns } from '../src/threads/turns.ts';
import { GroupCommitter } from '../src/ingest/group-commit.ts';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import { batch } from './conformance/event-log.conformance.ts';
import { posthogBatchAtLimit } from './helpers/posthog-large.ts';
import { startHub, tempDir } from './helpers/server.ts';

/** parseLargeJson with pieces of `pieceChars`, or the error it throws. */
const parsed = (text: string, pieceChars = 16) =>
  parseLargeJson(text, new Turns(), pieceChars).catch((err: unknown) => err);

const codeOf = (err: unknown) =>
  err instanceof UsageHubError ? err.code : `not a UsageHubError: ${String(err)}`;

describe('large JSON bodies, parsed in pieces', () => {
  test('give what the whole parse gives, for bodies of every shape', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const body = fc.oneof(
      fc.array(json, { maxLength: 40 }),
      fc.record({ batch: fc.array(json, { maxLength: 40 }), api_key: fc.string() }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(json, fc.array(json, { maxLength: 20 }))),
      json,
    );
    await fc.assert(
      fc.asyncProperty(body, fc.integer({ min: 1, max: 200 }), async (value, pieceChars) => {
        const text = JSON.stringify(value);
        const got = await parsed(text, pieceChars);
        // The whole parse every route uses (http/body.ts): `__proto__` and `constructor.prototype` refused.
        let whole: unknown;
        try {
          whole = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
        } catch {
          return assert.equal(codeOf(got), 'invalid_body', text);
        }
        const problems: Problem[] = [];
        checkCanonical(whole, '', problems);
        if (problems.length > 0) assert.equal(codeOf(got), 'validation_failed', text);
        else assert.deepEqual(got, whole);
      }),
      { numRuns: 400 },
    );
  });

  test('a later duplicate of the batch key wins, as in a whole parse', async () => {
    for (const text of [
      '{"batch":[1,2,3,4,5,6,7,8,9],"batch":[]}',
      '{"batch":[1,2,3,4,5,6,7,8,9],"x":1,"batch":"no"}',
      '{"batch":[],"batch":[1,2,3,4,5,6,7,8,9]}',
    ])
      assert.deepEqual(await parsed(text, 2), JSON.parse(text), text);
  });

  test('refuse what a whole parse refuses, wherever the fault is', async () => {
    for (const text of [
      '[1,,2,3,4,5,6,7,8]',
      '[1,2,3,4,5,6,7,8,]',
      '[,1,2,3,4,5,6,7,8]',
      '[1,2,3,4 , ,5,6,7,8]',
      '{"batch":[1,2,3,4,5,6,7,8}',
      '{"batch":[1,2,3,4,5,6,7,8]',
      '{"batch":[1,2,3,4,5,6,7,8]} x',
      '[{"a":1},{"b":2},{"c":3,]',
      '{"batch":[{"a":1},{"__proto__":{"x":1}}]}',
      // What fast-check found (seed -180842905): a __proto__ key deeper in an item.
      '[[{"__proto__":null}]]',
    ])
      assert.equal(codeOf(await parsed(text, 2)), 'invalid_body', text);
  });

  test('hold every item to the canonical form, naming its path in the whole body', async () => {
    const lone = '"\\ud800"';
    const err = await parsed(`{"batch":[{"a":1},{"a":1},{"a":${lone}}],"sent_at":1e400}`, 4);
    assert.equal(codeOf(err), 'validation_failed');
    assert.deepEqual(
      (err as UsageHubError).details.map((p) => p.field),
      ['batch.2.a', 'sent_at'],
    );
    const deep = await parsed(`[${'['.repeat(40)}${']'.repeat(40)}]`, 4);
    assert.match((deep as UsageHubError).details[0]!.reason, /nested more than 32 levels/);
  });

  test('refuse an item of more than 2 MiB before parsing it', async () => {
    const big = JSON.stringify({ batch: [{ a: 1 }, { pad: 'x'.repeat(2.2 * 1024 * 1024) }, { a: 2 }] });
    assert.equal(codeOf(await parsed(big, 64 * 1024)), 'body_too_large');
  });
});

describe('the gate for large bodies', () => {
  test('lets one body per sender through at a time, two in all, senders in turn', async () => {
    const gate = new LargeBodies();
    const order: string[] = [];
    const enter = (sender: string, name: string) =>
      gate.enter(sender).then((release) => {
        order.push(name);
        return release;
      });
    const a1 = await enter('a', 'a1');
    const pending = [enter('a', 'a2'), enter('a', 'a3'), enter('b', 'b1'), enter('c', 'c1')];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a1', 'b1'], 'a waits for its own; b goes beside it');
    assert.equal(gate.queued, 3);
    a1();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a1', 'b1', 'a2']);
    const [a2, a3, b1, c1] = pending as [
      Promise<() => void>,
      Promise<() => void>,
      Promise<() => void>,
      Promise<() => void>,
    ];
    (await b1)();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a1', 'b1', 'a2', 'c1'], 'c before a3: a has one in');
    (await a2)();
    (await c1)();
    (await a3)();
    assert.equal(gate.queued, 0);
  });
});

describe('the pieces of a large batch go to the log one at a time', () => {
  test('small batches submitted after them are committed before their last', async () => {
    const log = new SqliteEventLog(path.join(tempDir(), 'log.db'));
    try {
      const committer = new GroupCommitter(log);
      const pad = (seed: number) => {
        const b = batch(...Array.from({ length: 3 }, (_, i) => seed + i));
        return { keys: b.keys, docs: b.docs.replaceAll('}', `,"pad":"${'x'.repeat(120_000)}"}`) };
      };
      const pieces = [0, 10, 20, 30].map((s) => committer.submit(pad(100 + s), true));
      const small = committer.submit(batch(1));
      const [last, first] = [await pieces[3]!, await small];
      assert.ok(
        first.offset! < last.offset!,
        `the small batch at ${first.offset}, the last piece at ${last.offset}`,
      );
      const offsets = await Promise.all(pieces);
      assert.deepEqual(
        offsets.map((a) => a.offset),
        [...offsets.map((a) => a.offset!)].sort((x, y) => x - y),
        'the pieces keep their order',
      );
    } finally {
      await log.close();
    }
  });
});

describe('a 20 MB PostHog batch beside small requests', () => {
  test('is stored whole, while a small request sent after it is answered first', async () => {
    const hub = await startHub();
    try {
      const res = await hub.app.inject({
        method: 'POST',
        url: '/v1/sources',
        headers: { authorization: `Bearer ${hub.adminKey}`, 'content-type': 'application/json' },
        payload: { kind: 'posthog', app: 'web' },
      });
      const key = (JSON.parse(res.body) as { writeKey: string }).writeKey;
      const now = Date.now();
      const body = posthogBatchAtLimit(key, now);
      const done: string[] = [];
      const large = hub.app
        .inject({
          method: 'POST',
          url: '/batch/',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          payload: body,
        })
        .then((r) => (done.push('large'), r));
      await new Promise((r) => setTimeout(r, 20));
      const small = await hub.send([{ app: 'web', name: 'small', userId: 'u', timestamp: now }]);
      done.push('small');
      assert.equal(small.statusCode, 200, small.body);
      const answer = await large;
      assert.equal(answer.statusCode, 200, answer.body);
      assert.deepEqual(done, ['small', 'large']);
      assert.equal(await hub.storedCount(10_001), 10_001);
    } finally {
      await hub.close();
    }
  });
});
