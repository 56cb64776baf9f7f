import { stampAll } from '../merge.ts';
import { groupId, type GroupRecord, type GroupUpdate } from './group.ts';

/**
 * Applies one tenant's group updates to the groups loaded (by groupId; new ones are added):
 * the groups created or changed. A property takes the value of the latest event that set
 * it, as a person's traits (merge.ts), so applying the same updates again changes nothing.
 */
export function applyGroupUpdates(
  loaded: Map<string, GroupRecord>,
  updates: readonly GroupUpdate[],
): GroupRecord[] {
  const dirty = new Set<string>();
  for (const u of updates) {
    const id = groupId(u);
    let g = loaded.get(id);
    if (!g) {
      g = {
        tenantId: u.tenantId,
        type: u.type,
        key: u.key,
        properties: {},
        firstSeenAt: u.at,
        updatedAt: u.at,
      };
      loaded.set(id, g);
      dirty.add(id);
    }
    if (stampAll(g.properties, u.set, u.at, false)) {
      g.updatedAt = Math.max(g.updatedAt, u.at);
      dirty.add(id);
    }
    if (u.at < g.firstSeenAt) {
      g.firstSeenAt = u.at;
      dirty.add(id);
    }
  }
  return [...dirty].map((id) => loaded.get(id)!);
}
