import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupKey } from '../src/domain/dedup.ts';

// Keys are stored for ever: a resend after an upgrade must get the key its first send got.
test('dedup keys keep their form: 16 hex digits of the time, then 24 of the identity hash', () => {
  const id = { clientId: 'm-1' };
  const cases: [number, string][] = [
    [0, '0000000000000000bddf817992edd4df6b96369e'],
    [2 ** 32 - 1, '00000000ffffffffbddf817992edd4df6b96369e'],
    [2 ** 32, '0000000100000000bddf817992edd4df6b96369e'],
    [Date.UTC(2026, 10, 1, 12, 0, 0, 123), '000001a196fb167bbddf817992edd4df6b96369e'],
    [2 ** 53 - 1, '001fffffffffffffbddf817992edd4df6b96369e'],
    [1.9, '0000000000000001bddf817992edd4df6b96369e'],
    [-5, '0000000000000000bddf817992edd4df6b96369e'],
  ];
  for (const [ms, key] of cases) assert.equal(dedupKey('t1', 'a1', ms, id), key, `at ${ms}`);
  assert.equal(
    dedupKey('t1', 'a1', Date.UTC(2026, 10, 1), { content: '{"x":1}' }),
    '000001a19467e800f981d6b398ed99c21dfc86cc',
  );
});
