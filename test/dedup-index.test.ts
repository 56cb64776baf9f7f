/**
 * The dedup index (log/sqlite/dedup-index.ts) against a reference Set: exact whatever
 * part a key lies in — hot, settled, or late and merged into a settled block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { blockHas, DEDUP_SCHEMA, DedupIndex } from '../src/log/sqlite/dedup-index.ts';
import { tempDir } from './helpers/server.ts';

const key = (time: number, n: number) =>
  time.toString(16).padStart(16, '0') + n.toString(16).padStart(24, '0');

test('blockHas finds exactly the keys of a sorted block', () => {
  const keys = [1, 5, 9, 12].map((n) => Buffer.from(key(100, n), 'hex'));
  const block = Buffer.concat(keys);
  for (const k of keys) assert.ok(blockHas(block, k));
  for (const n of [0, 2, 10, 13]) assert.ok(!blockHas(block, Buffer.from(key(100, n), 'hex')));
});

test('the dedup index tells new keys from known ones, hot, settled and late, across a reopen', () => {
  const file = path.join(tempDir(), 'log.db');
  const open = () => {
    const db = new Database(file);
    db.exec(DEDUP_SCHEMA);
    return { db, index: new DedupIndex(db, { hotKeys: 50, blockKeys: 8 }) };
  };
  let { db, index } = open();
  const known = new Set<string>();
  const add = (k: string) => {
    const fresh = db.transaction(() => index.add(k))();
    assert.equal(fresh, !known.has(k), `${k}: ${fresh ? 'new' : 'known'}`);
    known.add(k);
  };
  const settleAll = () => {
    for (let s = index.settle(); s.keys > 0; s = index.settle());
  };
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  // Time moves on, each key now and then sent again, now and then one from long ago.
  for (let t = 1_000; t < 1_400; t++) {
    add(key(t, random(3)));
    if (t % 7 === 0) add([...known][random(known.size)]!);
    if (t % 11 === 0) add(key(random(t), random(3)));
    if (t % 50 === 0) settleAll();
  }
  settleAll();
  const blocks = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dedup_blocks').get()!.n;
  assert.ok(blocks > 10, `${blocks} blocks`);
  // Late keys below the watermark, merged into blocks (which split when they fill).
  for (let n = 0; n < 200; n++) add(key(1_000 + random(300), 3 + random(4)));
  settleAll();
  db.close();
  ({ db, index } = open());
  for (const k of known) assert.equal(db.transaction(() => index.add(k))(), false, k);
  for (let n = 0; n < 50; n++) add(key(1_000 + random(500), 10 + n));
  db.close();
});
