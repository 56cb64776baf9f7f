/**
 * What a client can do below the routes — hold a connection open, send broken HTTP —
 * and the smaller findings of the hostile-input review: the last admin key, who may
 * read /metrics, IPv4 addresses dressed as IPv6, a data directory that turns read-only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { startHub, tempDir, type TestHub } from './helpers/server.ts';
import { cli, provision, startServer } from './helpers/process.ts';
import { AddressGuard } from '../src/live/address-guard.ts';

/** Writes raw bytes to the server and collects what comes back until it closes the connection. */
function rawExchange(port: number, chunks: string[], pauseMs = 0): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
    socket.on('connect', async () => {
      for (const c of chunks) {
        socket.write(c);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    setTimeout(() => socket.destroy(new Error('the server held the connection for 20 s')), 20_000).unref();
  });
}

const bodyOf = (text: string) =>
  JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };

describe('hostile connections', () => {
  let hub: TestHub;
  let port: number;

  before(async () => {
    hub = await startHub({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    port = (hub.app.server.address() as net.AddressInfo).port;
  });
  after(() => hub.close());

  test('(5) a body that never finishes gets 408 and a closed connection, on authenticated and open routes', async () => {
    for (const [path, type] of [
      ['/v1/events', 'application/json'],
      ['/v3/events', 'application/x-www-form-urlencoded'],
      ['/oauth2/token', 'application/x-www-form-urlencoded'],
    ]) {
      const { text, ms } = await rawExchange(port, [
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hub.ingestKey}\r\n` +
          `Content-Type: ${type}\r\nContent-Length: 1000\r\n\r\n[{"app":`,
      ]);
      assert.match(text, /^HTTP\/1\.1 408/, `${path}: ${text}`);
      assert.equal(bodyOf(text).error.code, 'request_timeout');
      assert.ok(ms < 5000, `${path}: closed after ${ms} ms`);
    }
  });

  test('(5) headers that never finish are cut off too', async () => {
    const { text, ms } = await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '], 0);
    assert.ok(ms < 5000, `closed after ${ms} ms`);
    assert.ok(text === '' || /^HTTP\/1\.1 408/.test(text), text);
  });

  test('(8) broken HTTP and oversized headers are answered in the catalogue’s envelope', async () => {
    const chunked = await rawExchange(port, [
      'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]);
    assert.match(chunked.text, /^HTTP\/1\.1 400/, chunked.text);
    assert.equal(bodyOf(chunked.text).error.code, 'invalid_request');
    const big = await rawExchange(port, [
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    assert.match(big.text, /^HTTP\/1\.1 431/, big.text);
    assert.equal(bodyOf(big.text).error.code, 'headers_too_large');
    const badUrl = await fetch(`http://127.0.0.1:${port}/v1/apps/%ff`, {
      headers: { authorization: `Bearer ${hub.adminKey}` },
    });
    assert.equal(badUrl.status, 400);
    assert.equal(((await badUrl.json()) as { error: { code: string } }).error.code, 'invalid_request');
  });

  test('(9) the last active admin key cannot be revoked', async () => {
    const call = (method: 'GET' | 'DELETE' | 'POST', url: string, key: string, body?: unknown) =>
      hub.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        payload: body ? JSON.stringify(body) : undefined,
      });
    const keys = (await call('GET', '/v1/keys', hub.adminKey)).json<{
      keys: { id: string; role: string }[];
    }>().keys;
    const admins = keys.filter((k) => k.role === 'admin');
    assert.equal(admins.length, 1);
    const refused = await call('DELETE', `/v1/keys/${admins[0]!.id}`, hub.adminKey);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.match(refused.json<{ error: { message: string } }>().error.message, /last active admin key/);
    // With a second admin key, the first may go; then the second is the last.
    const second = (await call('POST', '/v1/keys', hub.adminKey, { role: 'admin', name: 'second' })).json<{
      key: { id: string };
      secret: string;
    }>();
    assert.equal((await call('DELETE', `/v1/keys/${admins[0]!.id}`, second.secret)).statusCode, 200);
    assert.equal((await call('DELETE', `/v1/keys/${second.key.id}`, second.secret)).statusCode, 409);
    hub.adminKey = second.secret;
  });

  test('(9) /metrics: loopback clients only by default; with a metrics key, the key', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
    const remote = await hub.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 403, remote.body);
    const keyed = await startHub({ metricsKey: 'm3trics-secret' });
    try {
      assert.equal((await keyed.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      const ok = await keyed.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '203.0.113.9',
        headers: { authorization: 'Bearer m3trics-secret' },
      });
      assert.equal(ok.statusCode, 200);
    } finally {
      await keyed.close();
    }
  });

  test('(9) IPv4 addresses embedded in IPv6 are judged by their IPv4 address', () => {
    const guard = new AddressGuard([]);
    for (const a of [
      '::127.0.0.1',
      '::7f00:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::10.0.0.1',
      '::169.254.169.254',
      '64:ff9b::7f00:1',
    ])
      assert.ok(guard.refusal(a), `${a} is refused`);
    assert.equal(guard.refusal('::8.8.8.8'), null, 'a public IPv4 address embedded is public');
    assert.equal(
      new AddressGuard(['127.0.0.0/8']).refusal('::7f00:1'),
      null,
      'the allow-list applies to it too',
    );
  });
});

describe('a data directory that turns read-only', () => {
  test('SIGTERM exits cleanly when the lock cannot be removed; a start on a read-only directory explains', async () => {
    const data = tempDir();
    await provision(data);
    const server = await startServer(data);
    execFileSync('chattr', ['+i', data]);
    try {
      server.child.kill('SIGTERM');
      const code = await server.exited;
      assert.equal(code, 0, server.stderr());
      assert.match(server.stderr(), /could not remove the lock/);
      const refused = await cli(['--data', `${data}/sub`, 'serve', '--port', '0']);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /cannot be written/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'a message, not a stack trace');
    } finally {
      execFileSync('chattr', ['-i', data]);
    }
    const again = await startServer(data);
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0, 'the next start takes the stale lock over');
  });
});
