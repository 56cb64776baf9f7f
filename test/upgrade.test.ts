/**
 * Upgrading an installation: a data directory made by an earlier build (and an earlier
 * Node — CI runs this file on Node 20 and on 24) opens unchanged with this one. Each
 * fixture in test/fixtures/upgrade/ was made by scripts/upgrade-fixture.ts with the build
 * its name gives; every later build must keep opening all of them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportedIds, startServer, storeCaughtUp } from './helpers/process.ts';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import { COUNTS, UPGRADE_EVENTS, UPGRADE_IDS, type UpgradeManifest } from './helpers/upgrade.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'upgrade');
const made = fs.readdirSync(fixtures).filter((f) => f.endsWith('.tar.gz'));

describe('a data directory of an earlier build', () => {
  test('there is at least one to open', () => assert.ok(made.length > 0));

  for (const name of made) {
    test(`${name} opens unchanged: its events, keys, sources, profiles and dedup state`, async () => {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-upgrade-'));
      try {
        execFileSync('tar', ['xzf', path.join(fixtures, name), '-C', work]);
        const data = path.join(work, 'data');
        const manifest = JSON.parse(
          fs.readFileSync(path.join(data, 'upgrade-manifest.json'), 'utf8'),
        ) as UpgradeManifest;
        const { keys } = manifest;
        const server = await startServer(data);
        const get = async <T>(url: string, key = keys.readKey): Promise<T> => {
          const res = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${key}` } });
          assert.equal(res.status, 200, `${url}: ${res.status}`);
          return (await res.json()) as T;
        };
        try {
          // Every event the earlier build acknowledged, once, and counted as it counted them.
          const { expect } = manifest;
          assert.deepEqual((await exportedIds(server.url, keys.readKey)).sort(), expect.ids);
          assert.deepEqual(new Set(expect.ids), new Set(Object.keys(UPGRADE_IDS)));
          assert.deepEqual(await get(COUNTS), expect.counts);

          // The person and the company, as the earlier build merged them.
          const { profile } = await get<{ profile: UpgradeManifest['expect']['profile'] }>(
            '/v1/users/u-upgrade',
          );
          assert.deepEqual(profile.userIds, expect.profile.userIds);
          assert.deepEqual(profile.traits, expect.profile.traits);
          assert.equal(profile.company ?? null, expect.profile.company ?? null);

          // Its persons' traits reach insights (mirrored at the first start of this build).
          const [trait, value] =
            Object.entries(expect.profile.traits).find(([, v]) => typeof v === 'string') ?? [];
          assert.ok(trait, 'the fixture has a person with a text trait');
          const breakdowns = async () => {
            const res = await fetch(`${server.url}/v1/insights/query`, {
              method: 'POST',
              headers: { authorization: `Bearer ${keys.readKey}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                kind: 'trends',
                interval: 'month',
                range: { from: '2020-01-01', to: '2030-01-01' },
                series: [{ event: '*' }],
                breakdown: { by: `person.${trait}` },
              }),
            });
            assert.equal(res.status, 200, await res.clone().text());
            return ((await res.json()) as { series: { breakdown: unknown }[] }).series.map(
              (r) => r.breakdown,
            );
          };
          let seen: unknown[] = [];
          for (
            let i = 0;
            i < 100 && !seen.some((b) => JSON.stringify(b) === JSON.stringify({ value }));
            i++
          ) {
            seen = await breakdowns();
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.ok(
            seen.some((b) => JSON.stringify(b) === JSON.stringify({ value })),
            `person.${trait} = ${String(value)} among ${JSON.stringify(seen)}`,
          );
          if (expect.group) {
            const { group } = await get<{ group: { properties: Record<string, unknown> } }>(
              '/v1/groups/company/acme',
            );
            assert.deepEqual(group.properties, expect.group.properties);
          }

          // Its keys still authenticate (stored hashed), its sources keep their settings.
          const { sources } = await get<{ sources: { kind: string; allowedOrigins: string[] }[] }>(
            '/v1/sources',
            keys.adminKey,
          );
          assert.deepEqual(
            sources
              .map((s) => ({ kind: s.kind, allowedOrigins: s.allowedOrigins }))
              .sort((a, b) => a.kind.localeCompare(b.kind)),
            expect.sources,
          );

          // Its dedup state: every event sent again is a duplicate; a new one is taken.
          for (const send of UPGRADE_EVENTS(keys)) {
            const res = await fetch(`${server.url}${send.path}`, {
              method: 'POST',
              headers: send.headers,
              body: send.body,
            });
            const answer = await res.text();
            assert.equal(res.status, 200, answer);
            if (send.path === '/v1/events')
              assert.deepEqual(JSON.parse(answer), { accepted: 0, duplicates: 3 });
          }
          const fresh = await fetch(`${server.url}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${keys.ingestKey}`, 'content-type': 'application/json' },
            body: JSON.stringify([
              {
                id: 'after-upgrade',
                app: 'web',
                name: 'opened_file',
                timestamp: Date.now(),
                userId: 'u-upgrade',
              },
            ]),
          });
          assert.deepEqual(await fresh.json(), { accepted: 1, duplicates: 0 });
          await storeCaughtUp(server.url);
          assert.deepEqual(
            (await exportedIds(server.url, keys.readKey)).sort(),
            [...expect.ids, 'after-upgrade'].sort(),
          );
        } finally {
          server.child.kill('SIGTERM');
          await once(server.child, 'exit');
        }
        // Written by this build, it opens again.
        const again = await startServer(data);
        try {
          assert.equal(
            (await exportedIds(again.url, keys.readKey)).length,
            Object.keys(UPGRADE_IDS).length + 1,
          );
        } finally {
          again.child.kill('SIGTERM');
          await once(again.child, 'exit');
        }
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });

    test(`${name}: its log compacts into segments and reads back the same`, async () => {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-upgrade-'));
      try {
        execFileSync('tar', ['xzf', path.join(fixtures, name), '-C', work]);
        const file = path.join(work, 'data', 'log.db');
        // Segments of a few documents: the fixture's few events make several.
        const log = new SqliteEventLog(file, { segmentBytes: 64 });
        const batches = await log.read(0, 1_000_000);
        const refs = batches.flatMap((b) =>
          Array.from({ length: b.count }, (_, index) => ({ offset: b.offset, index })),
        );
        const docs = await log.docsAt(refs);
        await log.commitConsumer('store', await log.head());
        await log.commitConsumer('live', await log.head());
        await log.commitConsumer('profiles', await log.head());
        let moved = 0;
        for (let r = log.compact(); r.events > 0; r = log.compact()) moved += r.events;
        assert.ok(moved > 0, 'the fixture has events to move');
        await log.close();
        const reopened = new SqliteEventLog(file);
        try {
          assert.deepEqual(await reopened.read(0, 1_000_000), batches);
          assert.deepEqual(await reopened.docsAt(refs), docs);
        } finally {
          await reopened.close();
        }
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
