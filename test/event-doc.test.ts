import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageEvent } from '../src/domain/event.ts';
import { checkEvents } from '../src/ingest/check-events.ts';
import { docHeads, eventDoc } from '../src/log/event-doc.ts';
import { event } from './conformance/event-store.conformance.ts';

const tricky = event({
  name: 'opened "file"',
  occurredAt: Date.UTC(2026, 10, 1),
  actor: { userId: 'u-1' },
  context: { company: 'Acme', ip: '10.0.0.1' },
  clientId: 'c-1',
  properties: { properties: { dedupKey: 'x' }, note: ',"properties":{"a":1}}' },
  raw: { properties: [',"dedupKey":"'], deep: { properties: 1 } },
});
/** The event without its properties and payload: what a head holds. */
const head = Object.fromEntries(Object.entries(tricky).filter(([k]) => k !== 'properties' && k !== 'raw'));

test('an event document holds the whole event, its properties and payload last', () => {
  const doc = eventDoc(tricky);
  assert.deepEqual(JSON.parse(doc), JSON.parse(JSON.stringify(tricky)));
  assert.deepEqual(Object.keys(JSON.parse(doc)).slice(-2), ['properties', 'raw']);
});

test('heads: each document cut to its head fields, lines in place; earlier documents whole', () => {
  const earlier = JSON.stringify({ ...tricky, clientId: 'c-old', raw: null }); // properties before clientId
  const noProperties = '{"tenantId":"t"}';
  const docs = [eventDoc(tricky), '', earlier, noProperties, eventDoc({ ...tricky, name: 'second' })];
  const heads = docHeads(docs.join('\n')).split('\n');
  assert.equal(heads.length, docs.length);
  assert.deepEqual(JSON.parse(heads[0]!), JSON.parse(JSON.stringify(head)));
  assert.equal(heads[1], '');
  assert.equal(heads[2], earlier);
  assert.equal(heads[3], noProperties);
  assert.deepEqual(JSON.parse(heads[4]!), JSON.parse(JSON.stringify({ ...head, name: 'second' })));
  assert.equal(docHeads(''), '');
  assert.equal(docHeads(`${docs[0]}\n`), `${heads[0]}\n`);
});

test('heads with properties: each document without its payload; earlier documents whole', () => {
  const braces = { ...tricky, properties: { s: '}{"\\\\"}', n: [{ a: { b: [1, '}'] } }], e: {} } };
  const earlier = JSON.stringify({ ...tricky, clientId: 'c-old', raw: null });
  const docs = [eventDoc(tricky), '', earlier, eventDoc(braces), eventDoc({ ...tricky, properties: {} })];
  const cut = docHeads(docs.join('\n'), true).split('\n');
  assert.equal(cut.length, docs.length);
  const without = (e: UsageEvent) => JSON.parse(JSON.stringify({ ...e, raw: undefined })) as unknown;
  assert.deepEqual(JSON.parse(cut[0]!), without(tricky));
  assert.equal(cut[1], '');
  assert.equal(cut[2], earlier);
  assert.deepEqual(JSON.parse(cut[3]!), without(braces));
  assert.deepEqual(JSON.parse(cut[4]!), without({ ...tricky, properties: {} }));
});

test('a value of the head that is not text is refused before it reaches the log', () => {
  const bad = { ...tricky, context: { company: { properties: 1 } } } as unknown as UsageEvent;
  const problems = checkEvents([bad]);
  assert.deepEqual(
    problems.map((p) => p.field),
    ['context.company'],
  );
});
