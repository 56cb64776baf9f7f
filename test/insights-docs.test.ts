/** docs/insights.md's commands, run as written against a real server (only its address changed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';
import { runGuide } from './helpers/docs.ts';

test('the walk-through in docs/insights.md works against a running server and answers as shown', async () => {
  const data = tempDir();
  const { adminKey } = await provision(data);
  const server = await startServer(data);
  try {
    const { stdout, blocks } = await runGuide('insights.md', server.url, { ADMIN_KEY: adminKey }, data);
    assert.equal(blocks, 5);
    const answers = stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{"kind"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(answers.length, 4, stdout);
    const text = fs.readFileSync(new URL('../docs/insights.md', import.meta.url), 'utf8');
    const shown = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    assert.deepEqual([answers[0], answers[2], answers[3]], shown, 'the answers the guide shows');
    const split = answers[1] as {
      series: { breakdown: unknown; values: number[]; previous: { total: number } }[];
    };
    assert.deepEqual(
      split.series.map((s) => [s.breakdown, s.values.reduce((a, b) => a + b, 0), s.previous.total]),
      [[{ value: 'free' }, 1, 1]],
      'one plan in that week; the week before, the same plan once',
    );
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
