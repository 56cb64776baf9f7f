import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from '../src/domain/instant.ts';

/**
 * SDK timestamps (toISOString's form) are read digit by digit, other text by the ISO 8601
 * pattern. Both must answer alike: each text is also read with a space instead of the T,
 * which only the pattern takes, and the answers compared.
 */
test('the common ISO form is read as the general pattern reads it', () => {
  const texts = [
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00.1Z',
    '2024-05-01T12:00:00.12Z',
    '2024-05-01T12:00:00.145Z',
    '2024-05-01T12:00:00.1459Z',
    '2024-05-01T12:00:00.999999999Z',
    '2024-02-29T23:59:59.999Z',
    '2023-02-29T00:00:00.000Z',
    '2100-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2024-04-31T10:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-01-00T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:60:00Z',
    '2024-01-01T23:59:60Z',
    '0099-01-01T00:00:00Z',
    '0100-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
    '2024-05-01T12:00:00.Z',
    '2024-05-01T12:00:00.1234567890Z',
    '2024-0a-01T12:00:00Z',
    '2024-05-01T12:00:0xZ',
  ];
  for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2030, 0, 1); ms += 7_777_777_777)
    texts.push(new Date(ms).toISOString());
  for (const text of texts) {
    const general = parseInstant(text.replace('T', ' '));
    assert.deepEqual(parseInstant(text), general, text);
  }
  assert.deepEqual(parseInstant('2024-05-01T12:00:00.145Z'), {
    outcome: 'ok',
    ms: Date.UTC(2024, 4, 1, 12) + 145,
  });
});
