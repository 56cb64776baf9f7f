/**
 * The decoders a request's bytes meet before its key is known to be good: each gives
 * the same answer as the reference library on well-formed input, and on hostile input
 * stops at its limit while decoding, in time linear in what it produced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fc from 'fast-check';
import LZString from 'lz-string';
import { decodeLz64 } from '../src/dialects/posthog/lz64.ts';
import { nestsDeeperThan } from '../src/http/json-scan.ts';
import { inflatePrefix } from '../src/http/inflate-prefix.ts';

test('lz64: decodes what lz-string encodes, code unit for code unit', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 3000 }),
        fc.string({ unit: 'binary', maxLength: 500 }),
        fc.constantFrom('', 'a', 'ab'.repeat(5000)),
      ),
      (s) => {
        const decoded = decodeLz64(LZString.compressToBase64(s), 1_000_000);
        if (s === '') return;
        assert.deepEqual(decoded, { outcome: 'ok', text: s });
      },
    ),
    { numRuns: 300 },
  );
});

test('lz64: a bomb stops at the limit, in time linear in the limit, and a head is only its head', () => {
  const bomb = LZString.compressToBase64('['.repeat(3_000_000));
  assert.ok(bomb.length < 10_000, `the bomb is ${bomb.length} characters`);
  const started = performance.now();
  assert.deepEqual(decodeLz64(bomb, 1_000_000), { outcome: 'too_large' });
  const head = decodeLz64(bomb, 64 * 1024, true);
  assert.equal(head.outcome, 'ok');
  assert.ok(head.outcome === 'ok' && head.text.length <= 64 * 1024 && head.text.length > 60_000);
  // Not a timing assertion on a fast path: the library this replaces took seconds and
  // gigabytes here; a generous bound tells the two apart on any machine.
  assert.ok(performance.now() - started < 5000);
});

test('lz64: input that is not lz-string is invalid, never an exception', () => {
  for (const bad of ['', '@@@', 'é', 'AAAA', 'Zm9v', '////////////']) {
    const out = decodeLz64(bad, 1000);
    assert.ok(out.outcome === 'invalid' || (out.outcome === 'ok' && out.text.length <= 1000), bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const out = decodeLz64(s, 10_000);
      assert.ok(out.outcome !== 'ok' || out.text.length <= 10_000);
    }),
    { numRuns: 500 },
  );
});

test('depth scan: counts containers outside strings, escapes included', () => {
  assert.equal(nestsDeeperThan('[[[1]]]', 3), false);
  assert.equal(nestsDeeperThan('[[[[1]]]]', 3), true);
  assert.equal(nestsDeeperThan('{"a":"[[[[[[","b":[{}]}', 3), false);
  assert.equal(nestsDeeperThan('{"a\\"[[[[":"\\\\","b":[[[[]]]]}', 3), true);
  assert.equal(nestsDeeperThan('[],[],[],[],[]', 1), false);
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
      const depth = (x: unknown): number =>
        x !== null && typeof x === 'object' ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0;
      const d = depth(v);
      const text = JSON.stringify(v);
      assert.equal(nestsDeeperThan(text, d), false);
      if (d > 0) assert.equal(nestsDeeperThan(text, d - 1), true);
    }),
  );
});

test('inflating a head: at most a chunk past the limit, whatever the body holds', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x5b));
  for (const [kind, bytes] of [
    ['gzip', bomb],
    ['deflate', zlib.deflateSync(Buffer.alloc(50 * 1024 * 1024))],
    ['br', zlib.brotliCompressSync(Buffer.alloc(50 * 1024 * 1024))],
  ] as const) {
    const head = await inflatePrefix(bytes, kind, 64 * 1024);
    assert.ok(head.length >= 64 * 1024 && head.length <= 64 * 1024 + 16 * 1024, `${kind}: ${head.length}`);
  }
  const truncated = await inflatePrefix(
    zlib.gzipSync(Buffer.from('{"api_key":"k"}'.repeat(100))).subarray(0, 30),
    'gzip',
    1000,
  );
  assert.ok(truncated.length >= 0);
  assert.equal((await inflatePrefix(Buffer.from('not gzip'), 'gzip', 1000)).length, 0);
});
