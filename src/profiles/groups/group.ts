/**
 * A group as usagehub knows it, per tenant: a company, an organisation, a project — whatever
 * the application calls one — by its type and key, with the properties the SDKs set on it
 * (PostHog `$groupidentify`, Segment `group`), by event time as a person's traits.
 */
import type { Stamped } from '../profile.ts';

export interface GroupRecord {
  tenantId: string;
  /** PostHog's `$group_type` (`company`, `organization`, …); Segment's `group` calls are type `group`. */
  type: string;
  key: string;
  properties: Record<string, Stamped>;
  /** Event time of the earliest event that named it. */
  firstSeenAt: number;
  /** Event time of the latest change to its properties. */
  updatedAt: number;
}

/** What one event says about a group. */
export interface GroupUpdate {
  tenantId: string;
  type: string;
  key: string;
  at: number;
  set: Record<string, unknown>;
}

/** A group as the API shows it. */
export interface Group {
  type: string;
  key: string;
  properties: Record<string, unknown>;
  firstSeenAt: string;
  updatedAt: string;
}

export function groupView(g: GroupRecord): Group {
  return {
    type: g.type,
    key: g.key,
    properties: Object.fromEntries(
      Object.entries(g.properties).flatMap(([k, s]) => (s.gone ? [] : [[k, s.value]])),
    ),
    firstSeenAt: new Date(g.firstSeenAt).toISOString(),
    updatedAt: new Date(g.updatedAt).toISOString(),
  };
}

/** The groups' identity within a tenant, for maps and keys. */
export const groupId = (g: Pick<GroupUpdate, 'type' | 'key'>): string => `${g.type}\0${g.key}`;
