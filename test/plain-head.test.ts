import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventDoc, PROPERTIES_KEY } from '../src/log/event-doc.ts';
import { plainHead } from '../src/profiles/plain-head.ts';
import type { UsageEvent } from '../src/domain/event.ts';

const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({
  tenantId: 't_1',
  appId: 'app_1',
  source: 'native',
  name: 'opened_file',
  category: null,
  occurredAt: 1_700_000_000_000,
  receivedAt: 1_700_000_000_500,
  actor: { email: 'a@acme.com', userId: 'u-1' },
  session: { id: 's-1' },
  count: 1,
  context: { domain: 'acme.com', company: 'Acme' },
  properties: { plan: 'pro' },
  clientId: null,
  dedupKey: '0'.repeat(40),
  raw: {},
  ...over,
});
const head = (e: UsageEvent) => {
  const doc = eventDoc(e);
  return plainHead(doc, doc.indexOf(PROPERTIES_KEY));
};

test('a plain head: tenant, actor and company, whatever the event’s name, app or time', () => {
  const a = head(event());
  assert.deepEqual(a, {
    signature: 't_1\0{"email":"a@acme.com","userId":"u-1"}\0Acme',
    occurredAt: 1_700_000_000_000,
  });
  assert.equal(head(event({ name: 'other', appId: 'app_2', occurredAt: 5 }))!.signature, a!.signature);
  assert.notEqual(head(event({ context: {} }))!.signature, a!.signature);
  assert.notEqual(head(event({ actor: { userId: 'u-1' } }))!.signature, a!.signature);
  assert.notEqual(head(event({ tenantId: 't_2' }))!.signature, a!.signature);
  assert.ok(head(event({ source: 'segment', name: 'Video Played' })));
  assert.ok(head(event({ source: 'posthog', name: '$pageview' })));
});

test('no plain head for what may set traits, groups or aliases, or text it cannot read off', () => {
  for (const name of ['identify', 'alias', 'group'])
    assert.equal(head(event({ source: 'segment', name })), null);
  for (const name of ['$identify', '$groupidentify', '$create_alias'])
    assert.equal(head(event({ source: 'posthog', name })), null);
  assert.equal(head(event({ source: 'posthog', name: '$pageview', properties: { $set: { a: 1 } } })), null);
  assert.equal(
    head(event({ source: 'posthog', name: 'x', properties: { $groups: { company: 'a' } } })),
    null,
  );
  assert.equal(head(event({ name: 'with "quotes"' })), null);
  assert.equal(head(event({ context: { company: 'A\\B' } })), null);
  assert.equal(plainHead('{"seed":1}', -1), null);
});
