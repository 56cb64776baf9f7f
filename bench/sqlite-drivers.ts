/**
 * npm run bench:sqlite-drivers — the embedded log's workload on the two SQLite drivers
 * Node can use: better-sqlite3 (what usagehub uses) and node:sqlite (built into Node
 * from 22.13; run with BENCH_NODE naming a Node 24 to measure it). Whether to switch is
 * decided by this, not by having one dependency fewer.
 *
 * The workload is SqliteEventLog's: WAL, `synchronous = FULL`, a 4 MiB page cache (the
 * appender's), per event an `INSERT OR IGNORE` of its 20-byte dedup key (time-ordered,
 * so the B-tree fills at its right edge), per batch one row of newline-joined documents
 * (~700 characters each, as a Segment event's), one transaction per group commit. Two
 * shapes: SDK traffic (15-event batches, 20 to a transaction) and 1000-event batches.
 * The raw baseline writes the same document bytes to a file, fsync'd per transaction:
 * what any durable append pays. Drivers alternate; medians of BENCH_RUNS (default 3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { fmt } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';

onServerNode();

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-sqlite-drivers-'));

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS dedup (key BLOB PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS log (offset INTEGER PRIMARY KEY AUTOINCREMENT, docs TEXT NOT NULL, count INTEGER NOT NULL);
`;
const PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'cache_size = -4096'];

interface Shape {
  name: string;
  batch: number;
  perTransaction: number;
}
const SHAPES: Shape[] = [
  { name: 'SDK traffic: 15-event batches, 20 per transaction', batch: 15, perTransaction: 20 },
  { name: '1000-event batches, one per transaction', batch: 1000, perTransaction: 1 },
];

const DOC = JSON.stringify({
  name: 'Video Played',
  actor: { userId: 'user-0000000' },
  payload: { properties: { seconds: 40, quality: 'hd' }, context: { library: { name: 'analytics-node' } } },
}).padEnd(700, ' ');

/** The transactions of a run: each a list of batches of (keys, docs), keys new for every run. */
function transactions(shape: Shape, run: number): { keys: string[]; docs: string }[][] {
  const out: { keys: string[]; docs: string }[][] = [];
  const batches = Math.ceil(EVENTS / shape.batch);
  let n = 0;
  for (let b = 0; b < batches; b += shape.perTransaction) {
    const tx: { keys: string[]; docs: string }[] = [];
    for (let i = b; i < Math.min(batches, b + shape.perTransaction); i++) {
      const keys: string[] = [];
      const docs: string[] = [];
      for (let e = 0; e < shape.batch; e++, n++) {
        const time = (1_796_000_000_000 + run * 10_000_000 + n).toString(16).padStart(16, '0');
        keys.push(time + ((n * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(3));
        docs.push(DOC);
      }
      tx.push({ keys, docs: docs.join('\n') });
    }
    out.push(tx);
  }
  return out;
}

interface Driver {
  name: string;
  /** Appends every transaction; returns when the last is durable. */
  run(file: string, txs: ReturnType<typeof transactions>): void;
}

const betterSqlite3: Driver = {
  name: 'better-sqlite3 (usagehub today)',
  run(file, txs) {
    const db = new Database(file);
    for (const p of PRAGMAS) db.pragma(p);
    db.exec(SCHEMA);
    const key = db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (unhex(?))');
    const row = db.prepare('INSERT INTO log (docs, count) VALUES (?, ?)');
    const tx = db.transaction((batches: { keys: string[]; docs: string }[]) => {
      for (const b of batches) {
        let fresh = 0;
        for (const k of b.keys) fresh += key.run(k).changes;
        row.run(b.docs, fresh);
      }
    });
    for (const t of txs) tx(t);
    db.close();
  },
};

/** The part of node:sqlite used here: the project compiles against Node 20's types, the oldest it supports. */
interface NodeSqlite {
  DatabaseSync: new (file: string) => {
    exec(sql: string): void;
    prepare(sql: string): { run(...params: unknown[]): { changes: number | bigint } };
    close(): void;
  };
}

/** node:sqlite, when this Node has it (22.13 and later; not 20). */
async function nodeSqlite(): Promise<Driver | undefined> {
  const specifier = 'node:sqlite';
  const mod = (await import(specifier).catch(() => undefined)) as NodeSqlite | undefined;
  if (!mod) return undefined;
  const { DatabaseSync } = mod;
  return {
    name: 'node:sqlite',
    run(file, txs) {
      const db = new DatabaseSync(file);
      for (const p of PRAGMAS) db.exec(`PRAGMA ${p}`);
      db.exec(SCHEMA);
      const key = db.prepare('INSERT OR IGNORE INTO dedup (key) VALUES (unhex(?))');
      const row = db.prepare('INSERT INTO log (docs, count) VALUES (?, ?)');
      for (const t of txs) {
        db.exec('BEGIN');
        for (const b of t) {
          let fresh = 0;
          for (const k of b.keys) fresh += Number(key.run(k).changes);
          row.run(b.docs, fresh);
        }
        db.exec('COMMIT');
      }
      db.close();
    },
  };
}

const rawFile: Driver = {
  name: 'raw baseline: the documents appended to a file, fsync per transaction',
  run(file, txs) {
    const fd = fs.openSync(file, 'a');
    for (const t of txs) {
      for (const b of t) fs.writeSync(fd, b.docs);
      fs.fsyncSync(fd);
    }
    fs.closeSync(fd);
  },
};

async function main(): Promise<void> {
  const drivers = [rawFile, betterSqlite3, ...[await nodeSqlite()].filter((d) => d !== undefined)];
  const rows: { shape: string; driver: string; eventsPerSec: number; cpuUs: number }[] = [];
  for (const shape of SHAPES) {
    const results = new Map<string, { rate: number; cpu: number }[]>();
    for (let run = 0; run < RUNS; run++) {
      for (const d of drivers) {
        const txs = transactions(shape, run);
        const file = path.join(dir, `${d.name.replace(/\W+/g, '-')}-${shape.batch}-${run}`);
        const cpu = process.cpuUsage();
        const t = performance.now();
        d.run(file, txs);
        const seconds = (performance.now() - t) / 1000;
        const used = process.cpuUsage(cpu);
        const events = txs.reduce((s, tx) => s + tx.reduce((x, b) => x + b.keys.length, 0), 0);
        const list = results.get(d.name) ?? [];
        list.push({ rate: events / seconds, cpu: (used.user + used.system) / events });
        results.set(d.name, list);
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
      }
    }
    for (const d of drivers) {
      const list = results.get(d.name)!.sort((a, b) => a.rate - b.rate);
      const mid = list[Math.floor(list.length / 2)]!;
      rows.push({ shape: shape.name, driver: d.name, eventsPerSec: mid.rate, cpuUs: mid.cpu });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub log workload on SQLite drivers: ${fmt(EVENTS)} events per run, medians of ${RUNS}, drivers alternating\n`,
  );
  console.log('| shape | driver | events/s | CPU µs per event | ratio to raw baseline |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) {
    const base = rows.find((x) => x.shape === r.shape && x.driver === rawFile.name)!;
    console.log(
      `| ${r.shape} | ${r.driver} | ${fmt(r.eventsPerSec)} | ${fmt(r.cpuUs, 2)} | ${fmt(r.eventsPerSec / base.eventsPerSec, 3)} |`,
    );
  }
  if (drivers.length < 3)
    console.log(`\nnode:sqlite is not in Node ${process.version}: run with BENCH_NODE naming Node 24.`);
}

await main();
