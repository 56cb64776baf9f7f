import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ConfigError,
  DUCKDB_ALLOCATOR_DEFAULT,
  DUCKDB_ALLOCATOR_VARIABLE,
  loadConfig,
  settleDuckDbAllocator,
} from '../src/config.ts';

test('defaults, environment and flags, in that order of precedence', () => {
  const c = loadConfig({}, {});
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, path.resolve('./data'));
  assert.equal(c.maxBatchEvents, 10_000);
  assert.equal(c.maxBodyBytes, 5 * 1024 * 1024);
  assert.equal(loadConfig({}, { PORT: '9000' }).port, 9000);
  assert.equal(loadConfig({ port: 9100 }, { PORT: '9000' }).port, 9100);
  assert.equal(loadConfig({}, { USAGEHUB_DATA_DIR: '/tmp/x' }).dataDir, '/tmp/x');
  assert.ok(Object.isFrozen(c));
});

test('a bad setting fails with the variable or flag at fault', () => {
  assert.throws(
    () => loadConfig({}, { PORT: 'eighty' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /environment variable PORT/);
      return true;
    },
  );
  assert.throws(() => loadConfig({ maxBatchEvents: 0 }, {}), /option --max-batch-events/);
  assert.throws(() => loadConfig({}, { USAGEHUB_LOG_LEVEL: 'loud' }), /USAGEHUB_LOG_LEVEL/);
});

test("DuckDB's allocator gets usagehub's setting unless the operator set one", () => {
  const unset: NodeJS.ProcessEnv = {};
  settleDuckDbAllocator(unset);
  assert.equal(unset[DUCKDB_ALLOCATOR_VARIABLE], DUCKDB_ALLOCATOR_DEFAULT);
  const operator: NodeJS.ProcessEnv = { [DUCKDB_ALLOCATOR_VARIABLE]: 'dirty_decay_ms:0' };
  settleDuckDbAllocator(operator);
  assert.equal(operator[DUCKDB_ALLOCATOR_VARIABLE], 'dirty_decay_ms:0');
});
