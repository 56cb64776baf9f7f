import type { InsightEngine } from './engine.ts';

/** Who an event counts for, over `events x`: the person, or the company (`unit`). */
export interface Who {
  /** The expression: NULL when the event counts for no one. */
  who: string;
  /** The join that makes it (persons only, when the tenant has merged any). */
  join: string;
}

/**
 * Persons: the person a user key is linked to (user_persons), else the key. A tenant
 * without merged persons — most — is counted by key without the join.
 */
export async function whoCounts(
  e: InsightEngine,
  tenantId: string,
  unit: 'person' | 'company',
): Promise<Who> {
  if (unit === 'company') return { who: 'x.company', join: '' };
  const [row] = await e.reader.select(
    'SELECT EXISTS (SELECT 1 FROM user_persons WHERE tenant_id = $1) AS linked',
    [tenantId],
  );
  return row?.linked === true
    ? {
        who: 'coalesce(p.person_id, x.user_key)',
        join: 'LEFT JOIN user_persons p ON p.tenant_id = x.tenant_id AND p.user_key = x.user_key',
      }
    : { who: 'x.user_key', join: '' };
}
