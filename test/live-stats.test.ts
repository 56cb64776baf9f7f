/** The Live API's small helpers for the delivery log: nearest-rank percentiles, UTF-8 prefixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nearestRank, utf8Prefix } from '../src/live/live-stats.ts';

test('nearest rank: the smallest value with at least p of them at or below it', () => {
  assert.equal(nearestRank(0.5, 4), 1);
  assert.equal(nearestRank(0.5, 5), 2);
  assert.equal(nearestRank(0.99, 10), 9);
  assert.equal(nearestRank(0.99, 1), 0);
});

test('a UTF-8 prefix fits the bytes, is a prefix, and never cuts a character', () => {
  assert.equal(utf8Prefix('héllo', 2), 'h');
  assert.equal(utf8Prefix('héllo', 3), 'hé');
  assert.equal(utf8Prefix('ok', 4096), 'ok');
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(80), (s, n) => {
      const p = utf8Prefix(s, n);
      assert.ok(Buffer.byteLength(p) <= n || p === s);
      assert.ok(s.startsWith(p));
      assert.ok(!p.includes('\uFFFD') || s.includes('\uFFFD'));
    }),
  );
});
