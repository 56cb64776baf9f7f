/**
 * One setting per port: each defaults from USAGEHUB_STORE (so older configurations keep
 * working), each may be chosen on its own, and combinations that cannot work are
 * refused naming both settings. Then a server whose catalog and Live store are on
 * PostgreSQL while its log and store stay embedded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { dataFiles } from '../src/ops/data-files.ts';
import { ev, startHub, tempDir } from './helpers/server.ts';
import { pgPlace, pgSkip } from './helpers/services.ts';

const PG = 'postgres://u@db/x';
const NATS = 'nats://q:4222';

test('each port defaults to the embedded engine, or to USAGEHUB_STORE', () => {
  const embedded = loadConfig({}, {});
  assert.deepEqual(
    [embedded.catalog, embedded.log, embedded.eventStore, embedded.liveStore],
    ['sqlite:', '', 'duckdb:', 'sqlite:'],
  );
  const scale = loadConfig({}, { USAGEHUB_LOG: NATS, USAGEHUB_STORE: PG });
  assert.deepEqual([scale.catalog, scale.log, scale.eventStore, scale.liveStore], [PG, NATS, PG, PG]);
});

test('a port chosen on its own wins over USAGEHUB_STORE', () => {
  const other = 'postgres://u@catalog-db/y';
  const c = loadConfig({}, { USAGEHUB_LOG: NATS, USAGEHUB_STORE: PG, USAGEHUB_CATALOG: other });
  assert.deepEqual([c.catalog, c.eventStore, c.liveStore], [other, PG, PG]);
  const embedded = loadConfig({}, { USAGEHUB_CATALOG: PG, USAGEHUB_LIVE_STORE: PG });
  assert.deepEqual(
    [embedded.catalog, embedded.log, embedded.eventStore, embedded.liveStore],
    [PG, '', 'duckdb:', PG],
  );
  assert.equal(loadConfig({}, { USAGEHUB_LOG: 'sqlite:' }).log, '', 'sqlite: names the embedded log');
});

test('a combination that cannot work is refused, naming both settings', () => {
  const refused = (env: Record<string, string>, ...names: RegExp[]) =>
    assert.throws(
      () => loadConfig({}, env),
      (e: Error) => names.every((n) => n.test(e.message)),
    );
  refused({ USAGEHUB_LOG: NATS }, /USAGEHUB_LOG/, /USAGEHUB_EVENT_STORE/);
  refused({ USAGEHUB_EVENT_STORE: PG }, /USAGEHUB_EVENT_STORE/, /USAGEHUB_LOG/);
  refused(
    { USAGEHUB_LOG: NATS, USAGEHUB_STORE: PG, USAGEHUB_CATALOG: 'sqlite:' },
    /USAGEHUB_LOG/,
    /USAGEHUB_CATALOG/,
  );
  refused({ USAGEHUB_LOG: NATS, USAGEHUB_STORE: PG, USAGEHUB_LIVE_STORE: 'sqlite:' }, /USAGEHUB_LIVE_STORE/);
  refused({ USAGEHUB_CATALOG: 'duckdb:' }, /USAGEHUB_CATALOG: sqlite: or postgres:/);
  refused({ USAGEHUB_EVENT_STORE: 'mysql://h/db' }, /USAGEHUB_EVENT_STORE: duckdb: or postgres:/);
  refused({ USAGEHUB_STORE: 'sqlite:' }, /USAGEHUB_STORE: a postgres:\/\/ URL/);
});

test(
  'embedded log and store, with the catalog and the Live store on PostgreSQL',
  { skip: pgSkip },
  async () => {
    const place = pgPlace();
    const dataDir = tempDir();
    const hub = await startHub({ catalog: place, liveStore: place, migrate: true }, dataDir);
    try {
      assert.equal((await hub.send([ev()])).statusCode, 200);
      assert.equal(await hub.storedCount(1), 1);
      const res = await hub.app.inject({
        method: 'PUT',
        url: '/v1/metrics/primary',
        headers: { authorization: `Bearer ${hub.adminKey}` },
        payload: {},
      });
      assert.equal(res.statusCode, 200, res.body);
      const files = dataFiles(dataDir);
      assert.equal(fs.existsSync(files.catalog), false, 'no catalog.db: the catalog is in PostgreSQL');
      assert.equal(fs.existsSync(files.live), false, 'no live.db: the Live store is in PostgreSQL');
      assert.ok(fs.existsSync(path.dirname(files.log)));
    } finally {
      await hub.close();
    }
  },
);

test(
  'a start that fails late closes what it opened (the log and store threads)',
  { skip: pgSkip },
  async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    const before = ports();
    // The Live store is opened last; an unmigrated schema refuses it.
    await assert.rejects(startHub({ liveStore: pgPlace() }), /usagehub migrate/);
    assert.equal(ports(), before, 'no thread of the failed start is left running');
  },
);
