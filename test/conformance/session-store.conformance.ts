/** The console's SessionStore conformance suite (console/session-store.port.ts). */
import assert from 'node:assert/strict';
import type { ConsoleSession, SessionStore } from '../../src/console/session-store.port.ts';
import { registryTest, type RegistryFactory } from './registry-suite.ts';

const session = (tenantId: string, n: number, expiresAt: string): ConsoleSession => ({
  tokenHash: `${n}`.padStart(64, '0'),
  tenantId,
  keyId: `key_${n}`,
  keyHash: `${n}`.padStart(64, 'f'),
  role: 'read',
  csrfHash: `csrf-${n}`,
  createdAt: '2026-12-03T10:00:00.000Z',
  expiresAt,
  endedAt: null,
});

export function sessionStoreConformance(name: string, factory: RegistryFactory<SessionStore>): void {
  registryTest(
    `${name}: sessions found by token hash, ended once, purged after expiry`,
    factory,
    async (r, t, reopen) => {
      const a = session(t, 1, '2026-12-03T22:00:00.000Z');
      const b = session(t, 2, '2026-12-01T22:00:00.000Z');
      await r.create(a);
      await r.create(b);
      await assert.rejects(r.create(a), 'a token hash is unique');
      assert.deepEqual(await r.find(a.tokenHash), a);
      assert.equal(await r.find('0'.repeat(64)), null);
      await r.end(a.tokenHash);
      const ended = await r.find(a.tokenHash);
      assert.ok(ended?.endedAt, 'sign-out is recorded');
      await r.end(a.tokenHash);
      assert.equal((await r.find(a.tokenHash))?.endedAt, ended.endedAt, 'ended once: the first time stays');
      const again = await reopen();
      assert.deepEqual(await again.find(a.tokenHash), ended, 'sessions outlive a restart');
      assert.equal(await again.purge('2026-12-02T00:00:00.000Z'), 1, 'only the expired one goes');
      assert.equal(await again.find(b.tokenHash), null);
      assert.deepEqual(await again.find(a.tokenHash), ended);
    },
  );
}
