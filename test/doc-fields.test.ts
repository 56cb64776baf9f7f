/** The stream's field scan (stream/doc-fields.ts): the same answers as parsing, on hostile documents too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { topLevelFields } from '../src/stream/doc-fields.ts';

const WANTED = ['tenantId', 'occurredAt', 'actor', 'name'];

/** What JSON.parse says the fields are, as JSON text. */
function parsed(doc: string): Record<string, string> {
  const o = JSON.parse(doc) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of WANTED) if (Object.hasOwn(o, k)) out[k] = JSON.stringify(o[k]);
  return out;
}

test('finds top-level fields, never the same keys inside nested values or strings', () => {
  const doc = JSON.stringify({
    properties: { tenantId: 'spoof', occurredAt: 1, note: '","tenantId":"x' },
    raw: [{ actor: { userId: 'spoof' } }, '\\"', 'a\\\\'],
    tenantId: 'ten_a',
    'weird "key"': { '}': ']' },
    occurredAt: 1796297999000,
    actor: { email: 'ann@example.com' },
    name: 'opened_file',
  });
  assert.deepEqual({ ...topLevelFields(doc, WANTED) }, parsed(doc));
});

test('stops at what it cannot read: not an object, cut short', () => {
  assert.equal(topLevelFields('[1,2]', WANTED), null);
  assert.equal(topLevelFields('{"tenantId":"a","actor":{"x":', WANTED), null);
  assert.equal(topLevelFields('{"tenantId":"a', WANTED), null);
  assert.deepEqual({ ...topLevelFields('{}', WANTED) }, {});
});

test('agrees with JSON.parse on any object JSON.stringify writes', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.oneof(fc.constantFrom(...WANTED), fc.string()), fc.jsonValue({ maxDepth: 3 }), {
        maxKeys: 8,
      }),
      (o) => {
        const doc = JSON.stringify(o);
        assert.deepEqual({ ...topLevelFields(doc, WANTED) }, parsed(doc));
      },
    ),
    { numRuns: 2000 },
  );
});
