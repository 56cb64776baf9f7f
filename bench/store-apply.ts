/**
 * npm run bench:store-apply — what the DuckDB store's writer costs per event, by the
 * number of events per apply, beside a raw DuckDB insert of the same columns in the same
 * run (docs/storage.md quotes it).
 *
 * The events are Segment track messages mapped and encoded by usagehub's own code — the
 * documents bench:sdk's server writes — in log batches of 15 (analytics-node's batch).
 * For each apply size (BENCH_APPLY_SIZES, default 3000,12000 events) BENCH_EVENTS events
 * (default 240,000) go into a fresh file, and each way of storing them is reported as CPU
 * per event of the whole process (DuckDB's own threads included), page faults per event
 * and milliseconds per apply:
 *
 *   raw baseline          a table of the same columns; one INSERT … SELECT
 *                         json_transform over the documents' heads per apply, in its own
 *                         transaction: no seqs, no rollups, no applied offset
 *   raw, one joined text  the same, with the apply's batches joined into one text that
 *                         DuckDB splits (how the writer passed them before: V8 copies the
 *                         joined text into fresh pages each time)
 *   usagehub              DuckDbEventStore.apply: the heads, seqs, rollups and offset
 *
 * BENCH_DUCKDB_THREADS (default 2, the server's default). DuckDB's allocator settings
 * are the server's (settleDuckDbAllocator in src/config.ts) unless DUCKDB_JE_MALLOC_CONF is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { settleDuckDbAllocator } from '../src/config.ts';
import { docHeads } from '../src/log/event-doc.ts';
import type { LogBatch } from '../src/log/event-log.port.ts';
import { measureWork, type WorkCost } from './cpu.ts';
import { fmt } from './lib.ts';
import { onServerNode, runtimesLine } from './node.ts';
import { encodeEvents, mapSegmentMessages } from './segment-events.ts';

// Measures usagehub's code in this process: on BENCH_NODE when it names another Node.
onServerNode();

// DuckDB's allocator as the server sets it, before DuckDB loads (imported below).
settleDuckDbAllocator();
const { DuckDBInstance, listValue } = await import('@duckdb/node-api');
const { DuckDbEventStore } = await import('../src/store/duckdb/event-store.duckdb.ts');

const EVENTS = Number(process.env.BENCH_EVENTS ?? 240_000);
const SIZES = (process.env.BENCH_APPLY_SIZES ?? '3000,12000').split(',').map(Number);
const THREADS = Number(process.env.BENCH_DUCKDB_THREADS ?? 2);
const BATCH = 15;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-store-apply-'));

/** The log's batches: Segment track messages of 100 users, a second apart per 1000 events. */
function logBatches(): LogBatch[] {
  const start = Date.now() - 7 * 86400_000;
  const out: LogBatch[] = [];
  for (let b = 0; b * BATCH < EVENTS; b++) {
    const messages = Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      return {
        type: 'track',
        event: `Video ${n % 20}`,
        userId: `user-${n % 100}`,
        properties: { seconds: n % 600, quality: 'hd' },
        timestamp: new Date(start + Math.floor(n / 1000) * 1000).toISOString(),
        messageId: `bench-${n}`,
        context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
        _metadata: { nodeVersion: process.version, jsRuntime: 'node' },
        integrations: {},
      };
    });
    const encoded = encodeEvents(mapSegmentMessages(messages, '127.0.0.1'));
    out.push({ offset: b + 1, docs: encoded.docs, count: BATCH });
  }
  return out;
}

const COLUMNS = `tenant_id VARCHAR, app_id VARCHAR, source VARCHAR, name VARCHAR, category VARCHAR,
  occurred_at TIMESTAMP, user_key VARCHAR, session_id VARCHAR, count BIGINT, client_id VARCHAR,
  target_app VARCHAR, company VARCHAR, domain VARCHAR, environment VARCHAR`;
const SHAPE = JSON.stringify({
  tenantId: 'VARCHAR',
  appId: 'VARCHAR',
  source: 'VARCHAR',
  name: 'VARCHAR',
  category: 'VARCHAR',
  occurredAt: 'BIGINT',
  actor: { userId: 'VARCHAR', email: 'VARCHAR', deviceId: 'VARCHAR' },
  session: { id: 'VARCHAR' },
  count: 'BIGINT',
  clientId: 'VARCHAR',
  context: { targetApp: 'VARCHAR', company: 'VARCHAR', domain: 'VARCHAR', environment: 'VARCHAR' },
});
const rawInsert = (docs: string) => `
  INSERT INTO t SELECT s.tenantId, s.appId, s.source, s.name, s.category, epoch_ms(s.occurredAt),
    coalesce(s.actor.userId, s.actor.email, s.actor.deviceId), s.session.id, s.count, s.clientId,
    s.context.targetApp, s.context.company, s.context.domain, s.context.environment
  FROM (SELECT json_transform(doc, '${SHAPE}') AS s FROM (SELECT unnest(${docs}) AS doc) WHERE doc <> '')`;

async function raw(applies: LogBatch[][], joined: boolean, file: string): Promise<WorkCost> {
  const instance = await DuckDBInstance.create(file, { threads: String(THREADS) });
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE t (${COLUMNS})`);
  const sql = rawInsert(
    joined
      ? `string_split($1, chr(10))`
      : `flatten(list_transform($1::VARCHAR[], d -> string_split(d, chr(10))))`,
  );
  const cost = await measureWork(async () => {
    for (const batches of applies) {
      const heads = batches.map((b) => docHeads(b.docs));
      await conn.run('BEGIN TRANSACTION');
      await conn.run(sql, [joined ? heads.join('\n') : listValue(heads)]);
      await conn.run('COMMIT');
    }
  });
  conn.closeSync();
  instance.closeSync();
  return cost;
}

async function usagehub(applies: LogBatch[][], file: string): Promise<WorkCost> {
  const store = await DuckDbEventStore.open(file, {
    memoryLimit: '512MB',
    threads: THREADS,
    projections: [],
  });
  const cost = await measureWork(async () => {
    for (const batches of applies) await store.apply(batches);
  });
  await store.close();
  return cost;
}

async function main(): Promise<void> {
  const batches = logBatches();
  console.log(`\n${runtimesLine()}`);
  console.log(
    `\nusagehub store apply benchmark: ${fmt(EVENTS)} Segment events in log batches of ${BATCH}, DuckDB threads ${THREADS}\n`,
  );
  console.log(
    '| events per apply | way | CPU µs per event | page faults per event | ms per apply | CPU against the raw baseline |',
  );
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const size of SIZES) {
    const per = Math.max(1, Math.round(size / BATCH));
    const applies: LogBatch[][] = [];
    for (let i = 0; i < batches.length; i += per) applies.push(batches.slice(i, i + per));
    const ways: [string, () => Promise<WorkCost>][] = [
      ['raw baseline', () => raw(applies, false, path.join(dir, `raw-${size}.duckdb`))],
      ['raw, one joined text', () => raw(applies, true, path.join(dir, `joined-${size}.duckdb`))],
      ['usagehub (heads, seqs, rollups)', () => usagehub(applies, path.join(dir, `usagehub-${size}.duckdb`))],
    ];
    let baseline = 0;
    for (const [way, run] of ways) {
      const c = await run();
      const us = c.cpuUs / EVENTS;
      if (way === 'raw baseline') baseline = us;
      console.log(
        `| ${fmt(size)} | ${way} | ${fmt(us, 2)} | ${fmt(c.faults / EVENTS, 3)} | ${fmt(c.ms / applies.length, 1)} | ${fmt(us / baseline, 2)} |`,
      );
    }
  }
}

try {
  await main();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
