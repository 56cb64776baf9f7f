/** Runs the real `usagehub` binary: CLI commands and servers as child processes. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after } from 'node:test';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'usagehub.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function cliJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const r = await cli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`usagehub ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Provisioned {
  adminKey: string;
  ingestKey: string;
  ingestKeyId: string;
  readKey: string;
}

/** A data directory made ready the way a user would: init, an app "web", an ingest and a read key. */
export async function provision(data: string): Promise<Provisioned> {
  const { adminKey } = await cliJson<{ adminKey: string }>(['--data', data, 'init']);
  await cliJson(['--data', data, 'apps', 'create', '--name', 'web']);
  const ingest = await cliJson<{ key: { id: string }; secret: string }>([
    '--data',
    data,
    'keys',
    'create',
    '--role',
    'ingest',
  ]);
  const read = await cliJson<{ secret: string }>(['--data', data, 'keys', 'create', '--role', 'read']);
  return { adminKey, ingestKey: ingest.secret, ingestKeyId: ingest.key.id, readKey: read.secret };
}

export async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  return port;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What the server printed so far: its logs (warn and above by default) and errors. */
  stderr: () => string;
}

/**
 * Servers started by this file's tests and still running when its tests are over: a test
 * that fails before it stops its server would otherwise keep the file's process alive
 * (the child's pipes), and the whole run would wait for ever.
 */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `usagehub serve` and waits until /readyz answers 200. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  // Port 0: the server binds a free port and names it. A port picked here and handed over
  // could be taken in between by another test file's server, which would then answer.
  const child = spawn(
    process.execPath,
    [bin, '--data', dataDir, 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      env: { ...process.env, USAGEHUB_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  const collect = (c: Buffer) => (stderr += c.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // A deadline, not a number of tries: on a loaded machine a start can take many seconds.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    const url = /usagehub: listening on (http:\/\/\S+)/.exec(stderr)?.[1];
    try {
      if (url && (await fetch(`${url}/readyz`)).ok) return { url, child, exited, stderr: () => stderr };
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready: ${stderr}`);
}

/** Waits until the store has applied everything in the log (lag 0 in /metrics). */
export async function storeCaughtUp(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (/^usagehub_store_lag_batches 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the store did not catch up');
}

/** Client ids of every exported event. */
export async function exportedIds(url: string, readKey: string): Promise<string[]> {
  const res = await fetch(`${url}/v1/export?format=ndjson`, {
    headers: { authorization: `Bearer ${readKey}` },
  });
  const text = await res.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { clientId: string }).clientId);
}

/**
 * POSTs native events with these client ids (app "web", name "tick", time `t`); the
 * answer's status, or 0 when the connection failed (a server killed mid-request).
 */
export async function postEvents(url: string, key: string, ids: string[], t: number): Promise<number> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        ids.map((id) => ({ id, app: 'web', name: 'tick', timestamp: t, email: `${id.split('-')[0]}@x.com` })),
      ),
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}
