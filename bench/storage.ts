/**
 * npm run bench:storage — the measurements behind docs/storage.md: the embedded
 * engines, for ingest with dedup and for analytical queries, on BENCH_ROWS rows
 * (default 10,000,000; 100,000 users; 30 days; 20 event names).
 *
 * Ingest, 1000 rows per transaction, keys in time order (as usagehub's dedup keys):
 *   raw baseline   DuckDB appender, no key (no dedup at all)
 *   sqlite         one table, unique key: INSERT OR IGNORE
 *   duckdb         one table, PRIMARY KEY: INSERT OR IGNORE from the appended chunk
 *   split          usagehub's choice: SQLite key-only dedup index + DuckDB rows without key
 * Queries, on the SQLite table and on the DuckDB table without key (what usagehub's
 * store holds): daily counts by name, daily distinct users, top 10 users, over 30 days.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { fmt } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';

// Measures usagehub's code in this process: on BENCH_NODE when it names another Node.
onServerNode();

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const TX = 1000;
const DIV = '$DIV';
const PK_ROWS = Math.min(ROWS, Number(process.env.BENCH_PK_ROWS ?? 1_000_000));
const USERS = 100_000;
const NAMES = Array.from({ length: 20 }, (_, i) => `event_${i}`);
const end = Date.UTC(2026, 10, 1);
const start = end - 30 * 86400_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-storage-'));

interface Row {
  key: string; // 40 hex: time prefix + hash, as domain/dedup.ts
  ts: number;
  name: string;
  user: string;
}

function row(k: number): Row {
  const ts = start + Math.floor((k / ROWS) * (end - start));
  const h = ((k * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return {
    key: ts.toString(16).padStart(16, '0') + h.repeat(3),
    ts,
    name: NAMES[(k * 7) % 20]!,
    user: `u${(k * 7919) % USERS}`,
  };
}

function progress(label: string, done: number): void {
  if (done % 500_000 === 0) process.stderr.write(`\r${label}: ${fmt(done)} rows   `);
}

async function timedRows(
  label: string,
  insert: (rows: Row[]) => Promise<void> | void,
  count = ROWS,
): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < count; i += TX) {
    const rows: Row[] = [];
    for (let k = i; k < Math.min(count, i + TX); k++) rows.push(row(k));
    await insert(rows);
    progress(label, i + TX);
  }
  process.stderr.write('\n');
  return count / ((performance.now() - t) / 1000);
}

/** Instances stay referenced: a collected instance closes its connections. */
const instances: DuckDBInstance[] = [];

async function duck(file: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(path.join(dir, file), { memory_limit: '1GB', threads: '2' });
  instances.push(instance);
  return instance.connect();
}

async function appendDuck(
  conn: DuckDBConnection,
  table: string,
  rows: Row[],
  withKey: boolean,
): Promise<void> {
  const a = await conn.createAppender(table);
  for (const r of rows) {
    if (withKey) a.appendVarchar(r.key);
    a.appendBigInt(BigInt(r.ts));
    a.appendVarchar(r.name);
    a.appendVarchar(r.user);
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}

const size = (prefix: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);

function sqliteDb(file: string): Database.Database {
  const db = new Database(path.join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  return db;
}

async function main(): Promise<void> {
  const ingest: Record<string, number> = {};

  // Raw baseline: DuckDB appender, no key.
  const raw = await duck('raw.duckdb');
  await raw.run('CREATE TABLE ev (ts BIGINT, name VARCHAR, user_id VARCHAR)');
  ingest['raw baseline: DuckDB appender, no key'] = await timedRows('raw', (rows) =>
    appendDuck(raw, 'ev', rows, false),
  );

  // SQLite, unique key.
  const lite = sqliteDb('sqlite.db');
  lite.exec('CREATE TABLE ev (key BLOB PRIMARY KEY, ts INTEGER, name TEXT, user_id TEXT) WITHOUT ROWID');
  const ins = lite.prepare('INSERT OR IGNORE INTO ev VALUES (unhex(?), ?, ?, ?)');
  const liteTx = lite.transaction((rows: Row[]) => {
    for (const r of rows) ins.run(r.key, r.ts, r.name, r.user);
  });
  ingest['sqlite: one table, unique key'] = await timedRows('sqlite', (rows) => liteTx(rows));

  // The queries, on the two tables loaded so far.
  // Integer division in each dialect: SQLite's / on integers, DuckDB's // (its / is float).
  const day = (col: string) => `${col} ${DIV} 86400000`;
  const range = `ts >= ${start} AND ts < ${end}`;
  const queries = {
    'daily counts by name': `SELECT ${day('ts')} AS d, name, count(*) FROM ev WHERE ${range} GROUP BY d, name`,
    'daily distinct users': `SELECT ${day('ts')} AS d, count(DISTINCT user_id) FROM ev WHERE ${range} GROUP BY d`,
    'top 10 users': `SELECT user_id, count(*) AS n FROM ev WHERE ${range} GROUP BY user_id ORDER BY n DESC LIMIT 10`,
  };
  const timings: Record<string, { sqlite: number; duckdb: number }> = {};
  for (const [name, sql] of Object.entries(queries)) {
    let t = performance.now();
    lite.prepare(sql.replaceAll(DIV, '/')).all();
    const sqliteMs = performance.now() - t;
    t = performance.now();
    await raw.runAndReadAll(sql.replaceAll(DIV, '//'));
    timings[name] = { sqlite: sqliteMs, duckdb: performance.now() - t };
  }
  lite.close();
  raw.closeSync();

  // DuckDB, PRIMARY KEY: append to a staging table, then INSERT OR IGNORE.
  const dk = await duck('duck.duckdb');
  await dk.run('CREATE TABLE ev (key VARCHAR PRIMARY KEY, ts BIGINT, name VARCHAR, user_id VARCHAR)');
  await dk.run('CREATE TEMP TABLE stage (key VARCHAR, ts BIGINT, name VARCHAR, user_id VARCHAR)');
  // Slow enough that 10 M rows would take a quarter of an hour: measured on the first
  // PK_ROWS rows, where the index is smallest (so this rate flatters it).
  ingest[`duckdb: one table, PRIMARY KEY (first ${fmt(PK_ROWS)} rows)`] = await timedRows(
    'duckdb',
    async (rows) => {
      await appendDuck(dk, 'stage', rows, true);
      await dk.run('INSERT OR IGNORE INTO ev SELECT * FROM stage; DELETE FROM stage');
    },
    PK_ROWS,
  );
  dk.closeSync();

  // usagehub's split: the dedup index in SQLite, the rows in DuckDB without a key.
  const keys = sqliteDb('split-keys.db');
  keys.exec('CREATE TABLE dedup (key BLOB PRIMARY KEY) WITHOUT ROWID');
  const insKey = keys.prepare('INSERT OR IGNORE INTO dedup VALUES (unhex(?))');
  const keyTx = keys.transaction((rows: Row[]) => rows.filter((r) => insKey.run(r.key).changes === 1));
  const split = await duck('split.duckdb');
  await split.run('CREATE TABLE ev (ts BIGINT, name VARCHAR, user_id VARCHAR)');
  ingest['split: SQLite dedup index + DuckDB rows (usagehub)'] = await timedRows('split', (rows) =>
    appendDuck(split, 'ev', keyTx(rows), false),
  );
  split.closeSync();
  keys.close();

  const baseline = Object.values(ingest)[0]!;
  console.log(`\n${runtimesLine()}`);
  console.log(`\n## Ingest with dedup, ${fmt(ROWS)} rows, ${TX} per transaction, keys in time order\n`);
  console.log('| engine | rows/s | ratio to raw baseline |');
  console.log('|---|---:|---:|');
  for (const [name, rate] of Object.entries(ingest))
    console.log(`| ${name} | ${fmt(rate)} | ${fmt(rate / baseline, 2)} |`);
  console.log(`\n## Queries over 30 days, ${fmt(ROWS)} rows, ${fmt(USERS)} users\n`);
  console.log('| query | SQLite ms | DuckDB ms | SQLite / DuckDB |');
  console.log('|---|---:|---:|---:|');
  for (const [name, t] of Object.entries(timings)) {
    console.log(`| ${name} | ${fmt(t.sqlite)} | ${fmt(t.duckdb)} | ${fmt(t.sqlite / t.duckdb, 1)} |`);
  }
  console.log('\n## File sizes\n');
  console.log('| store | MiB |');
  console.log('|---|---:|');
  for (const [label, prefix] of [
    ['DuckDB, no key', 'raw.duckdb'],
    ['SQLite, unique key', 'sqlite.db'],
    [`DuckDB, PRIMARY KEY (${fmt(PK_ROWS)} rows)`, 'duck.duckdb'],
    ['split: SQLite keys', 'split-keys.db'],
    ['split: DuckDB rows', 'split.duckdb'],
  ] as const) {
    console.log(`| ${label} | ${fmt(size(prefix) / 2 ** 20)} |`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
