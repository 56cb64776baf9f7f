/**
 * A newcomer's first hour: `npm start` on an empty data directory prints the first admin
 * key (and nothing else needs stopping), SIGTERM to `npm start` itself stops the server,
 * and a CLI command on a directory never initialised leaves nothing behind.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { cli } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..');

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

describe('first run', () => {
  test('npm start on an empty directory prints the admin key once; SIGTERM to npm start closes the port', async () => {
    const data = path.join(tempDir(), 'data');
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...process.env,
        USAGEHUB_DATA_DIR: data,
        PORT: '0',
        HOST: '127.0.0.1',
        USAGEHUB_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    try {
      let key: string | undefined;
      for (let i = 0; i < 600 && !key; i++) {
        key = /USAGEHUB_KEY=(\S+)/.exec(output)?.[1];
        if (!key) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(key, `the admin key was printed: ${output}`);
      const port = Number(/usagehub: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      assert.equal(
        /USAGEHUB_URL=(\S+)/.exec(output)?.[1],
        `http://127.0.0.1:${port}`,
        'the printed URL is the bound one',
      );
      const tenant = await fetch(`http://127.0.0.1:${port}/v1/tenant`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(tenant.status, 200, 'the printed key is a working admin key');
      // The CLI works against the running server with the printed line's settings.
      const app = await cli(['apps', 'create', '--name', 'web', '--json'], {
        USAGEHUB_URL: `http://127.0.0.1:${port}`,
        USAGEHUB_KEY: key,
      });
      assert.equal(app.code, 0, app.stderr);
      const secret = await cli(['keys', 'create', '--role', 'ingest', '--secret-only'], {
        USAGEHUB_URL: `http://127.0.0.1:${port}`,
        USAGEHUB_KEY: key,
      });
      assert.match(secret.stdout.trim(), /^\S+$/);

      npm.kill('SIGTERM');
      await exited;
      let open = true;
      for (let i = 0; i < 150 && open; i++) {
        open = await portOpen(port);
        if (open) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(open, false, 'the server stopped with npm start');
    } finally {
      npm.kill('SIGKILL');
    }
    // A second start prints no key: the tenant exists.
    assert.equal(output.match(/USAGEHUB_KEY=/g)?.length, 1);
  });

  test('a CLI command on a directory never initialised fails and leaves nothing behind', async () => {
    const data = path.join(tempDir(), 'never');
    const res = await cli(['--data', data, 'apps', 'list']);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /usagehub init/);
    assert.equal(fs.existsSync(data), false, 'no directory, no catalog.db, no lock');
  });
});
