import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

test('no key appears in the server logs, even at trace level and on errors', async () => {
  const data = tempDir();
  const { adminKey, ingestKey, ingestKeyId } = await provision(data);
  const server = await startServer(data, { USAGEHUB_LOG_LEVEL: 'trace' });
  const wrongKey = 'uh_ingest_thisKeyDoesNotExistButLooksReal0123456789';
  const send = (key: string, body: string) =>
    fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-api-key': key },
      body,
    });
  try {
    const ok = `[{"app":"web","name":"x","timestamp":${Date.now()}}]`;
    assert.equal((await send(ingestKey, ok)).status, 200);
    assert.equal((await send(ingestKey, '[{"app":')).status, 400);
    assert.equal((await send(wrongKey, ok)).status, 401);
    await fetch(`${server.url}/v1/keys/${ingestKeyId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal((await send(ingestKey, ok)).status, 401);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const logs = server.stderr();
  assert.match(logs, /"msg":"stopped"/, 'the logs were captured');
  for (const secret of [adminKey, ingestKey, wrongKey]) {
    assert.ok(!logs.includes(secret), 'a key appears in the logs');
    assert.ok(!logs.includes(secret.slice(-20)), 'part of a key appears in the logs');
  }
});
