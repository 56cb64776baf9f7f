/**
 * Makes a data directory with this build, for test/upgrade.test.ts to open with every
 * later build: `node --import tsx scripts/upgrade-fixture.ts` (after `npm run build`)
 * writes test/fixtures/upgrade/<the commit's date>-<commit>-node<major>.tar.gz.
 *
 * The directory holds what an installation accumulates — a tenant with keys, a Segment
 * and a PostHog source (one with allowed origins), events of three dialects, a user
 * profile with traits, a company group — and a manifest of what a later build must find
 * in it. Made on a stopped server, as an operator would copy one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COUNTS, UPGRADE_EVENTS, type UpgradeManifest } from '../test/helpers/upgrade.ts';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'usagehub.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'usagehub-upgrade-'));
const data = path.join(work, 'data');

const cli = <T>(...args: string[]): T =>
  JSON.parse(
    execFileSync(process.execPath, [bin, '--data', data, '--json', ...args], { encoding: 'utf8' }),
  ) as T;

const { tenantId, adminKey } = cli<{ tenantId: string; adminKey: string }>('init');
cli('apps', 'create', '--name', 'web');
const ingestKey = cli<{ secret: string }>('keys', 'create', '--role', 'ingest').secret;
const readKey = cli<{ secret: string }>('keys', 'create', '--role', 'read').secret;
// Allowed origins came in a later build than the first fixture's: set when the build has them.
const hasOrigins = execFileSync(process.execPath, [bin, 'sources', 'create', '--help'], {
  encoding: 'utf8',
}).includes('--origin');
const segmentKey = cli<{ writeKey: string }>(
  ...['sources', 'create', '--kind', 'segment', '--app', 'web'],
  ...(hasOrigins ? ['--origin', 'https://app.example.com'] : []),
).writeKey;
const posthogKey = cli<{ writeKey: string }>(
  'sources',
  'create',
  '--kind',
  'posthog',
  '--app',
  'web',
).writeKey;

const port = 19_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const server = spawn(
  process.execPath,
  [bin, '--data', data, 'serve', '--port', String(port), '--host', '127.0.0.1'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, USAGEHUB_LOG_LEVEL: 'warn' },
  },
);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/readyz`)).ok) break;
  } catch {
    if (i > 200) throw new Error('the server did not start');
  }
  await new Promise((r) => setTimeout(r, 100));
}

for (const send of UPGRADE_EVENTS({ ingestKey, segmentKey, posthogKey })) {
  const res = await fetch(`${url}${send.path}`, {
    method: 'POST',
    headers: send.headers,
    body: send.body,
  });
  if (res.status !== 200) throw new Error(`${send.path}: ${res.status} ${await res.text()}`);
}
// Everything stored and every profile applied before the server stops: the directory is
// one a running installation would have, and what this build answers from it is what a
// later build must answer too.
const get = async (path: string, key = readKey): Promise<Response> =>
  fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
const traitsOf = async (): Promise<Record<string, unknown> | undefined> => {
  const res = await get('/v1/users/u-upgrade');
  return res.ok
    ? ((await res.json()) as { profile: { traits: Record<string, unknown> } }).profile.traits
    : undefined;
};
for (let i = 0; ; i++) {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const traits = await traitsOf();
  if (/^usagehub_store_lag_batches 0$/m.test(metrics) && traits?.role === 'admin') break;
  if (i > 300) throw new Error('the store or the profiles did not catch up');
  await new Promise((r) => setTimeout(r, 100));
}
const json = async <T>(res: Response): Promise<T | null> => (res.ok ? ((await res.json()) as T) : null);
const expect: UpgradeManifest['expect'] = {
  ids: (await (await get('/v1/export?format=ndjson')).text())
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { clientId: string }).clientId)
    .sort(),
  counts: (await json<UpgradeManifest['expect']['counts']>(await get(COUNTS)))!,
  profile: (await json<{ profile: UpgradeManifest['expect']['profile'] }>(await get('/v1/users/u-upgrade')))!
    .profile,
  group:
    (await json<{ group: UpgradeManifest['expect']['group'] }>(await get('/v1/groups/company/acme')))
      ?.group ?? null,
  sources: (await json<{ sources: { kind: string; allowedOrigins?: string[] }[] }>(
    await get('/v1/sources', adminKey),
  ))!.sources
    .map((s) => ({ kind: s.kind, allowedOrigins: s.allowedOrigins ?? [] }))
    .sort((a, b) => a.kind.localeCompare(b.kind)),
};
server.kill('SIGTERM');
await once(server, 'exit');

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const manifest: UpgradeManifest = {
  madeBy: { commit, node: process.version, date: new Date().toISOString() },
  tenantId,
  keys: { adminKey, ingestKey, readKey, segmentKey, posthogKey },
  expect,
};
fs.writeFileSync(path.join(data, 'upgrade-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

const outDir = path.join(root, 'test', 'fixtures', 'upgrade');
fs.mkdirSync(outDir, { recursive: true });
const builtOn = execFileSync('git', ['log', '-1', '--format=%cs'], { cwd: root, encoding: 'utf8' }).trim();
const name = `${builtOn}-${commit}-node${process.versions.node.split('.')[0]}.tar.gz`;
execFileSync('tar', ['czf', path.join(outDir, name), '-C', work, 'data']);
fs.rmSync(work, { recursive: true, force: true });
console.log(`test/fixtures/upgrade/${name}`);
