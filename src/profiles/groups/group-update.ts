import type { UsageEvent } from '../../domain/event.ts';
import type { GroupUpdate } from './group.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** Longest group type and key kept: an identifier, not a document. */
const MAX_TYPE = 200;
const MAX_KEY = 500;

/**
 * What an event says about a group, if anything: PostHog's `$groupidentify`
 * (`$group_type`, `$group_key`, `$group_set`), Segment's `group` (type `group`, its
 * `groupId` and traits).
 */
export function groupUpdateOf(
  e: Pick<UsageEvent, 'tenantId' | 'source' | 'name' | 'occurredAt'> &
    Partial<Pick<UsageEvent, 'properties'>>,
): GroupUpdate | null {
  const p = e.properties ?? {};
  let type: string | undefined;
  let key: string | undefined;
  let set: Obj = {};
  if (e.source === 'posthog' && e.name === '$groupidentify') {
    type = str(p.$group_type);
    key = str(p.$group_key);
    set = isObject(p.$group_set) ? p.$group_set : {};
  } else if (e.source === 'segment' && e.name === 'group') {
    type = 'group';
    const { groupId, ...traits } = p;
    key = str(groupId);
    set = traits;
  }
  if (!type || !key || type.length > MAX_TYPE || key.length > MAX_KEY) return null;
  return { tenantId: e.tenantId, type, key, at: e.occurredAt, set };
}
