import { randomBytes } from 'node:crypto';
import type { GuardLedger, GuardSlot, GuardWait } from './guard-ledger.port.ts';
import { connectTo, type RedisClient } from './redis-bucket-store.ts';
import type { Rate } from './token-bucket.ts';

/**
 * Failures counted in token buckets on the Redis server, one per slot (a hash {t, a} as
 * the rate limits' buckets, expiring once full again); a slot that runs dry is added to
 * one sorted set, scored by when it may try again, which every process reads each second.
 */
const FAIL = `
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #KEYS do
  local st = redis.call('HMGET', KEYS[i], 't', 'a')
  local t = tonumber(st[1]) or burst
  local a = tonumber(st[2]) or now
  t = math.min(burst, t + math.max(0, now - a) / 1000 * rate) - 1
  redis.call('HSET', KEYS[i], 't', tostring(t), 'a', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - t) / rate * 1000) + 1000)
  if t < 1 then redis.call('ZADD', KEYS[1], now + math.ceil((1 - t) / rate * 1000), ARGV[3 + i - 1]) end
end
return 1`;

const TAKE = `
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local st = redis.call('HMGET', KEYS[1], 't', 'a')
local t = tonumber(st[1]) or burst
local a = tonumber(st[2]) or now
t = math.min(burst, t + math.max(0, now - a) / 1000 * rate)
if t < 1 then return tostring((1 - t) / rate) end
redis.call('HSET', KEYS[1], 't', tostring(t - 1), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - t + 1) / rate * 1000) + 1000)
return '0'`;

/** How long a Redis step may take before the guard decides alone. */
const TIMEOUT_MS = 50;

export class RedisGuardLedger implements GuardLedger {
  private constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Connects to `url` (waiting two seconds at most); keys start with `prefix`. */
  static async open(url: string, prefix = 'usagehub:guard:'): Promise<RedisGuardLedger> {
    const client = connectTo(url);
    // Failures are handled where each call is made; an unhandled 'error' would end the process.
    client.on('error', () => {});
    await Promise.race([client.connect().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
    return new RedisGuardLedger(client, prefix);
  }

  async secret(): Promise<Buffer> {
    const key = `${this.prefix}secret`;
    // The first process to ask sets it; the others read the same.
    await this.bounded(this.client.set(key, randomBytes(32).toString('hex'), { NX: true }));
    const hex = await this.bounded(this.client.get(key));
    if (typeof hex !== 'string') throw new Error('the guard secret is missing from Redis');
    return Buffer.from(hex, 'hex');
  }

  async failed(slots: readonly GuardSlot[], rate: Rate, now: number): Promise<void> {
    await this.bounded(
      this.client.eval(FAIL, {
        keys: [`${this.prefix}waiting`, ...slots.map((s) => this.key(s))],
        arguments: [String(now), String(rate.perSecond), String(rate.burst), ...slots.map(memberOf)],
      }),
    );
  }

  async take(slot: GuardSlot, rate: Rate, now: number): Promise<number> {
    const wait = await this.bounded(
      this.client.eval(TAKE, {
        keys: [this.key(slot)],
        arguments: [String(now), String(rate.perSecond), String(rate.burst)],
      }),
    );
    return Number(wait);
  }

  async waiting(now: number): Promise<GuardWait[]> {
    const rows = await this.bounded(
      this.client.zRangeByScoreWithScores(`${this.prefix}waiting`, now, '+inf'),
    );
    return rows.map(({ value, score }) => {
      const at = value.lastIndexOf(':');
      return { table: value.slice(0, at), slot: Number(value.slice(at + 1)), until: score };
    });
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close().catch(() => {});
  }

  private key(s: GuardSlot): string {
    return `${this.prefix}${memberOf(s)}`;
  }

  private bounded<T>(p: Promise<T>): Promise<T> {
    if (!this.client.isReady) return Promise.reject(new Error('Redis is not connected'));
    return Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`Redis did not answer within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        ).unref(),
      ),
    ]);
  }
}

const memberOf = (s: GuardSlot) => `${s.table}:${s.slot}`;
