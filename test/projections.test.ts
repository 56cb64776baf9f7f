/**
 * A store written before the sessions projection kept each event's entities in an
 * `entities` column of events. Opening it (DuckDB) or migrating it (PostgreSQL) fills
 * session_entities from that column, so the sessions queries answer as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MODULE_MIGRATIONS, PROJECTIONS } from '../src/dialects/dialects.ts';
import { sessionQueries } from '../src/dialects/sessions/session-queries.ts';
import { DuckDbEventStore } from '../src/store/duckdb/event-store.duckdb.ts';
import { PgEventStore } from '../src/store/postgres/event-store.postgres.ts';
import { migrate } from '../src/storage/pg-migrations.ts';
import { openPool, parsePgUrl } from '../src/storage/postgres.ts';
import { event, logBatch } from './conformance/event-store.conformance.ts';
import { tempDir } from './helpers/server.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';

const d1 = Date.UTC(2026, 10, 1);
const sessionEvents = [
  event({
    source: 'sessions',
    tenantId: 'ten_s',
    name: 'APPSTART',
    occurredAt: d1,
    session: { id: 's1', action: 'START' },
    properties: { entities: [{ key: 'k', value: 'start' }] },
  }),
  event({
    source: 'sessions',
    tenantId: 'ten_s',
    name: 'APPSTART',
    occurredAt: d1 + 60_000,
    session: { id: 's1', action: 'END' },
    properties: { entities: [{ key: 'e', value: 1 }] },
  }),
];
const q = { tenantId: 'ten_s', idleMs: 60_000, now: d1 + 3600_000, limit: 10 };
const expected = [
  { key: 'k', value: 'start' },
  { key: 'e', value: 1 },
];

test('DuckDB: entities kept in events by an older store are found after an upgrade', async () => {
  const file = path.join(tempDir(), 'store.duckdb');
  const options = { memoryLimit: '256MB', threads: 1, projections: PROJECTIONS };
  const store = await DuckDbEventStore.open(file, options);
  await store.apply([logBatch(1, sessionEvents)]);
  await store.close();
  // Make it look as an older store did: entities in events, no session_entities table.
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run(`UPDATE events SET entities = x.entities FROM session_entities x WHERE x.seq = events.seq`);
  await conn.run('DROP TABLE session_entities');
  conn.closeSync();
  instance.closeSync();

  const again = await DuckDbEventStore.open(file, options);
  try {
    const [s] = await sessionQueries(again).sessions(q);
    assert.equal(s?.state, 'closed');
    assert.deepEqual(s?.entities, expected);
  } finally {
    await again.close();
  }
});

test('PostgreSQL: the sessions migration fills session_entities from events', { skip: pgSkip }, async () => {
  const where = parsePgUrl(pgPlace());
  const pool = openPool(where, 1);
  try {
    await migrate(pool, where.schema);
    const store = await PgEventStore.open(where, {
      connections: 2,
      migrate: false,
      projections: [],
      modules: [],
    });
    await store.apply([logBatch(1, sessionEvents)]);
    await store.close();
    // The documents' entities, where an older store wrote them.
    for (const e of sessionEvents)
      await pool.query(`UPDATE events SET entities = $1 WHERE session_action = $2`, [
        JSON.stringify(e.properties.entities),
        e.session.action,
      ]);
    await migrate(pool, where.schema, undefined, MODULE_MIGRATIONS);
    const upgraded = await PgEventStore.open(where, {
      connections: 2,
      migrate: false,
      projections: PROJECTIONS,
      modules: MODULE_MIGRATIONS,
    });
    try {
      const [s] = await sessionQueries(upgraded).sessions(q);
      assert.equal(s?.state, 'closed');
      assert.deepEqual(s?.entities, expected);
    } finally {
      await upgraded.close();
    }
  } finally {
    await pool.end();
  }
});

test(
  "PostgreSQL: a store missing a module's tables refuses to open, saying what to run",
  { skip: pgSkip },
  async () => {
    const where = parsePgUrl(pgPlace());
    const pool = openPool(where, 1);
    try {
      await migrate(pool, where.schema);
      await assert.rejects(
        PgEventStore.open(where, {
          connections: 1,
          migrate: false,
          projections: PROJECTIONS,
          modules: MODULE_MIGRATIONS,
        }),
        // The first module whose steps are missing is named (the console's, then the dialects').
        new RegExp(`lacks the ${MODULE_MIGRATIONS[0]!.module} tables.*usagehub migrate`),
      );
    } finally {
      await pool.end();
    }
  },
);
