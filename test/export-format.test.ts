import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatExportLine } from '../src/query/export-format.ts';
import { eventDoc } from '../src/log/event-doc.ts';
import { isLate, type UsageEvent } from '../src/domain/event.ts';

const event = (
  occurredAt: number,
  receivedAt: number,
  properties: Record<string, unknown> = {},
): UsageEvent => ({
  tenantId: 't_1',
  appId: 'app_1',
  source: 'native',
  name: 'a "quoted" ,"occurredAt":1,"receivedAt":2, name',
  category: null,
  occurredAt,
  receivedAt,
  actor: { email: 'a@example.com' },
  session: {},
  count: 1,
  context: {},
  properties,
  clientId: null,
  dedupKey: '0'.repeat(40),
  raw: { occurredAt: 1, receivedAt: 2 },
});

test('an NDJSON export line tells late from the document’s own times, whatever its payload holds', () => {
  const t = Date.UTC(2026, 10, 1);
  for (const e of [
    event(t, t + 1000),
    event(t, t + 13 * 3600_000, { x: ',"occurredAt":0,"receivedAt":99999999999999,' }),
  ]) {
    const line = formatExportLine(eventDoc(e), 'ndjson', 42);
    const parsed = JSON.parse(line) as { eventId: string; late: boolean } & UsageEvent;
    assert.equal(parsed.eventId, '42');
    assert.equal(parsed.late, isLate(e));
    assert.deepEqual(parsed.properties, e.properties);
  }
  // A document laid out otherwise (an earlier version's) is parsed whole.
  const old = JSON.stringify({ receivedAt: t + 13 * 3600_000, tenantId: 't_1', occurredAt: t });
  assert.equal((JSON.parse(formatExportLine(old, 'ndjson', 7)) as { late: boolean }).late, true);
});
