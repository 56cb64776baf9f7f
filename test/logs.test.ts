import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provision, startServer } from './helpers/process.ts';
import { tempDir } from './helpers/server.ts';

test('no key, client secret or token appears in the server logs, even at trace level and on errors', async () => {
  const data = tempDir();
  const { adminKey, ingestKey, ingestKeyId } = await provision(data);
  const server = await startServer(data, { USAGEHUB_LOG_LEVEL: 'trace' });
  const wrongKey = 'uh_ingest_thisKeyDoesNotExistButLooksReal0123456789';
  const secrets = [adminKey, ingestKey, wrongKey];
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

    // OAuth: a client secret in Basic and in the form, a wrong one, and the token.
    const created = await fetch(`${server.url}/v1/oauth-clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'c', scopes: ['connector.write'] }),
    });
    const { client, secret } = (await created.json()) as { client: { id: string }; secret: string };
    secrets.push(secret);
    const tokenFor = (body: string, authorization?: string) =>
      fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(authorization ? { authorization } : {}),
        },
        body,
      });
    const basic = Buffer.from(`${client.id}:${secret}`).toString('base64');
    const issued = await tokenFor('grant_type=client_credentials', `Basic ${basic}`);
    const { access_token } = (await issued.json()) as { access_token: string };
    secrets.push(access_token);
    const wrongSecret = 'uh_client_thisSecretIsWrongButLooksReal0123456789abc';
    secrets.push(wrongSecret);
    const form = `grant_type=client_credentials&client_id=${client.id}&client_secret=${wrongSecret}`;
    assert.equal((await tokenFor(form)).status, 401);
    const pushed = await fetch(`${server.url}/services/push/v1/customer/apps/nope/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: '{"events": [',
    });
    assert.equal(pushed.status, 400);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const logs = server.stderr();
  assert.match(logs, /"msg":"stopped"/, 'the logs were captured');
  assert.equal(secrets.length, 6);
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), 'a key appears in the logs');
    assert.ok(!logs.includes(secret.slice(-20)), 'part of a key appears in the logs');
  }
});
