/**
 * No request can stop usagehub: the requests that once did (a public write key, or no
 * key at all, was enough), each sent to a real server process, which must answer each
 * with a catalogued error in bounded time, store nothing, stay under 1 GiB, keep taking
 * good events, and restart on its data within seconds — on the embedded profile, and on
 * the scale profile (JetStream log, PostgreSQL store, limits shared through Redis).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import LZString from 'lz-string';
import {
  cliJson,
  exportedIds,
  provision,
  startServer,
  storeCaughtUp,
  type ServerProcess,
} from './helpers/process.ts';
import { posthogBatchAtLimit } from './helpers/posthog-large.ts';
import { provisionScale } from './helpers/scale.ts';
import { tempDir } from './helpers/server.ts';
import { NATS_URL, REDIS_URL, natsSkip, natsStream, pgPlace, pgSkip, redisSkip } from './helpers/services.ts';

const peakRssMiB = (pid: number): number => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(hwm![1]) / 1024;
};

/** Where the server keeps its data, and how it is made ready. */
interface Profile {
  name: string;
  skip?: string;
  /** Provisions a tenant with an app "web"; returns its admin and read keys. */
  provision(): Promise<{ adminKey: string; readKey: string }>;
  start(): Promise<ServerProcess>;
}

const embedded = (): Profile => {
  const data = tempDir();
  return { name: 'embedded', provision: () => provision(data), start: () => startServer(data) };
};

const scale = (): Profile => {
  const env = {
    USAGEHUB_LOG: NATS_URL,
    USAGEHUB_LOG_STREAM: natsStream(),
    USAGEHUB_STORE: pgPlace(),
    USAGEHUB_REDIS: REDIS_URL,
  };
  const data = tempDir(); // the scale profile keeps nothing there
  return {
    name: 'scale',
    skip: natsSkip ?? pgSkip ?? redisSkip,
    provision: async () => {
      const { adminKey } = await provisionScale(env);
      const { secret } = await cliJson<{ secret: string }>(['keys', 'create', '--role', 'read'], env);
      return { adminKey, readKey: secret };
    },
    start: () => startServer(data, env),
  };
};

for (const profile of [embedded(), scale()]) amplificationSuite(profile);

function amplificationSuite(profile: Profile) {
  describe(
    `amplification (${profile.name}): every byte costs a bounded amount`,
    { skip: profile.skip },
    () => {
      let server: ServerProcess;
      let segment: string;
      let posthog: string;
      let posthogLarge: string;
      let readKey: string;

      const post = async (path: string, body: string | Buffer, headers: Record<string, string>) => {
        const started = performance.now();
        const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers });
        return {
          status: res.status,
          body: await res.text(),
          headers: JSON.stringify(Object.fromEntries(res.headers)),
          ms: performance.now() - started,
        };
      };
      const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
      const track = (i: number) => ({
        type: 'track',
        event: 'Clicked',
        userId: `u${i}`,
        messageId: `m-${i}`,
      });
      const count = async () => {
        await storeCaughtUp(server.url);
        return (await exportedIds(server.url, readKey)).length;
      };

      before(async () => {
        const keys = await profile.provision();
        readKey = keys.readKey;
        server = await profile.start();
        const source = async (kind: string) => {
          const res = await fetch(`${server.url}/v1/sources`, {
            method: 'POST',
            headers: { authorization: `Bearer ${keys.adminKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ kind, app: 'web' }),
          });
          return ((await res.json()) as { writeKey: string }).writeKey;
        };
        segment = await source('segment');
        posthog = await source('posthog');
        posthogLarge = await source('posthog');
      });
      after(() => server.child.kill('SIGKILL'));

      test('(1) a 490 KB batch context on 1,000 messages is refused before it is copied', async () => {
        const body = JSON.stringify({
          context: { page: { title: 'x'.repeat(430 * 1024) } },
          batch: Array.from({ length: 1000 }, (_, i) => track(i)),
        });
        const res = await post('/v1/batch', body, {
          authorization: basic(segment),
          'content-type': 'application/json',
        });
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, /"code":"amplification_limit"/);
        assert.ok(res.ms < 2000, `${res.ms} ms`);
        // A batch context of ordinary size is still merged into each message and stored.
        const ordinary = JSON.stringify({
          context: { library: { name: 'analytics-node' }, page: { title: 'p'.repeat(2000) } },
          batch: Array.from({ length: 20 }, (_, i) => track(1000 + i)),
        });
        const ok = await post('/v1/batch', ordinary, {
          authorization: basic(segment),
          'content-type': 'application/json',
        });
        assert.equal(ok.status, 200, ok.body);
        assert.equal(await count(), 20);
      });

      test('(2) an lz64 bomb without a key is decoded no further than its head, then refused', async () => {
        const bomb = LZString.compressToBase64('['.repeat(3_000_000));
        const answers: number[] = [];
        for (let i = 0; i < 8; i++) {
          const res = await post('/e/?compression=lz64', bomb, { 'content-type': 'text/plain' });
          answers.push(res.status);
          assert.ok(res.ms < 3000, `${res.ms} ms`);
        }
        // The first few take from the address's key-less budget and are refused for what they are; then 429.
        assert.ok(
          answers.every((s) => s === 400 || s === 413 || s === 429),
          answers.join(),
        );
        assert.equal(answers.at(-1), 429, answers.join());
      });

      test('(3) a batch context of 25,000 keys on 2,500 messages is refused at once', async () => {
        const context: Record<string, number> = {};
        for (let i = 0; i < 25_000; i++) context[`k${i}`] = 1;
        const batch = Array.from({ length: 2500 }, (_, i) => ({
          type: 'track',
          event: 'e',
          userId: `u${i}`,
        }));
        const body = JSON.stringify({ context, batch });
        assert.ok(body.length < 500 * 1024, `${body.length} bytes`);
        const res = await post('/v1/batch', body, {
          authorization: basic(segment),
          'content-type': 'application/json',
        });
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, /amplification_limit/);
        assert.ok(res.ms < 2000, `${res.ms} ms`);
      });

      test('(4) deep nesting and a 10 MB non-payload cost little, with a key or without', async () => {
        const nested = zlib.gzipSync('['.repeat(19_000_000));
        const keyed = await post(`/batch?api_key=${posthog}`, nested, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        });
        assert.equal(keyed.status, 400, keyed.body);
        assert.match(keyed.body, /nested more than 32 levels/);
        assert.ok(keyed.ms < 2000, `${keyed.ms} ms`);
        const base64 = await post(`/batch?api_key=${posthog}`, 'A'.repeat(10_000_000), {
          'content-type': 'text/plain',
        });
        // The first body inflated to 19 MB, charged to the key's bytes per second: this one may wait.
        assert.ok(base64.status === 400 || base64.status === 429, base64.body);
        assert.ok(base64.ms < 2000, `${base64.ms} ms`);
        const unknown = await post('/batch?api_key=phc_nobody', nested, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        });
        assert.equal(unknown.status, 401, unknown.body);
      });

      test("(5) a batch at PostHog's 20 MB limit is stored whole", async () => {
        const now = Date.now();
        const body = posthogBatchAtLimit(posthogLarge, now);
        let res = await post('/batch/', body, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        });
        // The tenant's bytes per second may still be paying for case 4: a client waits as told.
        for (let tries = 0; res.status === 429 && tries < 5; tries++) {
          await new Promise((r) =>
            setTimeout(r, 1000 * Number(/"retry-after":"?(\d+)/i.exec(res.headers)?.[1] ?? 2)),
          );
          res = await post('/batch/', body, {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
          });
        }
        assert.equal(res.status, 200, res.body);
        assert.equal(await count(), 10_020);
      });

      test('afterwards: alive, under 1 GiB, still ingesting, and a restart is ready in seconds', async () => {
        const res = await post('/v1/batch', JSON.stringify({ batch: [track(5000)] }), {
          authorization: basic(segment),
          'content-type': 'application/json',
        });
        assert.equal(res.status, 200, res.body);
        assert.equal(await count(), 10_021);
        const peak = peakRssMiB(server.child.pid!);
        assert.ok(peak < 1024, `peak RSS ${peak} MiB`);
        server.child.kill('SIGKILL');
        await server.exited;
        const started = performance.now();
        server = await profile.start();
        // Seconds on a quiet machine; the bound leaves room for a suite running beside it.
        const readyMs = performance.now() - started;
        console.log(`amplification (${profile.name}): restart ready in ${readyMs.toFixed(0)} ms`);
        assert.ok(readyMs < 30_000, `ready after ${readyMs} ms`);
        assert.equal(await count(), 10_021);
      });
    },
  );
}
