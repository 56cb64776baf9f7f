import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CANONICAL_LIMITS, checkCanonical } from '../src/domain/canonical.ts';
import type { Problem } from '../src/domain/errors.ts';

const check = (value: unknown, path = '', index?: number): Problem[] => {
  const out: Problem[] = [];
  checkCanonical(value, path, out, index);
  return out;
};
const fields = (problems: Problem[]) => problems.map((p) => `${p.field} ${p.code}`);
const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });

test('a value in the canonical form has no problems, however it nests within the limit', () => {
  assert.deepEqual(check({ batch: [{ a: 'é', b: [1, -2.5, null, true], c: { d: '😀' } }] }), []);
  assert.deepEqual(check(nested(CANONICAL_LIMITS.maxDepth - 1)), []);
  assert.deepEqual(check([]), []);
});

test('each problem is named by its path: strings, keys, numbers, depth', () => {
  const value = {
    batch: [{ ok: 1 }, { properties: { title: 'a\uD800b', [`k\uDC00`]: 1, big: 2 ** 60 } }],
    deep: nested(CANONICAL_LIMITS.maxDepth),
  };
  assert.deepEqual(fields(check(value, 'body')), [
    'body.batch.1.properties.title field_format',
    'body.batch.1.properties.k\uDC00 field_format',
    'body.batch.1.properties.big field_range',
    `body.deep${'.a'.repeat(CANONICAL_LIMITS.maxDepth - 1)} field_range`,
  ]);
  assert.deepEqual(
    check({ n: Number.NaN }, '', 3).map((p) => p.index),
    [3],
  );
});

test('a key an altered Object.prototype adds is not the value’s own: no problem is reported', () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.injected = 'x\uD800';
  try {
    assert.deepEqual(check({ a: { b: 'fine' } }), []);
    assert.deepEqual(fields(check({ a: { b: 'y\uDBFF' } })), ['a.b field_format']);
  } finally {
    delete proto.injected;
  }
});
