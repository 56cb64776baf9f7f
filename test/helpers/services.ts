/**
 * The real engines the scale-profile tests run against: PostgreSQL, NATS JetStream and
 * Redis on 127.0.0.1 (or USAGEHUB_TEST_PG / USAGEHUB_TEST_NATS / USAGEHUB_TEST_REDIS). Every test gets a schema or
 * a stream of its own, dropped when the test file ends.
 *
 * When an engine cannot be reached, its tests are skipped with the reason shown —
 * except under CI=true, where a missing engine fails the run: CI must never pass by
 * skipping them.
 */
import { after } from 'node:test';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const PG_URL = process.env.USAGEHUB_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.USAGEHUB_TEST_NATS ?? 'nats://127.0.0.1:4222';
export const REDIS_URL = process.env.USAGEHUB_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Undefined when the engine answers; otherwise the reason to skip. Under CI, throws
 * instead: the test file fails.
 */
async function availability(name: string, url: string, port: number): Promise<string | undefined> {
  if (await reachable(url, port)) return undefined;
  const reason = `${name} is not reachable at ${url}`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true requires it`);
  console.warn(`# SKIPPING ${name} tests: ${reason}`);
  return reason;
}

export const pgSkip = await availability('PostgreSQL', PG_URL, 5432);
export const natsSkip = await availability('NATS', NATS_URL, 4222);
export const redisSkip = await availability('Redis', REDIS_URL, 6379);

const schemas: string[] = [];
/** A PostgreSQL URL whose schema no other test uses. */
export function pgPlace(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

const streams: string[] = [];
/** A JetStream stream name no other test uses; the stream is deleted when the file ends. */
export function natsStream(): string {
  const name = `T_${randomBytes(6).toString('hex')}`;
  streams.push(name);
  return name;
}

after(async () => {
  if (streams.length > 0) {
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    for (const s of streams) await jsm.streams.delete(s).catch(() => {});
    await nc.close();
  }
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
});
