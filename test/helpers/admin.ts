import assert from 'node:assert/strict';
import type { AdminOutcome } from '../../src/admin/admin.service.ts';
import type { TestHub } from './server.ts';

/** The value of an admin outcome that a test's setup expects to go through. */
export function ok<T>(res: AdminOutcome<T>): T {
  if (res.outcome !== 'ok') throw new Error(`admin outcome ${res.outcome}: ${JSON.stringify(res)}`);
  return res.value;
}

/** One admin API request with the hub's admin key, for setup: it must succeed. */
export async function adminCall(
  hub: Pick<TestHub, 'app' | 'adminKey'>,
  method: 'PUT' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body: unknown = {},
): Promise<unknown> {
  const res = await hub.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${hub.adminKey}` },
    payload: body as Record<string, unknown>,
  });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
