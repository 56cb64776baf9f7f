/** The Live API's small helpers for the delivery log: percentiles (exact and from the lag histogram), UTF-8 prefixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  lagBucket,
  lagPercentile,
  mergeLags,
  nearestRank,
  utf8Prefix,
  type LagHistogram,
} from '../src/live/live-stats.ts';

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

test('lag percentiles from the histogram are within a tenth of the exact nearest-rank ones, merged or not', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 86_400_000 }), { minLength: 1, maxLength: 300 }),
      fc.constantFrom(0.5, 0.9, 0.99),
      fc.nat(),
      (lags, p, split) => {
        const cut = split % lags.length;
        const halves = [lags.slice(0, cut), lags.slice(cut)].map((part) => {
          const h: LagHistogram = {};
          for (const l of part) h[lagBucket(l)] = (h[lagBucket(l)] ?? 0) + 1;
          return h;
        });
        const merged = mergeLags(halves[0]!, halves[1]!);
        const exact = [...lags].sort((a, b) => a - b)[nearestRank(p, lags.length)]!;
        const got = lagPercentile(merged, p)!;
        assert.ok(exact < 1 ? got === 0 : Math.abs(got - exact) <= exact * 0.1, `p${p}: ${got} vs ${exact}`);
      },
    ),
  );
  assert.equal(lagPercentile({}, 0.5), null);
});
