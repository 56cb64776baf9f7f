/** The BucketStore conformance suite (limits/bucket-store.port.ts): every store takes all or nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BucketStore } from '../../src/limits/bucket-store.port.ts';

export interface BucketStoreFactory {
  skip?: string;
  /** A store whose buckets no other test shares. */
  open(): Promise<BucketStore>;
}

const rate = { perSecond: 10, burst: 20 };
const T0 = 1_000_000_000;

export function bucketStoreConformance(name: string, factory: BucketStoreFactory): void {
  const run = (title: string, fn: (s: BucketStore) => Promise<void>) =>
    test(`${name}: ${title}`, { skip: factory.skip }, async () => {
      const s = await factory.open();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });

  void run('a full bucket gives its burst, then refills at its rate', async (s) => {
    assert.equal(await s.take([{ bucket: 'a', rate, cost: 15 }], T0), null);
    const refused = await s.take([{ bucket: 'a', rate, cost: 10 }], T0);
    assert.equal(refused?.index, 0);
    assert.ok(Math.abs(refused!.wait - 0.5) < 1e-6, `wait ${refused?.wait}`);
    assert.equal(await s.take([{ bucket: 'a', rate, cost: 10 }], T0 + 500), null);
  });

  void run('all or nothing: one bucket short refuses the take, and takes from none', async (s) => {
    assert.equal(await s.take([{ bucket: 'b', rate, cost: 20 }], T0), null);
    const refused = await s.take(
      [
        { bucket: 'c', rate, cost: 5 },
        { bucket: 'b', rate, cost: 5 },
      ],
      T0,
    );
    assert.equal(refused?.index, 1);
    // c was not taken from: its whole burst is still there.
    assert.equal(await s.take([{ bucket: 'c', rate, cost: 20 }], T0), null);
  });

  void run(
    'a cost above the burst passes a full bucket and leaves it in debt; a charge does too',
    async (s) => {
      assert.equal(await s.take([{ bucket: 'd', rate, cost: 50 }], T0), null);
      const refused = await s.take([{ bucket: 'd', rate, cost: 1 }], T0);
      assert.ok(refused && Math.abs(refused.wait - 3.1) < 1e-6, `wait ${refused?.wait}`);
      await s.charge('e', rate, 25, T0);
      const charged = await s.take([{ bucket: 'e', rate, cost: 1 }], T0);
      assert.ok(charged && Math.abs(charged.wait - 0.6) < 1e-6, `wait ${charged?.wait}`);
    },
  );
}
