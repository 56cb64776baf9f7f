import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ERRORS } from '../src/domain/errors.ts';

/** Codes that appear only in `details`, documented in the field-codes table (no status column). */
const PER_FIELD = new Set([
  'unknown_app',
  'unmapped_event',
  'unknown_metric',
  'unknown_type',
  'unknown_origin',
  'unknown_user',
  'session_is_user',
]);

test('every error code in the catalog is documented in docs/errors.md, with its status', () => {
  const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const missing = Object.keys(ERRORS).filter((code) => !doc.includes(`\`${code}\``));
  assert.deepEqual(missing, [], `undocumented codes: ${missing.join(', ')}`);
  for (const [code, { status }] of Object.entries(ERRORS)) {
    if (code.startsWith('field_') || PER_FIELD.has(code)) continue;
    assert.match(
      doc,
      new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`),
      `${code} is documented with status ${status}`,
    );
  }
});

test('no code is documented that the catalog does not have', () => {
  const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]!);
  const stale = documented.filter((c) => !(c in ERRORS));
  assert.deepEqual(stale, []);
});
