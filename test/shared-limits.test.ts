/**
 * The rate limits' buckets, in the process and shared through Redis (the scale profile):
 * the same conformance suite on both; two processes' limits sharing one Redis hold one
 * rate between them; and with Redis unreachable ingest goes on with each process's own.
 * The guard against key guessing shares its tables the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { UsageHubError } from '../src/domain/errors.ts';
import { IngestLimits } from '../src/limits/ingest-limits.ts';
import { RedisGuardLedger } from '../src/limits/redis-guard-ledger.ts';
import { RequestGuard } from '../src/limits/request-guard.ts';
import { Metrics } from '../src/ops/metrics.ts';
import { LocalBucketStore } from '../src/limits/local-bucket-store.ts';
import { RedisBucketStore } from '../src/limits/redis-bucket-store.ts';
import { bucketStoreConformance } from './conformance/bucket-store.conformance.ts';
import { REDIS_URL, redisSkip } from './helpers/services.ts';

const prefix = () => `usagehub-test:${randomBytes(6).toString('hex')}:`;

bucketStoreConformance('LocalBucketStore', { open: async () => new LocalBucketStore() });
bucketStoreConformance('RedisBucketStore', {
  skip: redisSkip,
  open: () => RedisBucketStore.open(REDIS_URL, { prefix: prefix() }),
});

const settings = {
  keyRequestsPerSecond: 1000,
  keyEventsPerSecond: 100,
  keyBytesPerSecond: 1e9,
  tenantRequestsPerSecond: 1000,
  tenantEventsPerSecond: 1e6,
  tenantBytesPerSecond: 1e9,
  burstSeconds: 1,
};

test('two ingest processes sharing Redis hold one rate between them', { skip: redisSkip }, async () => {
  const shared = prefix();
  const [a, b] = await Promise.all([
    RedisBucketStore.open(REDIS_URL, { prefix: shared }),
    RedisBucketStore.open(REDIS_URL, { prefix: shared }),
  ]);
  const one = new IngestLimits(settings, a);
  const two = new IngestLimits(settings, b);
  const sender = { tenantId: 't', key: 'k' };
  try {
    assert.equal((await one.admitEvents(sender, 60)).outcome, 'admitted');
    const second = await two.admitEvents(sender, 60);
    assert.equal(second.outcome, 'rate_limited', 'the other process sees what the first took');
    assert.equal((await two.admitEvents(sender, 40)).outcome, 'admitted');
  } finally {
    await one.close();
    await two.close();
  }
});

test('with Redis unreachable, ingest goes on with limits of its own, and says so', async () => {
  // A port nothing listens on.
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const fallbacks: Error[] = [];
  const store = await RedisBucketStore.open(`redis://127.0.0.1:${port}`, {
    onFallback: (e) => fallbacks.push(e),
  });
  const limits = new IngestLimits(settings, store);
  const sender = { tenantId: 't', key: 'k' };
  try {
    const started = performance.now();
    assert.equal((await limits.admitEvents(sender, 100)).outcome, 'admitted');
    assert.equal(
      (await limits.admitEvents(sender, 1)).outcome,
      'rate_limited',
      'the local buckets hold the rate',
    );
    assert.ok(performance.now() - started < 1000, 'no waiting on the unreachable server');
    assert.ok(fallbacks.length >= 1);
  } finally {
    await limits.close();
  }
});

test(
  'the guard counts failures and key-less requests across processes sharing Redis',
  { skip: redisSkip },
  async () => {
    const shared = `usagehub-test:${randomBytes(6).toString('hex')}:guard:`;
    const settings = { authFailuresPerMinute: 10, unauthenticatedPerSecond: 1 };
    const [a, b] = await Promise.all([
      RedisGuardLedger.open(REDIS_URL, shared).then((l) => RequestGuard.shared(settings, new Metrics(), l)),
      RedisGuardLedger.open(REDIS_URL, shared).then((l) => RequestGuard.shared(settings, new Metrics(), l)),
    ]);
    const req = { ip: '203.0.113.7' } as FastifyRequest;
    const wrong = async () => null;
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (err: UsageHubError) => err.code,
      );
    try {
      // Six wrong keys through one process, five through the other: eleven past ten a minute.
      for (let i = 0; i < 6; i++)
        assert.equal(await code(a.authenticate(req, `uh_ingest_x${i}`, wrong)), 'ok');
      for (let i = 0; i < 5; i++) assert.equal(await code(b.authenticate(req, `uh_read_y${i}`, wrong)), 'ok');
      // Each process alone has seen fewer than ten; the shared table is read within a second.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(
        await code(a.authenticate(req, 'uh_ingest_right', async () => 'found')),
        'too_many_attempts',
      );
      // Key-less requests take from one budget too: bursts of 5 between both.
      const other = { ip: '198.51.100.9' } as FastifyRequest;
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) answers.push(await code((i % 2 ? a : b).admitUnauthenticated(other)));
      assert.deepEqual(answers, ['ok', 'ok', 'ok', 'ok', 'ok', 'too_many_unauthenticated']);
    } finally {
      await a.close();
      await b.close();
    }
  },
);
