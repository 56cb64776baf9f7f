import { createClient } from 'redis';
import type { BucketStore, BucketTake, Refused } from './bucket-store.port.ts';
import { LocalBucketStore } from './local-bucket-store.ts';
import type { Rate } from './token-bucket.ts';

/**
 * The token buckets of every check, taken in one step on the Redis server: each bucket a
 * hash {t: tokens, a: when counted (ms)}, refilled by the time elapsed, all taken or none.
 * Keys expire once a bucket would be full again, so idle ones cost Redis nothing.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local n = #KEYS
local tokens = {}
local worst, wait = 0, 0
for i = 1, n do
  local rate, burst, cost = tonumber(ARGV[i*3-1]), tonumber(ARGV[i*3]), tonumber(ARGV[i*3+1])
  local st = redis.call('HMGET', KEYS[i], 't', 'a')
  local t = tonumber(st[1]) or burst
  local a = tonumber(st[2]) or now
  t = math.min(burst, t + math.max(0, now - a) / 1000 * rate)
  tokens[i] = t
  local need = math.min(cost, burst)
  if t < need and (need - t) / rate > wait then worst, wait = i, (need - t) / rate end
end
if worst > 0 then return {worst - 1, tostring(wait)} end
for i = 1, n do
  local rate, burst, cost = tonumber(ARGV[i*3-1]), tonumber(ARGV[i*3]), tonumber(ARGV[i*3+1])
  local left = tokens[i] - cost
  redis.call('HSET', KEYS[i], 't', tostring(left), 'a', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - left) / rate * 1000) + 1000)
end
return {-1, '0'}`;

/** How long a Redis step may take before this process decides alone. */
const TIMEOUT_MS = 50;
/** After a failure, how long this process decides alone before it asks Redis again. */
const RETRY_AFTER_MS = 5000;

/**
 * Token buckets shared by every ingest process through Redis. When Redis does not answer
 * within TIMEOUT_MS, or fails, ingest goes on with this process's own buckets
 * (LocalBucketStore) — each process then holds the rates alone, as in the embedded
 * profile — and Redis is asked again after RETRY_AFTER_MS.
 */
/** A client set up as ingest needs it: no queue while offline, quick reconnects. */
export const connectTo = (url: string) =>
  createClient({
    url,
    // Ingest never waits on a reconnecting client: commands fail at once while it is away.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(retries * 200, 2000) },
  });
export type RedisClient = ReturnType<typeof connectTo>;

export class RedisBucketStore implements BucketStore {
  private readonly local = new LocalBucketStore();
  private downUntil = 0;

  private constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly onFallback: (err: Error) => void,
  ) {}

  static async open(
    url: string,
    options: { prefix?: string; onFallback?: (err: Error) => void } = {},
  ): Promise<RedisBucketStore> {
    const client = connectTo(url);
    const store = new RedisBucketStore(
      client,
      options.prefix ?? 'usagehub:limits:',
      options.onFallback ?? (() => {}),
    );
    // Errors are reported with each fallback; an unhandled 'error' event would end the process.
    client.on('error', () => {});
    // The client reconnects by itself for as long as it takes; the start waits for the
    // first connection two seconds at most, then goes on deciding alone until it is up.
    const connected = client.connect().then(
      () => true,
      (err: unknown) => (store.fellBack(err), false),
    );
    const waited = await Promise.race([
      connected,
      new Promise<false>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    if (!waited) store.fellBack(new Error('Redis did not answer within 2 s of the start'));
    return store;
  }

  async take(takes: readonly BucketTake[], now: number): Promise<Refused | null> {
    if (now < this.downUntil || !this.client.isReady) return this.local.takeNow(takes, now);
    try {
      const args = [String(now)];
      for (const t of takes) args.push(String(t.rate.perSecond), String(t.rate.burst), String(t.cost));
      const reply = (await withTimeout(
        this.client.eval(TAKE, { keys: takes.map((t) => this.prefix + t.bucket), arguments: args }),
      )) as [number, string];
      return reply[0] < 0 ? null : { index: reply[0], wait: Number(reply[1]) };
    } catch (err) {
      this.fellBack(err);
      return this.local.takeNow(takes, now);
    }
  }

  async charge(bucket: string, rate: Rate, cost: number, now: number): Promise<void> {
    if (now < this.downUntil || !this.client.isReady) return this.local.chargeNow(bucket, rate, cost, now);
    try {
      const key = this.prefix + bucket;
      await withTimeout(
        this.client.eval(
          `local st = redis.call('HMGET', KEYS[1], 't', 'a')
           local now, rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
           local t = tonumber(st[1]) or burst
           local a = tonumber(st[2]) or now
           t = math.min(burst, t + math.max(0, now - a) / 1000 * rate) - cost
           redis.call('HSET', KEYS[1], 't', tostring(t), 'a', tostring(now))
           redis.call('PEXPIRE', KEYS[1], math.ceil((burst - t) / rate * 1000) + 1000)
           return 1`,
          { keys: [key], arguments: [String(now), String(rate.perSecond), String(rate.burst), String(cost)] },
        ),
      );
    } catch (err) {
      this.fellBack(err);
      this.local.chargeNow(bucket, rate, cost, now);
    }
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close().catch(() => {});
  }

  private fellBack(err: unknown): void {
    this.downUntil = Date.now() + RETRY_AFTER_MS;
    this.onFallback(err as Error);
  }
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
