import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ERRORS } from '../src/domain/errors.ts';

test('every error code in the catalog is documented in docs/errors.md, with its status', () => {
  const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const missing = Object.keys(ERRORS).filter((code) => !doc.includes(`\`${code}\``));
  assert.deepEqual(missing, [], `undocumented codes: ${missing.join(', ')}`);
  for (const [code, { status }] of Object.entries(ERRORS)) {
    if (code.startsWith('field_') || code === 'unknown_app' || code === 'unmapped_event') continue;
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
