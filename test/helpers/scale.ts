/** Shared by the scale-profile tests: provisioning through the CLI, load, and the checks. */
import assert from 'node:assert/strict';
import pg from 'pg';
import { cliJson, postEvents, type ServerProcess } from './process.ts';

/** Migrates the schema and makes a tenant with an app "web" and an ingest key, as an operator would. */
export async function provisionScale(
  env: Record<string, string>,
): Promise<{ adminKey: string; ingestKey: string }> {
  await cliJson(['migrate'], env);
  const { adminKey } = await cliJson<{ adminKey: string }>(['init'], env);
  await cliJson(['apps', 'create', '--name', 'web'], env);
  const { secret } = await cliJson<{ secret: string }>(['keys', 'create', '--role', 'ingest'], env);
  return { adminKey, ingestKey: secret };
}

/**
 * A client behind a load balancer: sends batches of `size` events round-robin over the
 * ingest processes until `stop()`; a batch not acknowledged is retried on the next one,
 * until it is. Resolves with the ids acknowledged, in the order they were.
 */
export async function runClient(
  c: number,
  ingest: () => readonly ServerProcess[],
  key: string,
  stop: () => boolean,
  size: number,
  onAck: (ids: string[]) => void = () => {},
  onFail: (status: number) => void = () => {},
): Promise<string[]> {
  const acked: string[] = [];
  const t = Date.now() - 5000;
  let pending: string[] | null = null;
  for (let n = 0, turn = c; !stop() || pending; turn++) {
    const ids: string[] = pending ?? Array.from({ length: size }, (_, i) => `c${c}-${n++}-${i}`);
    const targets = ingest();
    const status = await postEvents(targets[turn % targets.length]!.url, key, ids, t);
    if (status === 200) {
      acked.push(...ids);
      onAck(ids);
      pending = null;
    } else {
      onFail(status);
      pending = ids;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return acked;
}

/**
 * Checks the PostgreSQL schema of `storeUrl`: every acknowledged id stored once, nothing
 * else stored, and the hourly rollup counting each event once.
 */
export async function assertStoredOnce(storeUrl: string, acked: readonly string[]): Promise<void> {
  const url = new URL(storeUrl);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const db = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await db.connect();
  try {
    const rows = (
      await db.query<{ id: string; n: number }>(
        'SELECT client_id AS id, count(*)::int AS n FROM events GROUP BY 1',
      )
    ).rows;
    const stored = new Map(rows.map((r) => [r.id, r.n]));
    assert.deepEqual(
      acked.filter((id) => !stored.has(id)),
      [],
      'no acknowledged event is lost',
    );
    assert.deepEqual(
      rows.filter((r) => r.n > 1).map((r) => r.id),
      [],
      'no event is stored twice',
    );
    assert.equal(
      stored.size,
      new Set(acked).size,
      'nothing but acknowledged events (retries included) is stored',
    );
    const rollup = await db.query<{ n: string }>('SELECT sum(events) AS n FROM rollup_hourly');
    assert.equal(Number(rollup.rows[0]!.n), stored.size, 'the rollup counts each event once');
  } finally {
    await db.end();
  }
}
