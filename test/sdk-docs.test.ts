/**
 * docs/segment.md and docs/posthog.md, run as written against a real server (only its
 * address changed): the curl calls and the official Node.js libraries' scripts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { provision, startServer, storeCaughtUp } from './helpers/process.ts';
import { runGuide } from './helpers/docs.ts';
import { tempDir } from './helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

for (const [guide, names] of [
  // Each event once: a name twice is the curl call's and the library's.
  ['segment.md', { 'Report Exported': 1, 'Video Played': 1, alias: 1, group: 1, identify: 2, page: 1 }],
  [
    'posthog.md',
    {
      $create_alias: 1,
      $groupidentify: 1,
      $identify: 2,
      pageview: 1,
      'report exported': 1,
      'video played': 1,
    },
  ],
] as const) {
  test(`the walk-through in docs/${guide} works against a running server`, async () => {
    const data = tempDir();
    // The guide's scripts import the library as an application that installed it would.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(data, 'node_modules'));
    const { adminKey, readKey } = await provision(data);
    const server = await startServer(data);
    try {
      const { stdout, blocks } = await runGuide(guide, server.url, { ADMIN_KEY: adminKey }, data);
      assert.ok(blocks >= 5);
      assert.match(stdout, guide === 'segment.md' ? /\{"success":true\}/ : /\{"status":"Ok"\}/);
      if (guide === 'segment.md') assert.match(stdout, /"emails":\["ann@acme\.com"\].*"plan":"pro"/s);
      await storeCaughtUp(server.url);
      const res = await fetch(`${server.url}/v1/query/counts?groupBy=name`, {
        headers: { authorization: `Bearer ${readKey}` },
      });
      const rows = ((await res.json()) as { rows: { key: string; events: number }[] }).rows;
      const byName: Record<string, number> = {};
      for (const r of rows) byName[r.key] = (byName[r.key] ?? 0) + r.events;
      assert.deepEqual(byName, { ...names });
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });
}
